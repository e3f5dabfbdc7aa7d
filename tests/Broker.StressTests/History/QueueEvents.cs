namespace Broker.StressTests.History;

/// <summary>A send the queue accepted (a send that threw, or a failed batch entry, is not recorded: nothing was promised).</summary>
/// <param name="Queue">The queue name.</param>
/// <param name="MessageId">The id the queue returned.</param>
/// <param name="Body">The body, unique in the run.</param>
/// <param name="Group">The FIFO message group, or null.</param>
/// <param name="SequenceNumber">The FIFO sequence number the queue returned, or null.</param>
/// <param name="At">When the call ran.</param>
public sealed record SendEvent(string Queue, string MessageId, string Body, string? Group, string? SequenceNumber, Stamp At);

/// <summary>One message returned by one receive call.</summary>
/// <param name="Queue">The queue name.</param>
/// <param name="Batch">The receive call (unique in the run), to tell messages of one batch from those of others.</param>
/// <param name="Position">The message's place in the batch.</param>
/// <param name="MessageId">The message id.</param>
/// <param name="Body">The body received.</param>
/// <param name="ReceiveCount">ApproximateReceiveCount: this receive's number (receipt) for the message.</param>
/// <param name="Visibility">The visibility timeout the call asked for (or the queue default it fell back to).</param>
/// <param name="At">When the call ran.</param>
public sealed record ReceiveEvent(string Queue, long Batch, int Position, string MessageId, string Body, int ReceiveCount, TimeSpan Visibility, Stamp At);

/// <summary>A delete with the receipt of one receive; <see cref="Ok"/> false when it threw.</summary>
public sealed record DeleteEvent(string Queue, string MessageId, int ReceiveCount, bool Ok, string? Error, Stamp At);

/// <summary>A ChangeMessageVisibility with the receipt of one receive; <see cref="Ok"/> false when it threw.</summary>
public sealed record VisibilityEvent(string Queue, string MessageId, int ReceiveCount, TimeSpan Timeout, bool Ok, string? Error, Stamp At);

/// <summary>A purge; <see cref="Ok"/> false when it threw (PurgeQueueInProgress), so that it removed nothing.</summary>
public sealed record PurgeEvent(string Queue, bool Ok, Stamp At);

/// <summary>What the checkers need to know about the queues of a run.</summary>
/// <param name="Source">The queue the producers send to.</param>
/// <param name="DeadLetter">Its dead-letter queue, or null.</param>
/// <param name="MaxReceiveCount">The redrive policy's maxReceiveCount.</param>
/// <param name="Fifo">Whether the queues are FIFO.</param>
/// <param name="Retention">The queues' MessageRetentionPeriod.</param>
public sealed record QueueSetup(string Source, string? DeadLetter, int MaxReceiveCount, bool Fifo, TimeSpan Retention);
