using System.Text;
using Broker.Queues;

namespace Broker.Durability.Internal;

/// <summary>A queue as the journal's records leave it: its identity, settings and live messages.</summary>
internal sealed class RecoveredQueue(string name, long createdAt, ulong idPrefix, ulong handleKey, QueueOptions options, long creationOrder)
{
    public string Name { get; } = name;

    public long CreatedAt { get; } = createdAt;

    /// <summary>The keys message ids and receipt handles derive from: the same ids come back after a restart.</summary>
    public ulong IdPrefix { get; } = idPrefix;

    public ulong HandleKey { get; } = handleKey;

    public QueueOptions Options { get; set; } = options;

    public long LastModifiedAt { get; set; } = createdAt;

    /// <summary>Queues are restored in the order they were created, so a dead-letter queue exists before the queues naming it.</summary>
    public long CreationOrder { get; } = creationOrder;

    /// <summary>The highest sequence any message of the queue had, live or not: new messages continue above it.</summary>
    public long HighestSequence { get; set; }

    /// <summary>FIFO: the highest group sequence number any message had: the numbering of every group continues above it.</summary>
    public long HighestGroupSequence { get; set; }

    /// <summary>
    /// Live messages by sequence, in no order (a hash table: a replay adds and removes one entry per send and delete of
    /// the whole history); <see cref="MessagesInOrder"/> sorts them.
    /// </summary>
    public Dictionary<long, RecoveredMessage> Messages { get; } = [];

    /// <summary>
    /// FIFO: the deduplication records of messages already deleted, by key, which still catch a resent duplicate
    /// until they lapse (their bodies are not kept).
    /// </summary>
    public Dictionary<string, SentMessage> DeletedDeduplication { get; } = new(StringComparer.Ordinal);

    /// <summary>Deletes whose message's send record comes later in the journal (a FIFO send is recorded after it is published).</summary>
    internal HashSet<long> DeletedBeforeSent { get; } = [];

    /// <summary>Receives whose message's send record comes later in the journal.</summary>
    internal Dictionary<long, ReceiveState> ReceivedBeforeSent { get; } = [];

    /// <summary>The live messages in sequence order, which is send order.</summary>
    public RecoveredMessage[] MessagesInOrder()
    {
        var ordered = Messages.Values.ToArray();
        Array.Sort(ordered, static (a, b) => a.Sent.Sequence.CompareTo(b.Sent.Sequence));
        return ordered;
    }
}

/// <summary>A live message as the journal's records leave it.</summary>
internal sealed class RecoveredMessage(SentMessage sent)
{
    private readonly SentMessage sent = sent;

    /// <summary>What it was sent with (by reference: a copy would be about 150 bytes).</summary>
    public ref readonly SentMessage Sent => ref sent;

    public int ReceiveCount { get; set; } = sent.ReceiveCount;

    /// <summary>When it was first received, UTC ticks; 0 if never.</summary>
    public long FirstReceiveAt { get; set; } = sent.FirstReceiveAt;

    /// <summary>When the visibility timeout of its last receive ends, UTC ticks; 0 if never received here.</summary>
    public long VisibleAgainAt { get; set; }
}

/// <summary>
/// Rebuilds queue state from the journal's queue records, in journal order. Records about a queue that does not exist
/// (deleted meanwhile) change nothing; a receive or visibility record older than what a message already shows (a lower
/// receive count) changes nothing either. Should a message's receive or delete come before its send record (the engine
/// records a publication before it can be received, but a FIFO queue's delay change can release a held message early),
/// it is kept aside and applied when the send arrives, so a message deleted before its send record was written does not
/// come back.
/// </summary>
internal sealed class QueueReplay
{
    private readonly Dictionary<string, RecoveredQueue> queues;
    private readonly Dictionary<string, RecoveredQueue>.AlternateLookup<ReadOnlySpan<char>> byName;
    private readonly DeletedSequences? deletedLater;
    private long creations;
    private byte[] lastName = [];      // the UTF-8 name Find last resolved, and to what: journals name one queue many times in a row
    private RecoveredQueue? lastQueue;

    /// <param name="deletedLater">
    /// Compaction: the messages the records about to be replayed delete, from a first pass over them. The send of a
    /// standard queue's message among them is skipped without being read (only its sequence counts), and its receives
    /// and deletes change nothing: it is gone by the end either way. FIFO messages are all replayed, since a deleted
    /// one's deduplication record outlives it.
    /// </param>
    public QueueReplay(DeletedSequences? deletedLater = null)
    {
        queues = new(StringComparer.Ordinal);
        byName = queues.GetAlternateLookup<ReadOnlySpan<char>>();
        this.deletedLater = deletedLater;
    }

