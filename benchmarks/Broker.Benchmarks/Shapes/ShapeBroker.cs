using System.Text;
using Broker.Queues;
using Broker.Streams;
using Broker.Topics;

namespace Broker.Benchmarks.Shapes;

/// <summary>
/// The Broker side of the engine-shape benchmarks: one broker with, per lane (one lane for the single-channel shapes,
/// two for ping-pong), a standard queue, a FIFO queue, and a standard topic with one raw-delivery queue subscription;
/// the requests, built once; and a fresh one-shard stream with a registered consumer when a benchmark asks for one.
/// </summary>
internal sealed class ShapeBroker : IDisposable
{
    /// <summary>The payload's 16 bytes as text, for the topic, whose publish API takes a string (UTF-8: the same bytes).</summary>
    public const string PayloadText = "xxxxxxxxxxxxxxxx";

    /// <summary>The consumer every stream registers for SubscribeToShard.</summary>
    public const string ConsumerName = "shapes";

    private const string PartitionKey = "shapes";

    private readonly MessageBroker broker = new(new BrokerOptions { PurgeCooldown = TimeSpan.Zero, QueueDeletionCooldown = TimeSpan.Zero }, TimeProvider.System);
    private int streamNumber;
    private int fifoGeneration;

    public ShapeBroker(int lanes, int itemCount, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (!payload.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(PayloadText)))
        {
            throw new ArgumentException("The payload must be the bytes of PayloadText, so every primitive moves the same bytes.", nameof(payload));
        }

        StandardQueues = new IMessageQueue[lanes];
        FifoQueues = new IMessageQueue[lanes];
        Topics = new ITopic[lanes];
        TopicQueues = new IMessageQueue[lanes];
        for (var lane = 0; lane < lanes; lane++)
        {
            StandardQueues[lane] = broker.CreateQueue($"shapes-{lane}");
            FifoQueues[lane] = broker.CreateQueue($"shapes-{lane}-0.fifo", new QueueOptions { FifoQueue = true });
            Topics[lane] = broker.CreateTopic($"shapes-{lane}");
            TopicQueues[lane] = broker.CreateQueue($"shapes-topic-{lane}");
            Topics[lane].Subscribe(TopicQueues[lane], new SubscriptionOptions { RawMessageDelivery = true });
        }

