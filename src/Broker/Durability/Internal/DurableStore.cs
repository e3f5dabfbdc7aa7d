using System.Diagnostics;
using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Durability.Internal;

/// <summary>
/// A durable broker's journal: recovers the directory when the broker starts, then records every change the broker
/// must not lose. Calls are made at the point of the change, in the order the changes happen, on the caller's thread;
/// the returned task completes when the record is as durable as the policy promises.
/// </summary>
internal sealed class DurableStore : IDisposable
{
    private readonly JournalWriter writer;
    private readonly string directory;
    private readonly TimeProvider time;
    /// <summary>The directory's lock file, held open (unshared) while this store owns the directory.</summary>
    private FileStream? directoryLock;

    /// <summary>The settings of the streams' own journals: the main journal's, without compaction.</summary>
    private readonly JournalWriterOptions streamWriterTemplate;

    /// <summary>The compaction under way, or the last one; replaced only by compare-and-swap (the writer loop starts them).</summary>
    private Task compaction = Task.CompletedTask;

    private DurableStore(DurableStorage options, TimeProvider time, IReadOnlyList<RecoveredQueue> queues, JournalRecovery recovery, TimeSpan recoveryTime)
    {
        directory = options.Directory;
        this.time = time;
        RecoveredQueues = queues;
        Recovery = recovery;
        RecoveryTime = recoveryTime;
        var writerOptions = new JournalWriterOptions
        {
            Directory = options.Directory,
            FlushPolicy = options.Policy,
            FlushInterval = options.FlushInterval,
            SegmentSize = options.SegmentSize,
            CompactAfterBytes = options.CompactAfterBytes,
            CompactionNeeded = () => _ = StartCompaction(),
            TimeProvider = time,
        };
        if (options.CreateSegment is { } create)
        {
            writerOptions = writerOptions with { CreateSegment = create };
        }

        writer = JournalWriter.Start(writerOptions, recovery.LastSegmentId + 1);
        streamWriterTemplate = writerOptions with { CompactionNeeded = null };
    }

    /// <summary>Compactions that finished since the broker started.</summary>
    public int Compactions { get; private set; }

    /// <summary>Why the last compaction failed, if it did (it is tried again after as many bytes more); null otherwise.</summary>
    public Exception? CompactionError { get; private set; }

    /// <summary>The queues the journal held at start-up, in creation order.</summary>
    public IReadOnlyList<RecoveredQueue> RecoveredQueues { get; private set; }

    /// <summary>The topics and queue subscriptions the journal held at start-up, in creation order.</summary>
    public IReadOnlyList<RecoveredTopic> RecoveredTopics { get; private set; } = [];

    /// <summary>The durable streams the journal held at start-up, in creation order (their records are in their own journals).</summary>
    public IReadOnlyList<RecoveredStream> RecoveredStreams { get; private set; } = [];

    /// <summary>The lease tables the journal held at start-up, by application name.</summary>
    public IReadOnlyDictionary<string, SortedDictionary<string, Streams.Processing.Lease>> RecoveredLeases { get; private set; }
        = new Dictionary<string, SortedDictionary<string, Streams.Processing.Lease>>();

    /// <summary>The highest stream id the journal names: the broker numbers new streams after it.</summary>
    public int HighestStreamId { get; private init; }

    /// <summary>What recovery read.</summary>
    public JournalRecovery Recovery { get; }

    /// <summary>How long recovery took (real time, whatever the broker's clock).</summary>
    public TimeSpan RecoveryTime { get; }