    /// <summary>The queues that exist after every record applied so far, in creation order.</summary>
    public IReadOnlyList<RecoveredQueue> Queues => [.. queues.Values.OrderBy(q => q.CreationOrder)];

    /// <summary>Whether <paramref name="recordType"/> is a queue record this replay applies.</summary>
    public static bool Handles(byte recordType) => recordType is >= (byte)QueueRecordType.QueueCreated and <= (byte)QueueRecordType.MessagesReceived;

    /// <summary>Applies one record. Throws <see cref="InvalidDataException"/> when the payload does not parse.</summary>
    public void Apply(byte recordType, ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        switch ((QueueRecordType)recordType)
        {
            case QueueRecordType.QueueCreated:
            {
                var (name, createdAt, idPrefix, handleKey, options) = QueueRecords.ReadQueueCreated(ref reader);
                queues[name] = new RecoveredQueue(name, createdAt, idPrefix, handleKey, options, creations++);
                lastQueue = null;
                break;
            }

            case QueueRecordType.QueueSnapshot:
            {
                var (name, createdAt, idPrefix, handleKey, options, lastModifiedAt, highestSequence, highestGroupSequence) = QueueRecords.ReadQueueSnapshot(ref reader);
                queues[name] = new RecoveredQueue(name, createdAt, idPrefix, handleKey, options, creations++)
                {
                    LastModifiedAt = lastModifiedAt,
                    HighestSequence = highestSequence,
                    HighestGroupSequence = highestGroupSequence,
                };
                lastQueue = null;
                break;
            }

            case QueueRecordType.DeduplicationCleared:
                if (queues.TryGetValue(reader.ReadString(), out var purged))
                {
                    purged.DeletedDeduplication.Clear();
                }

                break;

            case QueueRecordType.QueueOptionsChanged:
            {
                var (name, changedAt, options) = QueueRecords.ReadQueueOptionsChanged(ref reader);
                if (queues.TryGetValue(name, out var queue))
                {
                    queue.Options = options;
                    queue.LastModifiedAt = changedAt;
                }

                break;
            }

            case QueueRecordType.QueueDeleted:
                queues.Remove(reader.ReadString());
                lastQueue = null;
                break;

            case QueueRecordType.MessageSent:
            case QueueRecordType.MessageSentV1:
            {
                var queue = Find(reader.ReadBytes());
                if (queue is not null && deletedLater is not null && !queue.Options.FifoQueue)
                {
                    var peek = reader; // a copy: the record is read from the sequence on only if it is kept
                    var sequence = peek.ReadVarInt();
                    if (deletedLater.Contains(queue.CreationOrder, sequence))
                    {
                        queue.HighestSequence = Math.Max(queue.HighestSequence, sequence);
                        return; // deleted further on: the rest of the record is never read
                    }
                }

                var sent = recordType == (byte)QueueRecordType.MessageSent ? QueueRecords.ReadMessageSent(ref reader) : QueueRecords.ReadMessageSentV1(ref reader);
                if (queue is not null)
                {
                    queue.HighestSequence = Math.Max(queue.HighestSequence, sent.Sequence);
                    queue.HighestGroupSequence = Math.Max(queue.HighestGroupSequence, sent.GroupSequenceNumber);
                    if (queue.DeletedBeforeSent.Remove(sent.Sequence))
                    {
                        KeepDeduplication(queue, sent);
                        break;
                    }

                    var message = new RecoveredMessage(sent);
                    queue.Messages[sent.Sequence] = message;
                    if (queue.ReceivedBeforeSent.Remove(sent.Sequence, out var early))
                    {
                        Received(message, early);
                    }
                }

                break;
            }

            case QueueRecordType.MessagesReceived:
            case QueueRecordType.MessagesReceivedV1:
            {
                var queue = Find(reader.ReadBytes());
                var received = ReceiveRecordReader.Start(ref reader, (QueueRecordType)recordType);
                while (received.Remaining > 0)
                {
                    var state = received.Next(ref reader);
                    if (queue is null)
                    {
                        continue;
                    }

                    // A sequence a receive or delete names is taken even if its send record never made it to disk:
                    // numbering after a restart continues above it, so a new message never inherits its records.
                    queue.HighestSequence = Math.Max(queue.HighestSequence, state.Sequence);
                    if (IsDeletedLater(queue, state.Sequence))
                    {
                        // its send was skipped, or will be (so it is not among the messages: looked at first, as most are)
                    }
                    else if (queue.Messages.TryGetValue(state.Sequence, out var message))
                    {
                        Received(message, state);
                    }
                    else if (!queue.ReceivedBeforeSent.TryGetValue(state.Sequence, out var earlier) || earlier.ReceiveCount <= state.ReceiveCount)
                    {
                        queue.ReceivedBeforeSent[state.Sequence] = state;
                    }
                }

                break;
            }

            case QueueRecordType.VisibilityChanged:
            {
                var queue = Find(reader.ReadBytes());
                var (sequence, receiveCount, visibleAgainAt) = QueueRecords.ReadVisibilityChanged(ref reader);
                if (queue is not null && queue.Messages.TryGetValue(sequence, out var message) && message.ReceiveCount == receiveCount)
                {
                    message.VisibleAgainAt = visibleAgainAt;
                }

                break;
            }

            case QueueRecordType.MessagesDeleted:
            {
                var queue = Find(reader.ReadBytes());
                for (var count = QueueRecords.ReadEntryCount(ref reader); count > 0; count--)
                {
                    var sequence = QueueRecords.ReadDeletedSequence(ref reader);
                    if (queue is null)
                    {
                        continue;
                    }

                    queue.HighestSequence = Math.Max(queue.HighestSequence, sequence);
                    if (IsDeletedLater(queue, sequence))
                    {
                        // its send was skipped, or will be: nothing to remove
                    }
                    else if (queue.Messages.Remove(sequence, out var gone))
                    {
                        KeepDeduplication(queue, gone.Sent);
                    }
                    else
                    {
                        queue.DeletedBeforeSent.Add(sequence); // its send record may come later; if not, this costs a few bytes
                    }
                }

                break;
            }

            default:
                throw new InvalidDataException($"Record type {recordType} is not a queue record.");
        }

        if (!reader.AtEnd)
        {
            throw new InvalidDataException($"A {(QueueRecordType)recordType} record has bytes left over after its last field.");
        }
    }

