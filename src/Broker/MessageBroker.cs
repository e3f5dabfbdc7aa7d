using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Broker.Internal;
using Broker.Queues;
using Broker.Queues.Internal;
using Broker.Streams.Internal;

namespace Broker;

/// <summary>
/// An in-process message broker with the semantics of Amazon SQS, SNS and Kinesis Data Streams. Create one
/// per application (or per test), optionally with a <see cref="TimeProvider"/> such as <c>FakeTimeProvider</c>: every
/// delay, visibility timeout and retention period is driven by it, so a test that advances a fake clock sees messages
/// reappear and expire deterministically.
/// </summary>
/// <remarks>
/// Creating and deleting queues, topics and streams takes a lock (a cold path), as do subscribing and resharding;
/// sending, receiving, deleting messages, changing their visibility, publishing, putting and getting records take none.
/// </remarks>
public sealed partial class MessageBroker : IDisposable
{
    private readonly ConcurrentDictionary<string, MessageQueue> queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> recentlyDeleted = new(StringComparer.Ordinal);
    private readonly Lock lifecycleLock = new();
    private readonly ulong tokenKey = BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    private bool disposed;

    /// <summary>A broker with AWS's defaults on the system clock.</summary>
    public MessageBroker()
        : this(new BrokerOptions(), TimeProvider.System)
    {
    }

    /// <summary>
    /// A broker with the given options on the given clock. With <see cref="BrokerOptions.Storage"/>, the broker first
    /// recovers what its journal holds (see <see cref="Recovery"/>).
    /// </summary>
    /// <param name="options">The broker's settings.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or its storage's directory is null.</exception>
    /// <exception cref="BrokerException">A <see cref="BrokerOptions.Storage"/> setting is out of range
    /// (<c>InvalidParameterValue</c>, naming it), or the journal is damaged in a way recovery must not skip
    /// (<c>InternalFailure</c>, naming the file and offset).</exception>
    public MessageBroker(BrokerOptions options, TimeProvider? timeProvider = null)
        : this(options, timeProvider, observer: null)
    {
    }

