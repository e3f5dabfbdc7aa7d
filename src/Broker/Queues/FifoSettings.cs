namespace Broker.Queues;

/// <summary>Whether FIFO deduplication ids are unique per queue or per message group, as SQS's <c>DeduplicationScope</c>.</summary>
public enum DeduplicationScope
{
    /// <summary>One deduplication id is a duplicate anywhere in the queue (the default).</summary>
    Queue = 0,

    /// <summary>One deduplication id is a duplicate only within its message group.</summary>
    MessageGroup = 1,
}

/// <summary>Where a FIFO queue's throughput quota applies, as SQS's <c>FifoThroughputLimit</c>. In-process it changes no behaviour; it is kept and validated for fidelity.</summary>
public enum FifoThroughputLimit
{
    /// <summary>The quota is the queue's (the default).</summary>
    PerQueue = 0,

    /// <summary>The quota is each message group's; needs <see cref="DeduplicationScope.MessageGroup"/> (high-throughput FIFO).</summary>
    PerMessageGroupId = 1,
}