    /// <summary>
    /// The queue a per-message record names (its UTF-8 name, as written), looked up without making a string of the name:
    /// a replay reads one such record per send and per delete or receive batch of the journal's whole history.
    /// </summary>
    private RecoveredQueue? Find(ReadOnlySpan<byte> utf8Name)
    {
        if (lastQueue is not null && utf8Name.SequenceEqual(lastName))
        {
            return lastQueue;
        }

        if (!TryGetByUtf8Name(byName, utf8Name, out var queue))
        {
            return null;
        }

        lastName = utf8Name.ToArray();
        lastQueue = queue;
        return queue;
    }

    /// <summary>Looks a name written as UTF-8 up in a table of names without making a string of it.</summary>
    internal static bool TryGetByUtf8Name<TValue>(Dictionary<string, TValue>.AlternateLookup<ReadOnlySpan<char>> table, ReadOnlySpan<byte> utf8Name, out TValue value)
    {
        var chars = utf8Name.Length <= 256 ? stackalloc char[utf8Name.Length] : new char[utf8Name.Length];
        var length = Encoding.UTF8.GetChars(utf8Name, chars);
        return table.TryGetValue(chars[..length], out value!);
    }

    /// <summary>Whether the send of this standard queue's message is skipped (or was) as deleted later in the records replayed.</summary>
    private bool IsDeletedLater(RecoveredQueue queue, long sequence) =>
        deletedLater is not null && !queue.Options.FifoQueue && deletedLater.Contains(queue.CreationOrder, sequence);

    private static void Received(RecoveredMessage message, ReceiveState state)
    {
        if (state.ReceiveCount >= message.ReceiveCount)
        {
            message.ReceiveCount = state.ReceiveCount;
            message.FirstReceiveAt = state.FirstReceiveAt;
            message.VisibleAgainAt = state.VisibleAgainAt;
        }
    }

    /// <summary>A deleted FIFO message's deduplication record lives on (without its body) until it lapses.</summary>
    private static void KeepDeduplication(RecoveredQueue queue, in SentMessage sent)
    {
        if (sent.DeduplicationKey is { } key)
        {
            queue.DeletedDeduplication[key] = sent with { Body = ReadOnlyMemory<byte>.Empty, Attributes = [] };
        }
    }
}
