namespace Broker.Queues;

/// <summary>The SQS queue attribute names understood by the string-keyed <see cref="IMessageQueue.GetAttributes(IEnumerable{string})"/> and <see cref="IMessageQueue.SetAttributes(IReadOnlyDictionary{string, string})"/>.</summary>
public static class QueueAttributeNames
{
    /// <summary>Every attribute (GetQueueAttributes only).</summary>
    public const string All = "All";

    /// <summary>Visibility timeout in seconds.</summary>
    public const string VisibilityTimeout = "VisibilityTimeout";

    /// <summary>Queue delay in seconds.</summary>
    public const string DelaySeconds = "DelaySeconds";

    /// <summary>Retention in seconds.</summary>
    public const string MessageRetentionPeriod = "MessageRetentionPeriod";

    /// <summary>Largest message in bytes.</summary>
    public const string MaximumMessageSize = "MaximumMessageSize";

    /// <summary>Default long-poll wait in seconds.</summary>
    public const string ReceiveMessageWaitTimeSeconds = "ReceiveMessageWaitTimeSeconds";

    /// <summary>Visible messages (read-only).</summary>
    public const string ApproximateNumberOfMessages = "ApproximateNumberOfMessages";

    /// <summary>In-flight messages (read-only).</summary>
    public const string ApproximateNumberOfMessagesNotVisible = "ApproximateNumberOfMessagesNotVisible";

    /// <summary>Delayed messages (read-only).</summary>
    public const string ApproximateNumberOfMessagesDelayed = "ApproximateNumberOfMessagesDelayed";

    /// <summary>Creation time in epoch seconds (read-only).</summary>
    public const string CreatedTimestamp = "CreatedTimestamp";

    /// <summary>Last attribute change in epoch seconds (read-only).</summary>
    public const string LastModifiedTimestamp = "LastModifiedTimestamp";

    /// <summary>The queue's ARN (read-only).</summary>
    public const string QueueArn = "QueueArn";

    /// <summary>The dead-letter policy, as JSON <c>{"deadLetterTargetArn": "...", "maxReceiveCount": "10"}</c>; empty removes it.</summary>
    public const string RedrivePolicy = "RedrivePolicy";

    /// <summary>Who may use this queue as a dead-letter queue, as JSON <c>{"redrivePermission": "byQueue", "sourceQueueArns": [...]}</c>.</summary>
    public const string RedriveAllowPolicy = "RedriveAllowPolicy";

    /// <summary>FIFO only; refused on a standard queue.</summary>
    public const string FifoQueue = "FifoQueue";

    /// <summary>FIFO only; refused on a standard queue.</summary>
    public const string ContentBasedDeduplication = "ContentBasedDeduplication";

    /// <summary>FIFO only; refused on a standard queue.</summary>
    public const string DeduplicationScope = "DeduplicationScope";

    /// <summary>FIFO only; refused on a standard queue.</summary>
    public const string FifoThroughputLimit = "FifoThroughputLimit";
}