        var send = new SendMessageRequest(payload);
        Sends = [.. Enumerable.Repeat(send, itemCount)];
        FifoSends = [.. Enumerable.Range(0, itemCount).Select(i => new SendMessageRequest(payload) { MessageGroupId = "shapes", MessageDeduplicationId = $"dedup-{i}" })];
        Publish = new PublishRequest(PayloadText);
        Put = new PutRecordRequest(PartitionKey, payload);
    }

    /// <summary>Short poll (WaitTime 0), one message: the try shape's read.</summary>
    public static ReceiveRequest ShortPoll { get; } = new() { MaxNumberOfMessages = 1, WaitTime = TimeSpan.Zero };

    /// <summary>Long poll (20 s, the SQS maximum), one message: the waiting shapes' read.</summary>
    public static ReceiveRequest LongPoll { get; } = new() { MaxNumberOfMessages = 1, WaitTime = TimeSpan.FromSeconds(20) };

    /// <summary>Where the waiting shapes' SubscribeToShard starts: the start of a fresh stream.</summary>
    public static StartingPosition FromStart { get; } = new(ShardIteratorType.TrimHorizon);

    /// <summary>Per lane, a standard queue.</summary>
    public IMessageQueue[] StandardQueues { get; }

    /// <summary>Per lane, the current FIFO queue (replaced by <see cref="NextFifoQueues"/> for each invocation).</summary>
    public IMessageQueue[] FifoQueues { get; }

    /// <summary>Per lane, a standard topic with one raw-delivery subscription: the queue of the same lane in <see cref="TopicQueues"/>.</summary>
    public ITopic[] Topics { get; }

    /// <summary>Per lane, the queue subscribed to the topic of the same lane.</summary>
    public IMessageQueue[] TopicQueues { get; }

    /// <summary>The standard queue's sends: the same request for every item.</summary>
    public SendMessageRequest[] Sends { get; }

    /// <summary>The FIFO sends: one message group, item i with deduplication id <c>dedup-i</c>.</summary>
    public SendMessageRequest[] FifoSends { get; }

    /// <summary>The topic's publish, the same request for every item.</summary>
    public PublishRequest Publish { get; }

    /// <summary>The stream's put, the same request for every item.</summary>
    public PutRecordRequest Put { get; }

    /// <summary>
    /// A fresh one-shard stream with <see cref="ConsumerName"/> registered, so retention never matters and the log of
    /// one invocation never slows the next; <see cref="DeleteStream"/> removes it.
    /// </summary>
    public IDataStream CreateStream()
    {
        var stream = broker.CreateStream($"shapes-{++streamNumber}", new StreamOptions { ShardCount = 1 });
        stream.RegisterConsumer(ConsumerName);
        return stream;
    }

    /// <summary>The id of a one-shard stream's only shard.</summary>
    public static string ShardId(IDataStream stream) => stream.ListShards()[0].ShardId;

    public void DeleteStream(IDataStream stream) => broker.DeleteStream(stream.Name, enforceConsumerDeletion: true);

    /// <summary>
    /// Fresh FIFO queues for one invocation (the previous invocation's are deleted): their deduplication history starts
    /// empty, so every invocation may send the same pre-built ids. Creating and deleting a queue costs microseconds
    /// against the milliseconds of an invocation, and keeps the FIFO method in the same job as the baseline (an iteration
    /// cleanup would give it a job of its own and no ratio).
    /// </summary>
    public IMessageQueue[] NextFifoQueues()
    {
        foreach (var queue in FifoQueues)
        {
            broker.DeleteQueue(queue.Name);
        }

        var generation = ++fifoGeneration;
        for (var lane = 0; lane < FifoQueues.Length; lane++)
        {
            FifoQueues[lane] = broker.CreateQueue($"shapes-{lane}-{generation}.fifo", new QueueOptions { FifoQueue = true });
        }

        return FifoQueues;
    }

    public void Dispose() => broker.Dispose();

    /// <summary>The result of a Broker call that must not wait (the try shape): throws when it did not complete synchronously.</summary>
    public static T Completed<T>(ValueTask<T> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException("A Broker call of the try shape did not complete synchronously.");

    /// <inheritdoc cref="Completed{T}(ValueTask{T})"/>
    public static void Completed(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("A Broker call of the try shape did not complete synchronously.");
        }

        pending.GetAwaiter().GetResult();
    }

    /// <summary>The one message a one-message receive must have returned.</summary>
    public static ReceivedMessage Single(IReadOnlyList<ReceivedMessage> received) =>
        received.Count == 1 ? received[0] : throw new InvalidOperationException($"A receive returned {received.Count} messages instead of 1.");

    /// <summary>The records of the event a subscription's MoveNextAsync returned <paramref name="moved"/> for; throws when the enumeration ended.</summary>
    public static IReadOnlyList<StreamRecord> EventRecords(bool moved, IAsyncEnumerator<SubscribeToShardEvent> events) =>
        moved ? events.Current.Records : throw new InvalidOperationException("The SubscribeToShard enumeration ended before every record was read.");

    /// <summary>Throws unless <paramref name="read"/> is <paramref name="expected"/>.</summary>
    public static void Check(int read, int expected)
    {
        if (read != expected)
        {
            throw new InvalidOperationException($"Read {read} items instead of {expected}.");
        }
    }

    /// <summary>Throws unless the queue holds no message, visible, in flight or delayed.</summary>
    public static void CheckEmpty(IMessageQueue queue)
    {
        var left = queue.GetAttributes();
        var count = left.ApproximateNumberOfMessages + left.ApproximateNumberOfMessagesNotVisible + left.ApproximateNumberOfMessagesDelayed;
        if (count != 0)
        {
            throw new InvalidOperationException($"Queue {queue.Name} still holds {count} messages.");
        }
    }

    /// <summary>Throws unless the last record read is the last record put: nothing was left in the shard.</summary>
    public static void CheckDrained(string? lastPut, string? lastRead)
    {
        if (lastPut is null || !string.Equals(lastPut, lastRead, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The last record read ({lastRead}) is not the last record put ({lastPut}).");
        }
    }
}
