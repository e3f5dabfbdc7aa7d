namespace Broker.Queues;

/// <summary>The system attributes a receive can ask for in <see cref="ReceiveRequest.MessageSystemAttributeNames"/>.</summary>
public static class MessageSystemAttributeNames
{
    /// <summary>Every system attribute.</summary>
    public const string All = "All";

    /// <summary>Times the message was received and not deleted.</summary>
    public const string ApproximateReceiveCount = "ApproximateReceiveCount";

    /// <summary>When the message was first received, epoch milliseconds.</summary>
    public const string ApproximateFirstReceiveTimestamp = "ApproximateFirstReceiveTimestamp";

    /// <summary>When the message was sent, epoch milliseconds.</summary>
    public const string SentTimestamp = "SentTimestamp";

    /// <summary>Who sent it: the broker's account id.</summary>
    public const string SenderId = "SenderId";

    /// <summary>The message's group (fair-queue tenant on a standard queue), when it has one.</summary>
    public const string MessageGroupId = "MessageGroupId";

    /// <summary>FIFO: the message's deduplication id.</summary>
    public const string MessageDeduplicationId = "MessageDeduplicationId";

    /// <summary>FIFO: the message's sequence number, increasing within its group.</summary>
    public const string SequenceNumber = "SequenceNumber";

    /// <summary>On a dead-lettered message, the ARN of the queue it was moved from.</summary>
    public const string DeadLetterQueueSourceArn = "DeadLetterQueueSourceArn";
}
