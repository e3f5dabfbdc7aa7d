using System.Buffers;

namespace Broker.Streams.Internal;

/// <summary>
/// Enhanced fan-out: consumers and their subscriptions. Registering, deregistering and subscribing are cold paths under
/// <see cref="coldLock"/>; delivering records is not (see <see cref="Subscription"/>).
/// </summary>
internal sealed partial class DataStream
{
    private static readonly SearchValues<char> NameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");

    private readonly Dictionary<string, ConsumerState> consumers = new(StringComparer.Ordinal);
    private int consumerCount;

    private int ConsumerCount => Volatile.Read(ref consumerCount);

    public StreamConsumer RegisterConsumer(string consumerName)
    {
        ValidateConsumerName(consumerName);
        lock (coldLock)
        {
            ThrowIfDeleted();
            if (consumers.ContainsKey(consumerName))
            {
                throw StreamErrors.InUse($"Consumer {consumerName} under stream {Arn} already exists. Deregister it first, or pick another name.");
            }

            if (consumers.Count >= StreamDefaults.MaxConsumers)
            {
                throw StreamErrors.Limit($"Stream {Arn} already has {StreamDefaults.MaxConsumers} registered consumers, the limit. Deregister one first.");
            }

            var now = time.GetUtcNow();
            var createdAt = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
            var consumer = new StreamConsumer(consumerName, $"{Arn}/consumer/{consumerName}:{now.ToUnixTimeSeconds()}", createdAt);
            store?.ConsumerRegistered(Name, consumer); // durable: waits for its record under the cold-path lock
            consumers[consumerName] = new ConsumerState(consumer);
            Volatile.Write(ref consumerCount, consumers.Count);
            return consumer;
        }
    }

    public void DeregisterConsumer(string consumerName)
    {
        ArgumentNullException.ThrowIfNull(consumerName);
        lock (coldLock)
        {
            ThrowIfDeleted();
            if (!consumers.TryGetValue(consumerName, out var state))
            {
                throw StreamErrors.ConsumerNotFound(consumerName, Arn);
            }

            store?.ConsumerDeregistered(Name, consumerName); // as above
            consumers.Remove(consumerName);

            Volatile.Write(ref consumerCount, consumers.Count);
            state.EndAll();
        }
    }

    public IReadOnlyList<StreamConsumer> ListConsumers()
    {
        lock (coldLock)
        {
            ThrowIfDeleted();
            return [.. consumers.Values.Select(static c => c.Consumer).OrderBy(static c => c.ConsumerName, StringComparer.Ordinal)];
        }
    }

    public IAsyncEnumerable<SubscribeToShardEvent> SubscribeToShard(string consumerName, string shardId, StartingPosition startingPosition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(consumerName);
        ArgumentNullException.ThrowIfNull(shardId);
        ArgumentNullException.ThrowIfNull(startingPosition);
        lock (coldLock)
        {
            ThrowIfDeleted();
            if (!consumers.TryGetValue(consumerName, out var state))
            {
                throw StreamErrors.ConsumerNotFound(consumerName, Arn);
            }

            var now = time.GetUtcNow();
            var nowMs = now.ToUnixTimeMilliseconds();
            var shard = FindShard(shardId, nowMs);
            var position = ResolvePosition(shard, startingPosition.Type, startingPosition.SequenceNumber, startingPosition.Timestamp, nowMs, "SubscribeToShard");
            if (state.Subscriptions.TryGetValue(shard.Index, out var previous))
            {
                if (now.UtcTicks - previous.StartedTicks < StreamDefaults.ResubscribeInterval.Ticks)
                {
                    throw StreamErrors.InUse($"Another subscription of consumer {state.Consumer.ConsumerArn} to shard {shard.Id} started less than 5 seconds ago. Wait 5 seconds before subscribing again; a later subscription takes over.");
                }

                previous.End();
            }

            var subscription = new Subscription(this, shard, position, now, time);
            state.Subscriptions[shard.Index] = subscription;
            return subscription.ReadAsync(cancellationToken);
        }
    }

    /// <summary>Under <see cref="coldLock"/>: the stream is being deleted.</summary>
    private void EndAllSubscriptions()
    {
        foreach (var state in consumers.Values)
        {
            state.EndAll();
        }
    }

    private static void ValidateConsumerName(string consumerName)
    {
        ArgumentNullException.ThrowIfNull(consumerName);
        if (consumerName.Length is 0 or > 128 || consumerName.AsSpan().ContainsAnyExcept(NameChars))
        {
            throw StreamErrors.Validation($"1 validation error detected: Value '{consumerName}' at 'consumerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 1 and 128.");
        }
    }

    /// <summary>A consumer and its latest subscription per shard (guarded by the stream's cold-path lock).</summary>
    private sealed class ConsumerState(StreamConsumer consumer)
    {
        public StreamConsumer Consumer { get; } = consumer;

        public Dictionary<int, Subscription> Subscriptions { get; } = [];

        public void EndAll()
        {
            foreach (var subscription in Subscriptions.Values)
            {
                subscription.End();
            }

            Subscriptions.Clear();
        }
    }
}