    /// <summary>Reads the journal in <paramref name="options"/>'s directory back and opens it for writing after what it holds.</summary>
    public static DurableStore Open(DurableStorage options, TimeProvider time)
    {
        System.IO.Directory.CreateDirectory(options.Directory);
        var directoryLock = Lock(options.Directory);
        try
        {
            return Open(options, time, directoryLock);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes the directory's lock file for the broker's lifetime: a second broker on the same directory, in this process or
    /// another, would cut the tail the first is writing. The operating system releases it when the process dies, even by
    /// SIGKILL, so a crash never leaves the directory locked.
    /// </summary>
    private static FileStream Lock(string directory)
    {
        var path = Path.Combine(directory, LockFileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        }
        catch (IOException error)
        {
            throw new BrokerException(BrokerErrorCodes.InvalidParameterValue,
                $"The journal directory '{directory}' is in use by another broker (it holds {path}). A directory belongs to one broker at a time: dispose the other broker first, or give this one a directory of its own.",
                error);
        }
    }

    /// <summary>The file a broker holds locked while it owns its journal directory.</summary>
    public const string LockFileName = "broker.lock";

    private static DurableStore Open(DurableStorage options, TimeProvider time, FileStream directoryLock)
    {
        JournalCompactor.DeleteLeftovers(options.Directory);
        var started = Stopwatch.GetTimestamp();
        var replay = new BrokerReplay();
        var recovery = JournalReader.Recover(options.Directory, (type, payload, _) => replay.Apply(type, payload));
        var elapsed = Stopwatch.GetElapsedTime(started);

        // Measured before the writer opens its first segment, whose reserved length is not history.
        var journalBytes = SegmentFiles.List(options.Directory).Sum(s => new FileInfo(s.Path).Length);
        var store = new DurableStore(options, time, replay.Queues.Queues, recovery, elapsed)
        {
            directoryLock = directoryLock,
            RecoveredTopics = replay.Topics.Topics,
            RecoveredStreams = replay.Streams.Streams,
            RecoveredLeases = replay.Streams.Leases,
            HighestStreamId = replay.Streams.HighestStreamId,
        };
        store.DeleteStreamJournalsOfNoStream();
        if (recovery.Segments > 1 && journalBytes >= options.CompactAfterBytes)
        {
            store.StartCompaction(); // history from before this start: compact it now, in the background
        }

        return store;
    }

    /// <summary>Compacts the sealed part of the journal now (tests; the writer starts it by itself as the journal grows).</summary>
    public Task CompactAsync() => StartCompaction();

    /// <summary>Drops the recovered state once the broker has rebuilt its queues from it.</summary>
    public void ForgetRecoveredState()
    {
        RecoveredQueues = [];
        RecoveredTopics = [];
        RecoveredStreams = [];
        RecoveredLeases = new Dictionary<string, SortedDictionary<string, Streams.Processing.Lease>>();
    }

    /// <summary>Reads a durable stream's own journal back, to rebuild the stream from it (start-up).</summary>
    public StreamJournal OpenStreamJournal(int streamId, out StreamLogRecovery recovered) =>
        StreamJournal.Open(StreamJournal.DirectoryOf(directory, streamId), out recovered);

    /// <summary>A new durable stream's journal: an empty directory (whatever an earlier stream of that id left is deleted).</summary>
    public StreamJournal CreateStreamJournal(int streamId)
    {
        var path = StreamJournal.DirectoryOf(directory, streamId);
        if (System.IO.Directory.Exists(path))
        {
            System.IO.Directory.Delete(path, recursive: true);
        }

        return StreamJournal.Open(path, out _);
    }

    /// <summary>Starts a stream journal's writer with the broker's policy; <paramref name="rolled"/> runs when a segment fills.</summary>
    public void StartStreamJournal(StreamJournal journal, Action rolled) => journal.Start(streamWriterTemplate, rolled);

    /// <summary>Deletes stream journals the main journal names no stream for (a crash between a stream's deletion and its files').</summary>
    private void DeleteStreamJournalsOfNoStream()
    {
        var root = Path.Combine(directory, "streams");
        if (!System.IO.Directory.Exists(root))
        {
            return;
        }

        var live = RecoveredStreams.Select(s => StreamJournal.DirectoryOf(directory, s.StreamId)).ToHashSet(StringComparer.Ordinal);
        foreach (var path in System.IO.Directory.EnumerateDirectories(root))
        {
            if (!live.Contains(path))
            {
                System.IO.Directory.Delete(path, recursive: true);
            }
        }
    }

    public void StreamCreated(Streams.Internal.DataStream stream, Streams.StreamOptions options) =>
        WriteAndWait((byte)StreamRecordType.StreamCreated,
            (ref PayloadWriter w) => StreamReplay.WriteStreamCreated(ref w, stream.Name, stream.StreamId, stream.IteratorKey, stream.CreatedAtMs, options));

    public void StreamDeleted(string name) =>
        WriteAndWait((byte)StreamRecordType.StreamDeleted, (ref PayloadWriter w) => StreamReplay.WriteStreamDeleted(ref w, name));

    public void ShardsChanged(string name, IReadOnlyList<ShardState?> shards, IReadOnlyCollection<long> scalingTimes) =>
        WriteAndWait((byte)StreamRecordType.ShardsChanged, (ref PayloadWriter w) => StreamReplay.WriteShardsChanged(ref w, name, shards, scalingTimes));

    public void StreamSettingsChanged(string name, long retentionMs, int maxRecordBytes, long expiredUpToMs) =>
        WriteAndWait((byte)StreamRecordType.SettingsChanged,
            (ref PayloadWriter w) => StreamReplay.WriteSettingsChanged(ref w, name, retentionMs, maxRecordBytes, expiredUpToMs));

    public void ConsumerRegistered(string name, Streams.StreamConsumer consumer) =>
        WriteAndWait((byte)StreamRecordType.ConsumerRegistered,
            (ref PayloadWriter w) => StreamReplay.WriteConsumerRegistered(ref w, name, consumer.ConsumerName, consumer.ConsumerArn, consumer.CreatedAt.ToUnixTimeMilliseconds()));

    public void ConsumerDeregistered(string name, string consumer) =>
        WriteAndWait((byte)StreamRecordType.ConsumerDeregistered, (ref PayloadWriter w) => StreamReplay.WriteConsumerDeregistered(ref w, name, consumer));

    /// <summary>A lease row changed; appended now (in the order of the changes), durable when the task completes.</summary>
    public ValueTask LeaseSaved(string application, Streams.Processing.Lease lease) =>
        Append((byte)StreamRecordType.LeaseSaved, (ref PayloadWriter w) => StreamReplay.WriteLeaseSaved(ref w, application, lease));

    /// <summary>A lease row was deleted; as <see cref="LeaseSaved"/>.</summary>
    public ValueTask LeaseDeleted(string application, string leaseKey) =>
        Append((byte)StreamRecordType.LeaseDeleted, (ref PayloadWriter w) => StreamReplay.WriteLeaseDeleted(ref w, application, leaseKey));

    /// <summary>Appends a record of a cold path that waits outside its lock (a lease change); durable when the task completes.</summary>
    private ValueTask Append(byte type, PayloadAction write)
    {
        var payload = JournalWriter.StartRecord(128);
        write(ref payload);
        return writer.AppendAsync(type, ref payload);
    }

    public void TopicCreated(string topic, Topics.TopicOptions options) =>
        WriteAndWait((byte)TopicRecordType.TopicCreated, (ref PayloadWriter w) => TopicReplay.WriteTopicCreated(ref w, topic, options));

    public void TopicDeleted(string topic) =>
        WriteAndWait((byte)TopicRecordType.TopicDeleted, (ref PayloadWriter w) => TopicReplay.WriteTopicDeleted(ref w, topic));

    /// <summary>A queue subscription was made or changed: its settable attributes as they now are.</summary>
    public void SubscriptionSaved(string topic, string arn, string queue, IReadOnlyCollection<KeyValuePair<string, string>> attributes) =>
        WriteAndWait((byte)TopicRecordType.SubscriptionSaved, (ref PayloadWriter w) => TopicReplay.WriteSubscriptionSaved(ref w, topic, arn, queue, attributes));

    public void SubscriptionDeleted(string topic, string arn) =>
        WriteAndWait((byte)TopicRecordType.SubscriptionDeleted, (ref PayloadWriter w) => TopicReplay.WriteSubscriptionDeleted(ref w, topic, arn));

    public void QueueCreated(MessageQueue queue) =>
        WriteAndWait((byte)QueueRecordType.QueueCreated,
            (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, queue.Name, queue.CreatedAt, queue.IdPrefix, queue.HandleKey, queue.Settings.Options));

    public void QueueOptionsChanged(MessageQueue queue, QueueOptions options, long changedAt) =>
        WriteAndWait((byte)QueueRecordType.QueueOptionsChanged, (ref PayloadWriter w) => QueueRecords.WriteQueueOptionsChanged(ref w, queue.Name, changedAt, options));

    public void QueueDeleted(string name) =>
        WriteAndWait((byte)QueueRecordType.QueueDeleted, (ref PayloadWriter w) => QueueRecords.WriteQueueDeleted(ref w, name));

    /// <summary>
    /// Cold paths (creating, changing and deleting queues, topics and subscriptions) write their record and wait for it:
    /// they are rare, and the broker's lifecycle lock already serializes them. The lambda's closure is fine here; the
    /// per-message records are written without one.
    /// </summary>
    private void WriteAndWait(byte type, PayloadAction write) => Wait(Append(type, write));

    /// <summary>
    /// A message entered <paramref name="queue"/>. Called before it can be received, so no receive record can precede it.
    /// </summary>
    public ValueTask MessageSent(MessageQueue queue, QueueMessage message, long availableAt, bool counted, int receiveCount, long firstReceiveAt)
    {
        var payload = EncodeMessageSent(queue, message, availableAt, counted, receiveCount, firstReceiveAt);
        return writer.AppendAsync((byte)QueueRecordType.MessageSent, ref payload);
    }

    /// <summary>As <see cref="MessageSent"/>, for a message nobody waits for (a dead-letter move, a move task).</summary>
    public void MessageArrived(MessageQueue queue, QueueMessage message, long availableAt, bool counted, int receiveCount, long firstReceiveAt)
    {
        var payload = EncodeMessageSent(queue, message, availableAt, counted, receiveCount, firstReceiveAt);
        writer.Append((byte)QueueRecordType.MessageSent, ref payload);
    }

    private static PayloadWriter EncodeMessageSent(MessageQueue queue, QueueMessage message, long availableAt, bool counted, int receiveCount, long firstReceiveAt)
    {
        var extras = message.Extras;
        var sent = new SentMessage
        {
            Sequence = message.Sequence,
            SentAt = message.SentAt,
            AvailableAt = availableAt,
            Counted = counted,
            ReceiveCount = receiveCount,
            FirstReceiveAt = firstReceiveAt,
            Body = message.Body,
            Attributes = extras?.AttributeArray() ?? [],
            AttributesSize = extras?.AttributesSize ?? 0,
            MessageGroupId = extras?.MessageGroupId,
            DeduplicationId = extras?.DeduplicationId,
            OriginalMessageId = extras?.OriginalMessageId,
            DeadLetterSourceArn = extras?.DeadLetterSourceArn,
            DeadLetterFirstReceiveAt = extras?.FirstReceiveAt ?? 0,
            DeadLetteredAt = extras?.DeadLetteredAt ?? 0,
            DeadLetteredReceiveCount = extras?.DeadLetteredReceiveCount ?? 0,
            GroupSequenceNumber = extras?.SequenceNumber ?? 0,
            DeduplicationKey = extras?.DeduplicationKey,
            DeduplicationExpiresAt = extras?.DeduplicationExpiresAt ?? 0,
        };
        var payload = JournalWriter.StartRecord(message.Body.Length + 64);
        QueueRecords.WriteMessageSent(ref payload, queue.Utf8Name, in sent);
        return payload;
    }

    /// <summary>FIFO: a purge cleared the deduplication history (recorded after the purge's deletes, so it covers them).</summary>
    public ValueTask DeduplicationCleared(MessageQueue queue)
    {
        var payload = JournalWriter.StartRecord(64);
        QueueRecords.WriteDeduplicationCleared(ref payload, queue.Name);
        return writer.AppendAsync((byte)QueueRecordType.DeduplicationCleared, ref payload);
    }

    /// <summary>Messages were received; nobody waits for this record.</summary>
    public void MessagesReceived(MessageQueue queue, ReadOnlySpan<ReceivedMessage> received, long visibleAgainAt)
    {
        // At most 10 messages a receive (SQS's limit): the states live on the stack.
        Span<ReceiveState> states = received.Length <= 16 ? stackalloc ReceiveState[received.Length] : new ReceiveState[received.Length];
        for (var i = 0; i < received.Length; i++)
        {
            var message = received[i];
            states[i] = new ReceiveState(message.Message.Sequence, message.ApproximateReceiveCount, message.FirstReceiveAtTicks, visibleAgainAt);
        }

        var payload = JournalWriter.StartRecord(32 + (states.Length * 24));
        QueueRecords.WriteMessagesReceived(ref payload, queue.Utf8Name, states);
        writer.Append((byte)QueueRecordType.MessagesReceived, ref payload);
    }

    public ValueTask VisibilityChanged(MessageQueue queue, long sequence, int receiveCount, long visibleAgainAt)
    {
        var payload = JournalWriter.StartRecord(64);
        QueueRecords.WriteVisibilityChanged(ref payload, queue.Utf8Name, sequence, receiveCount, visibleAgainAt);
        return writer.AppendAsync((byte)QueueRecordType.VisibilityChanged, ref payload);
    }

    /// <summary>Messages left <paramref name="queue"/> (deleted, purged); completes when the record is durable.</summary>
    public ValueTask MessagesDeleted(MessageQueue queue, ReadOnlySpan<long> sequences)
    {
        var payload = EncodeMessagesDeleted(queue, sequences);
        return writer.AppendAsync((byte)QueueRecordType.MessagesDeleted, ref payload);
    }

    /// <summary>A message left <paramref name="queue"/> for another (a dead-letter move, a move task); nobody waits.</summary>
    public void MessageMovedOut(MessageQueue queue, long sequence) => MessagesRemoved(queue, new ReadOnlySpan<long>(in sequence));

    /// <summary>Messages left <paramref name="queue"/>, recorded ahead of an awaited record that covers them (a long purge), or moved out.</summary>
    public void MessagesRemoved(MessageQueue queue, ReadOnlySpan<long> sequences)
    {
        var payload = EncodeMessagesDeleted(queue, sequences);
        writer.Append((byte)QueueRecordType.MessagesDeleted, ref payload);
    }

    private static PayloadWriter EncodeMessagesDeleted(MessageQueue queue, ReadOnlySpan<long> sequences)
    {
        var payload = JournalWriter.StartRecord(32 + (sequences.Length * 5));
        QueueRecords.WriteMessagesDeleted(ref payload, queue.Utf8Name, sequences);
        return payload;
    }

    /// <summary>Waits for a compaction under way, then writes what is queued, flushes it and closes the journal.</summary>
    public void Dispose()
    {
        try
        {
            Volatile.Read(ref compaction).GetAwaiter().GetResult();
            Wait(writer.DisposeAsync());
        }
        finally
        {
            directoryLock?.Dispose(); // last: the directory is another broker's to take only once everything is written
        }
    }

    /// <summary>Starts a compaction on the thread pool unless one is under way; returns the one that runs.</summary>
    private Task StartCompaction()
    {
        while (true)
        {
            var current = Volatile.Read(ref compaction);
            if (!current.IsCompleted)
            {
                return current;
            }

            var start = new Task<Task>(CompactInBackgroundAsync);
            var started = start.Unwrap();
            if (Interlocked.CompareExchange(ref compaction, started, current) == current)
            {
                start.Start(TaskScheduler.Default);
                return started;
            }
        }
    }

    private async Task CompactInBackgroundAsync()
    {
        var liveBytes = 0L;
        try
        {
            var active = await writer.SealAsync().ConfigureAwait(false);
            liveBytes = JournalCompactor.Compact(directory, active, time.GetUtcNow().UtcTicks);
            CompactionError = null;
            Compactions++;
        }
#pragma warning disable CA1031 // a failed compaction changes nothing on disk; it is reported and tried again later
        catch (Exception error)
#pragma warning restore CA1031
        {
            CompactionError = error;
        }
        finally
        {
            writer.CompactionDone(liveBytes);
        }
    }

    /// <summary>Cold paths (create, delete, settings) wait for their record: they are rare and already take a lock.</summary>
    private static void Wait(ValueTask append)
    {
        if (!append.IsCompletedSuccessfully)
        {
            append.AsTask().GetAwaiter().GetResult();
        }
    }
}