    /// <summary>A broker whose operations are reported to <paramref name="observer"/> (Broker.Testing's harness).</summary>
    /// <param name="options">The broker's settings.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="observer">Sees every send, receive, delete, dead-letter move, publish, delivery, filtering and put.</param>
    internal MessageBroker(BrokerOptions options, TimeProvider? timeProvider, IBrokerObserver? observer)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Storage?.Validate();
        Options = options;
        TimeProvider = timeProvider ?? TimeProvider.System;
        Metrics = new BrokerMetrics(options.MeterFactory, () => queues.Values);
        Observer = observer is null ? null : new BrokerObserverGuard(observer);
        if (options.Storage is { } storage)
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                Store = Durability.Internal.DurableStore.Open(storage, TimeProvider);
                Recovery = Restore(Store, started);
                LeaseStore = new Streams.Processing.InMemoryLeaseStore(Store, Store.RecoveredLeases);
                Store.ForgetRecoveredState();
            }
            catch
            {
                // A journal recovery refuses (or a directory another broker holds): release what was opened, so a
                // caller that fixes the directory can try again in the same process.
                DeleteAllStreams();
                foreach (var queue in queues.Values)
                {
                    queue.Dispose();
                }

                Store?.Dispose();
                Metrics.Dispose();
                throw;
            }
        }
        else
        {
            LeaseStore = new Streams.Processing.InMemoryLeaseStore();
        }
    }

    /// <summary>Rebuilds the queues, topics and streams a durable broker's journal holds, in creation order; returns what it did.</summary>
    private Durability.RecoveryReport Restore(Durability.Internal.DurableStore store, long started)
    {
        var messages = 0L;
        foreach (var recovered in store.RecoveredQueues)
        {
            // In creation order, without the checks of CreateQueue: the journal holds what those checks accepted.
            var queue = new MessageQueue(this, recovered.Name, QueueSettings.Create(recovered.Options, Options), recovered);
            queue.Restore(recovered);
            queues[recovered.Name] = queue;
            messages += queue.VisibleCount + queue.InFlightCount + queue.DelayedCount;
        }

        var subscriptions = 0;
        foreach (var recovered in store.RecoveredTopics)
        {
            var topic = new Topics.Internal.Topic(this, recovered.Name, recovered.Options);
            topics[recovered.Name] = topic;
            foreach (var (arn, (queueName, attributes)) in recovered.Subscriptions)
            {
                // A subscription whose queue is gone is not restored: it could deliver nothing (handler subscriptions
                // are code, not configuration, and are subscribed again by the application).
                if (FindQueue(queueName) is { } queue)
                {
                    topic.RestoreQueueSubscription(queue, arn, attributes);
                    subscriptions++;
                }
            }
        }

        var read = store.Recovery;
        var (records, segments, cutTail, streamRecords) = (read.Records, read.Segments, read.CutTail, 0L);
        foreach (var recovered in store.RecoveredStreams)
        {
            var journal = store.OpenStreamJournal(recovered.StreamId, out var log);
            var stream = new DataStream(recovered, log, Options, TimeProvider, Metrics, Observer);
            stream.AttachJournal(store, journal);
            streams[recovered.Name] = stream;
            streamRecords += stream.RestoredRecords;
            records += log.Journal.Records;
            segments += log.Journal.Segments;
            cutTail = cutTail is null ? log.Journal.CutTail : log.Journal.CutTail is null ? cutTail : cutTail + "; " + log.Journal.CutTail;
        }

        streamIds = store.HighestStreamId;
        return new Durability.RecoveryReport
        {
            Duration = Stopwatch.GetElapsedTime(started),
            Segments = segments,
            Records = records,
            CutTail = cutTail,
            Queues = store.RecoveredQueues.Count,
            Messages = messages,
            Topics = store.RecoveredTopics.Count,
            Subscriptions = subscriptions,
            Streams = store.RecoveredStreams.Count,
            StreamRecords = streamRecords,
        };
    }

    /// <summary>The journal of a durable broker; null for the in-memory default.</summary>
    internal Durability.Internal.DurableStore? Store { get; }

    /// <summary>
    /// What a durable broker (<see cref="BrokerOptions.Storage"/>) recovered from its journal when it was created: how
    /// many queues, messages, topics, subscriptions and streams, from how many records, in how long, and whether a torn
    /// tail was cut. <see langword="null"/> for an in-memory broker.
    /// </summary>
    public Durability.RecoveryReport? Recovery { get; }

    /// <summary>The broker's settings.</summary>
    public BrokerOptions Options { get; }

    /// <summary>The clock every deadline of this broker is measured with.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>This broker's instruments (meter <c>Broker</c>, created through <see cref="BrokerOptions.MeterFactory"/>).</summary>
    internal BrokerMetrics Metrics { get; }

    /// <summary>The observer given at construction, guarded; null (the usual case) when there is none.</summary>
    internal BrokerObserverGuard? Observer { get; }

    /// <summary>The live queues, for the harness's idle check (a snapshot, lock-free).</summary>
    internal IEnumerable<MessageQueue> LiveQueues => queues.Values;

    /// <summary>The live topics, for the harness's idle check (a snapshot, lock-free).</summary>
    internal IEnumerable<Topics.Internal.Topic> LiveTopics => topics.Values;

    /// <summary>Creates a standard queue with SQS's defaults, or returns the existing one when its settings are the defaults.</summary>
    /// <param name="name">1 to 80 letters, digits, '-' and '_'; case-sensitive.</param>
    /// <returns>The queue.</returns>
    /// <exception cref="BrokerException">As <see cref="CreateQueue(string, QueueOptions)"/>.</exception>
    public IMessageQueue CreateQueue(string name) => CreateQueue(name, new QueueOptions());

    /// <summary>
    /// Creates a standard queue, or returns the existing one when every setting matches (SQS: CreateQueue is idempotent).
    /// </summary>
    /// <param name="name">1 to 80 letters, digits, '-' and '_'; case-sensitive.</param>
    /// <param name="options">The settings.</param>
    /// <returns>The queue.</returns>
    /// <exception cref="BrokerException">The name is invalid (<c>InvalidParameterValue</c>), a setting is out of range
    /// (<c>InvalidAttributeValue</c>), a queue of that name exists with other settings (<c>QueueAlreadyExists</c>, naming
    /// the first that differs), or one was deleted within <see cref="BrokerOptions.QueueDeletionCooldown"/> (<c>QueueDeletedRecently</c>).</exception>
    public IMessageQueue CreateQueue(string name, QueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateName(name, options.FifoQueue);
        var settings = QueueSettings.Create(options, Options);
        lock (lifecycleLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (queues.TryGetValue(name, out var existing))
            {
                if (QueueSettings.FirstDifference(existing.Settings.Options, settings.Options) is { } attribute)
                {
                    throw new BrokerException(
                        BrokerErrorCodes.QueueAlreadyExists,
                        $"A queue already exists with the same name and a different value for attribute {attribute}. Use GetQueue, or create it with the same settings.");
                }

                return existing;
            }

            var now = TimeProvider.GetUtcNow().UtcTicks;
            if (recentlyDeleted.TryGetValue(name, out var deletedAt))
            {
                if (now - deletedAt < Options.QueueDeletionCooldown.Ticks)
                {
                    throw new BrokerException(
                        BrokerErrorCodes.QueueDeletedRecently,
                        $"You must wait {(long)Options.QueueDeletionCooldown.TotalSeconds} seconds after deleting a queue before you can create another with the same name ('{name}'). Set BrokerOptions.QueueDeletionCooldown to change this.");
                }

                recentlyDeleted.Remove(name);
            }

            CheckRedrive(name, settings);
            var queue = new MessageQueue(this, name, settings);
            queue.Store?.QueueCreated(queue); // durable: waits for its record under the lifecycle lock (a cold path)
            queues[name] = queue;
            return queue;
        }
    }

    /// <summary>Creates a standard queue from SQS attribute names and values (for example <c>VisibilityTimeout</c> = <c>"60"</c>).</summary>
    /// <param name="name">1 to 80 letters, digits, '-' and '_'.</param>
    /// <param name="attributes">Attributes by their SQS names; the others take SQS's defaults.</param>
    /// <returns>The queue.</returns>
    /// <exception cref="BrokerException">As <see cref="CreateQueue(string, QueueOptions)"/>, and <c>InvalidAttributeName</c> for an unknown or FIFO-only attribute.</exception>
    public IMessageQueue CreateQueue(string name, IReadOnlyDictionary<string, string> attributes)
    {
        ArgumentNullException.ThrowIfNull(name);
        return CreateQueue(name, QueueSettings.Apply(new QueueOptions(), attributes, creating: true));
    }

    /// <summary>The queue of that name.</summary>
    /// <param name="name">The queue's name.</param>
    /// <returns>The queue.</returns>
    /// <exception cref="BrokerException">No such queue (<c>QueueDoesNotExist</c>).</exception>
    public IMessageQueue GetQueue(string name) =>
        TryGetQueue(name, out var queue) ? queue : throw MessageQueue.QueueDoesNotExist(name);

    /// <summary>The queue of that name, if there is one.</summary>
    /// <param name="name">The queue's name.</param>
    /// <param name="queue">The queue, when found.</param>
    /// <returns>Whether the queue exists.</returns>
    public bool TryGetQueue(string name, [NotNullWhen(true)] out IMessageQueue? queue)
    {
        ArgumentNullException.ThrowIfNull(name);
        var found = queues.TryGetValue(name, out var messageQueue);
        queue = messageQueue;
        return found;
    }

    /// <summary>A page of queue names in ordinal order, optionally those with a prefix (SQS: ListQueues).</summary>
    /// <param name="request">Prefix and paging; <see langword="null"/> for the first 1,000 of every queue.</param>
    /// <returns>The names and the token for the next page.</returns>
    /// <exception cref="BrokerException"><c>MaxResults</c> is outside 1 to 1,000 or the token is not one this broker issued (<c>InvalidParameterValue</c>).</exception>
    public ListQueuesResult ListQueues(ListQueuesRequest? request = null)
    {
        request ??= new ListQueuesRequest();
        var prefix = request.QueueNamePrefix ?? string.Empty;
        return Page(queues.Keys.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)), request.MaxResults, request.NextToken);
    }

    private ListQueuesResult Page(IEnumerable<string> candidates, int maxResults, string? nextToken)
    {
        if (maxResults is < 1 or > QueueDefaults.MaxListQueuesResults)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Value {maxResults} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.");
        }

        var after = nextToken is null ? null : DecodeToken(nextToken);
        var names = candidates
            .Where(n => after is null || string.CompareOrdinal(n, after) > 0)
            .Order(StringComparer.Ordinal)
            .Take(maxResults + 1)
            .ToList();
        string? next = null;
        if (names.Count > maxResults)
        {
            names.RemoveAt(names.Count - 1);
            next = EncodeToken(names[^1]);
        }

        return new ListQueuesResult(names, next);
    }

    /// <summary>
    /// Deletes a queue and every message in it (SQS: DeleteQueue). Calls on the deleted queue fail with
    /// <c>QueueDoesNotExist</c>, long polls waiting on it end with that error, and the name cannot be reused for
    /// <see cref="BrokerOptions.QueueDeletionCooldown"/>.
    /// </summary>
    /// <param name="name">The queue's name.</param>
    /// <exception cref="BrokerException">No such queue (<c>QueueDoesNotExist</c>).</exception>
    public void DeleteQueue(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (lifecycleLock)
        {
            if (!queues.TryRemove(name, out var queue))
            {
                throw MessageQueue.QueueDoesNotExist(name);
            }

            recentlyDeleted[name] = TimeProvider.GetUtcNow().UtcTicks;
            queue.Store?.QueueDeleted(name); // durable: waits for its record under the lifecycle lock (a cold path)
            queue.Dispose();
        }
    }

    /// <summary>
    /// Deletes every queue, topic and stream; calls on them fail afterwards and waiting receivers are released. Disposes
    /// the broker's meter when the broker created it (no <see cref="BrokerOptions.MeterFactory"/>).
    /// </summary>
    public void Dispose()
    {
        List<Topics.Internal.Subscription> removedSubscriptions;
        lock (lifecycleLock)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            DisposeMoveTasks();
            removedSubscriptions = DeleteAllTopics();
            DeleteAllStreams();
            foreach (var queue in queues.Values)
            {
                queue.Dispose();
            }

            queues.Clear();
        }

        // Handler tokens are cancelled outside the lock: cancellation runs the handlers' callbacks.
        Topics.Internal.Topic.CancelLifetimes(removedSubscriptions);
        Store?.Dispose(); // writes and flushes what is queued: the journal keeps every queue for the next start
        Metrics.Dispose();
    }

    /// <summary>
    /// The queues whose redrive policy names <paramref name="queueName"/> as their dead-letter queue, in ordinal order
    /// (SQS: ListDeadLetterSourceQueues).
    /// </summary>
    /// <param name="queueName">The dead-letter queue.</param>
    /// <param name="maxResults">The most names to return, 1 to 1,000.</param>
    /// <param name="nextToken">The <see cref="ListQueuesResult.NextToken"/> of the previous page, or <see langword="null"/>.</param>
    /// <returns>The names and the token for the next page.</returns>
    /// <exception cref="BrokerException">The queue does not exist (<c>QueueDoesNotExist</c>), or a paging argument is invalid (<c>InvalidParameterValue</c>).</exception>
    public ListQueuesResult ListDeadLetterSourceQueues(string queueName, int maxResults = 1000, string? nextToken = null)
    {
        GetQueue(queueName);
        var sources = queues.Values.Where(q => q.Settings.DeadLetterQueueName == queueName).Select(q => q.Name);
        return Page(sources, maxResults, nextToken);
    }

    /// <summary>Under the lifecycle lock: a new or changed redrive policy must name an existing queue that allows this one.</summary>
    private void CheckRedrive(string sourceName, QueueSettings settings)
    {
        if (settings.Options.RedrivePolicy is not { } redrive)
        {
            return;
        }

        var targetName = settings.DeadLetterQueueName!;
        if (targetName == sourceName)
        {
            throw RedriveSettings.InvalidRedrive(redrive, "A queue cannot be its own dead-letter queue.");
        }

        if (!queues.TryGetValue(targetName, out var target))
        {
            throw RedriveSettings.InvalidRedrive(redrive, "Dead letter target does not exist. Create the dead-letter queue first.");
        }

        if (target.IsFifo != settings.Options.FifoQueue)
        {
            throw RedriveSettings.InvalidRedrive(redrive, "The dead-letter queue must be of the same type as the source queue: FIFO for a FIFO queue, standard for a standard queue.");
        }

        var allow = target.Settings.Options.RedriveAllowPolicy;
        var allowed = allow.RedrivePermission switch
        {
            RedrivePermission.DenyAll => false,
            RedrivePermission.ByQueue => allow.SourceQueueArns.Any(a => RedriveSettings.ResolveName(a, Options) == sourceName),
            _ => true,
        };
        if (!allowed)
        {
            throw RedriveSettings.InvalidRedrive(
                redrive,
                $"The RedriveAllowPolicy of {target.Arn} does not allow queue '{sourceName}' to use it as a dead-letter queue.");
        }
    }

    /// <summary>Replaces a queue's settings after checking its redrive policy against the other queues (cold path, under the lock).</summary>
    internal void ReplaceSettings(MessageQueue queue, QueueSettings settings)
    {
        lock (lifecycleLock)
        {
            CheckRedrive(queue.Name, settings);
            queue.ReplaceSettings(settings);
            queue.Store?.QueueOptionsChanged(queue, settings.Options, TimeProvider.GetUtcNow().UtcTicks); // cold path, as above
        }
    }

    /// <summary>The live queue of that name, for a dead-letter move (a lock-free read).</summary>
    internal MessageQueue? FindQueue(string name) => queues.TryGetValue(name, out var queue) ? queue : null;

    private static void ValidateName(string name, bool fifo)
    {
        ArgumentNullException.ThrowIfNull(name);
        const string Suffix = ".fifo";
        var hasSuffix = name.EndsWith(Suffix, StringComparison.Ordinal);
        var baseName = hasSuffix ? name[..^Suffix.Length] : name;
        if (fifo && (!hasSuffix || baseName.Length == 0 || name.Length > QueueDefaults.MaxQueueNameLength || !MessageValidation.IsValidQueueName(baseName)))
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Invalid queue name '{name}'. The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.");
        }

        if (!fifo && !MessageValidation.IsValidQueueName(name))
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Invalid queue name '{name}'. Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length. Only FIFO queues (FifoQueue = true) end in .fifo.");
        }
    }

    /// <summary>A page token: the last name returned and a tag keyed by this broker, so a token it did not issue is refused.</summary>
    private string EncodeToken(string lastName)
    {
        var name = Encoding.UTF8.GetBytes(lastName);
        var bytes = new byte[name.Length + 8];
        name.CopyTo(bytes, 0);
        BitConverter.TryWriteBytes(bytes.AsSpan(name.Length), TokenTag(name));
        return System.Buffers.Text.Base64Url.EncodeToString(bytes);
    }

    private string DecodeToken(string token)
    {
        var bytes = new byte[System.Buffers.Text.Base64Url.GetMaxDecodedLength(token.Length)];
        if (System.Buffers.Text.Base64Url.DecodeFromChars(token, bytes, out var consumed, out var written) == System.Buffers.OperationStatus.Done
            && consumed == token.Length && written >= 8
            && BitConverter.ToUInt64(bytes, written - 8) == TokenTag(bytes.AsSpan(0, written - 8)))
        {
            return Encoding.UTF8.GetString(bytes, 0, written - 8);
        }

        throw new BrokerException(BrokerErrorCodes.InvalidParameterValue, $"Invalid NextToken value '{token}'. Pass the NextToken of a previous ListQueues result of this broker.");
    }

    private ulong TokenTag(ReadOnlySpan<byte> name)
    {
        var tag = tokenKey;
        foreach (var b in name)
        {
            tag = ReceiptHandleCodec.Mix(tag ^ b);
        }

        return tag;
    }
}
