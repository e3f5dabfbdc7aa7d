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

    /// <summary>Live messages by sequence, which is send order.</summary>
    public SortedDictionary<long, RecoveredMessage> Messages { get; } = [];
}

/// <summary>A live message as the journal's records leave it.</summary>
internal sealed class RecoveredMessage(SentMessage sent)
{
    /// <summary>What it was sent with.</summary>
    public SentMessage Sent { get; } = sent;

    public int ReceiveCount { get; set; } = sent.ReceiveCount;

    /// <summary>When it was first received, UTC ticks; 0 if never.</summary>
    public long FirstReceiveAt { get; set; } = sent.FirstReceiveAt;

    /// <summary>When the visibility timeout of its last receive ends, UTC ticks; 0 if never received here.</summary>
    public long VisibleAgainAt { get; set; }
}

/// <summary>
/// Rebuilds queue state from the journal's queue records, in journal order. Records about a queue that does not exist
/// (deleted meanwhile) or a message that is gone (deleted, purged) change nothing; a receive or visibility record
/// older than what a message already shows (a lower receive count) changes nothing either, so records may be applied
/// in any order that keeps each message's send first.
/// </summary>
internal sealed class QueueReplay
{
    private readonly Dictionary<string, RecoveredQueue> queues = new(StringComparer.Ordinal);
    private long creations;

    /// <summary>The queues that exist after every record applied so far, in creation order.</summary>
    public IReadOnlyList<RecoveredQueue> Queues => [.. queues.Values.OrderBy(q => q.CreationOrder)];

    /// <summary>Whether <paramref name="recordType"/> is a queue record this replay applies.</summary>
    public static bool Handles(byte recordType) => recordType is >= (byte)QueueRecordType.QueueCreated and <= (byte)QueueRecordType.QueueSnapshot;

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
                break;
            }

            case QueueRecordType.QueueSnapshot:
            {
                var (name, createdAt, idPrefix, handleKey, options, lastModifiedAt, highestSequence) = QueueRecords.ReadQueueSnapshot(ref reader);
                queues[name] = new RecoveredQueue(name, createdAt, idPrefix, handleKey, options, creations++)
                {
                    LastModifiedAt = lastModifiedAt,
                    HighestSequence = highestSequence,
                };
                break;
            }

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
                break;

            case QueueRecordType.MessageSent:
            {
                var (name, sent) = QueueRecords.ReadMessageSent(ref reader);
                if (queues.TryGetValue(name, out var queue))
                {
                    queue.Messages[sent.Sequence] = new RecoveredMessage(sent);
                    queue.HighestSequence = Math.Max(queue.HighestSequence, sent.Sequence);
                }

                break;
            }

            case QueueRecordType.MessagesReceived:
            {
                var (name, received) = QueueRecords.ReadMessagesReceived(ref reader);
                if (queues.TryGetValue(name, out var queue))
                {
                    foreach (var state in received)
                    {
                        if (queue.Messages.TryGetValue(state.Sequence, out var message) && state.ReceiveCount >= message.ReceiveCount)
                        {
                            message.ReceiveCount = state.ReceiveCount;
                            message.FirstReceiveAt = state.FirstReceiveAt;
                            message.VisibleAgainAt = state.VisibleAgainAt;
                        }
                    }
                }

                break;
            }

            case QueueRecordType.VisibilityChanged:
            {
                var (name, sequence, receiveCount, visibleAgainAt) = QueueRecords.ReadVisibilityChanged(ref reader);
                if (queues.TryGetValue(name, out var queue) && queue.Messages.TryGetValue(sequence, out var message) && message.ReceiveCount == receiveCount)
                {
                    message.VisibleAgainAt = visibleAgainAt;
                }

                break;
            }

            case QueueRecordType.MessagesDeleted:
            {
                var (name, sequences) = QueueRecords.ReadMessagesDeleted(ref reader);
                if (queues.TryGetValue(name, out var queue))
                {
                    foreach (var sequence in sequences)
                    {
                        queue.Messages.Remove(sequence);
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
}
