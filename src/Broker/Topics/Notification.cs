using Broker.Queues;

namespace Broker.Topics;

/// <summary>
/// A message as a handler subscriber receives it: the fields of SNS's notification (what a Lambda function finds in
/// <c>Records[0].Sns</c>), plus the delivery attempt.
/// </summary>
public sealed class Notification
{
    internal Notification(
        string messageId,
        string topicArn,
        string subscriptionArn,
        string? subject,
        string message,
        DateTimeOffset timestamp,
        IReadOnlyDictionary<string, MessageAttributeValue> messageAttributes,
        string? messageGroupId,
        string? sequenceNumber,
        int deliveryAttempt)
    {
        MessageId = messageId;
        TopicArn = topicArn;
        SubscriptionArn = subscriptionArn;
        Subject = subject;
        Message = message;
        Timestamp = timestamp;
        MessageAttributes = messageAttributes;
        MessageGroupId = messageGroupId;
        SequenceNumber = sequenceNumber;
        DeliveryAttempt = deliveryAttempt;
    }

    /// <summary>The message's id, the same on every retry and for every subscriber.</summary>
    public string MessageId { get; }

    /// <summary>The topic it was published to.</summary>
    public string TopicArn { get; }

    /// <summary>The subscription delivering it.</summary>
    public string SubscriptionArn { get; }

    /// <summary>The subject, or <see langword="null"/> when none was published.</summary>
    public string? Subject { get; }

    /// <summary>The body (with <c>MessageStructure</c> <c>json</c>, the <c>lambda</c> body, else the <c>default</c> one).</summary>
    public string Message { get; }

    /// <summary>When the topic accepted the message, on the broker's clock.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The published attributes; empty when there were none.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue> MessageAttributes { get; }

    /// <summary>FIFO topics: the message group.</summary>
    public string? MessageGroupId { get; }

    /// <summary>FIFO topics: the sequence number.</summary>
    public string? SequenceNumber { get; }

    /// <summary>1 for the first attempt, 2 for the first retry, and so on.</summary>
    public int DeliveryAttempt { get; }
}
