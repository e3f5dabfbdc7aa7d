namespace Broker.Queues;

/// <summary>
/// The settings of a queue, standard or FIFO, with SQS's defaults and ranges. Durations are whole seconds, as in SQS.
/// Pass to <see cref="MessageBroker.CreateQueue(string, QueueOptions)"/>, read back from
/// <see cref="QueueAttributes.Options"/>, and change with <see cref="IMessageQueue.SetAttributes(QueueOptions)"/>
/// (for example <c>queue.SetAttributes(queue.GetAttributes().Options with { VisibilityTimeout = ... })</c>).
/// </summary>
public sealed record QueueOptions
{
    /// <summary>
    /// A FIFO queue: strict order within each message group, deduplication for 5 minutes, a group locked while any of its
    /// received messages is in flight. Fixed at creation; the name must end in <c>.fifo</c>. Default <see langword="false"/>.
    /// SQS: <c>FifoQueue</c>.
    /// </summary>
    public bool FifoQueue { get; init; }

    /// <summary>FIFO only: a send without a deduplication id is deduplicated by the SHA-256 of its body. Default <see langword="false"/>.</summary>
    public bool ContentBasedDeduplication { get; init; }

    /// <summary>FIFO only: whether deduplication ids are unique per queue (the default) or per message group.</summary>
    public DeduplicationScope DeduplicationScope { get; init; }

    /// <summary>FIFO only: <see cref="Queues.FifoThroughputLimit.PerMessageGroupId"/> needs <see cref="Queues.DeduplicationScope.MessageGroup"/>. Default per queue.</summary>
    public FifoThroughputLimit FifoThroughputLimit { get; init; }

    /// <summary>How long a received message stays hidden from other receivers. Default 30 s; 0 to 12 h (43,200 s). SQS: <c>VisibilityTimeout</c>.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = QueueDefaults.VisibilityTimeout;

    /// <summary>
    /// How long a new message stays invisible after it is sent. Default 0; 0 to 15 min (900 s). SQS: <c>DelaySeconds</c>.
    /// On a standard queue a change applies to messages sent afterwards; on a FIFO queue it also applies to messages
    /// still inside their delay, as on SQS.
    /// </summary>
    public TimeSpan Delay { get; init; } = QueueDefaults.Delay;

    /// <summary>
    /// How long a message is kept, counted from when it was sent, whether or not it is in flight. Default 4 days;
    /// 60 s to 14 days. SQS: <c>MessageRetentionPeriod</c>. Lowering it expires older messages at once.
    /// </summary>
    public TimeSpan MessageRetentionPeriod { get; init; } = QueueDefaults.MessageRetentionPeriod;

    /// <summary>
    /// The largest message accepted, in bytes, counting the body and every part of every message attribute.
    /// Default and maximum 1,048,576 (1 MiB); minimum 1,024. SQS: <c>MaximumMessageSize</c>.
    /// </summary>
    public int MaximumMessageSize { get; init; } = QueueDefaults.MaximumMessageSize;

    /// <summary>
    /// How long a receive that does not name its own wait time long-polls. Default 0 (short polling); 0 to 20 s.
    /// SQS: <c>ReceiveMessageWaitTimeSeconds</c>.
    /// </summary>
    public TimeSpan ReceiveMessageWaitTime { get; init; } = QueueDefaults.ReceiveMessageWaitTime;

    /// <summary>
    /// Where messages go after too many receives; <see langword="null"/> (the default) keeps them here until retention
    /// ends. SQS: <c>RedrivePolicy</c>.
    /// </summary>
    public RedrivePolicy? RedrivePolicy { get; init; }

    /// <summary>Which queues may use this one as their dead-letter queue. Default: any. SQS: <c>RedriveAllowPolicy</c>.</summary>
    public RedriveAllowPolicy RedriveAllowPolicy { get; init; } = RedriveAllowPolicy.AllowAll;

    /// <summary>
    /// In-process only: the most messages (visible, in flight and delayed) the queue holds before senders are pushed
    /// back as <see cref="FullMode"/> says. Default <see langword="null"/>: no cap, as on SQS. At least 1 when set.
    /// </summary>
    public int? MaximumDepth { get; init; }

    /// <summary>
    /// In-process only: the most message bytes (bodies and attributes) the queue holds before senders are pushed back
    /// as <see cref="FullMode"/> says. Default <see langword="null"/>: no cap. At least 1,024 when set.
    /// </summary>
    public long? MaximumBytes { get; init; }

    /// <summary>In-process only: what a send does when <see cref="MaximumDepth"/> or <see cref="MaximumBytes"/> is reached. Default <see cref="QueueFullMode.Wait"/>.</summary>
    public QueueFullMode FullMode { get; init; } = QueueFullMode.Wait;

    /// <summary>
    /// In-process only: whether a broker with <see cref="BrokerOptions.Storage"/> journals this queue. Default
    /// <see langword="true"/>. <see langword="false"/>: a scratch queue, whose creation, settings and messages are never
    /// written to disk; it starts empty after every restart, and is not recreated (create it again at start-up), nor are
    /// topic subscriptions to it. Ignored by an in-memory broker. Fixed at creation (<c>InvalidAttributeValue</c> on a
    /// change); not an SQS attribute, so <see cref="IMessageQueue.GetAttributes(IEnumerable{string})"/> does not list it.
    /// A message moved from a durable queue into a scratch one (a dead-letter move, a redrive) loses its durability: the
    /// move is recorded as the message leaving the durable queue, and a restart does not bring it back anywhere.
    /// </summary>
    public bool Durable { get; init; } = true;
}
