namespace Broker.Durability.Internal;

/// <summary>
/// The journal record types of queues (1 to 31; streams and topics take other ranges). Each record is absolute where
/// it can be (a receive records the receive count it produced, not "one more"), so that replaying a record twice, or
/// after a newer state of the same message, changes nothing.
/// </summary>
internal enum QueueRecordType : byte
{
    /// <summary>A queue was created: its name, creation time, id keys and settings.</summary>
    QueueCreated = 1,

    /// <summary>A queue's settings changed.</summary>
    QueueOptionsChanged = 2,

    /// <summary>A queue was deleted, with every message in it.</summary>
    QueueDeleted = 3,

    /// <summary>
    /// The first layout of <see cref="MessageSent"/>, every field written whether set or not: still read (journals
    /// written before the compact layout), no longer written.
    /// </summary>
    MessageSentV1 = 4,

    /// <summary>The first layout of <see cref="MessagesReceived"/>: still read, no longer written.</summary>
    MessagesReceivedV1 = 5,

    /// <summary>A received message's visibility deadline changed.</summary>
    VisibilityChanged = 6,

    /// <summary>Messages were deleted, purged, or moved out to another queue (a dead-letter move, a move task).</summary>
    MessagesDeleted = 7,

    /// <summary>
    /// Compaction: a queue as it stood, starting over (like <see cref="QueueCreated"/>) with its last change time and the
    /// highest sequence it ever gave a message, so ids are never reused; its live messages follow.
    /// </summary>
    QueueSnapshot = 8,

    /// <summary>FIFO: a purge cleared the queue's deduplication history, as SQS's does.</summary>
    DeduplicationCleared = 9,

    /// <summary>
    /// A message entered a queue (a send, a topic delivery or a dead-letter move): everything it carries, the fields a
    /// plain message leaves unset (delay, receive state, attributes, FIFO and dead-letter fields) left out behind a
    /// byte of flags. Every record a durable send writes is one; a plain message's takes about 50 bytes less than in
    /// <see cref="MessageSentV1"/>.
    /// </summary>
    MessageSent = 10,

    /// <summary>
    /// Messages were received: per message, the receive count, first receive time and visibility deadline it now has,
    /// the times written as differences (the messages of one receive share their deadline, and mostly their first
    /// receive time).
    /// </summary>
    MessagesReceived = 11,
}
