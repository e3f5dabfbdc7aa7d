using Broker.Internal;
namespace Broker.Queues.Internal;

/// <summary>
/// What only some messages carry: validated, name-sorted message attributes with their size, a group id, and for a
/// dead-lettered message where it came from. Immutable.
/// </summary>
internal sealed class MessageExtras(KeyValuePair<string, MessageAttributeValue>[] attributes, int attributesSize, string? messageGroupId)
{
    /// <summary>Sorted by name, ordinal, as SQS's digest wants them.</summary>
    public readonly KeyValuePair<string, MessageAttributeValue>[] Attributes = attributes;

    public readonly int AttributesSize = attributesSize;

    public readonly string? MessageGroupId = messageGroupId;

    /// <summary>FIFO: the deduplication id (explicit, or the SHA-256 of the body).</summary>
    public string? DeduplicationId { get; init; }

    /// <summary>
    /// FIFO: the sequence number within the group. Written by the sending thread before the message is published to its
    /// group (the publishing CAS is the fence), never afterwards.
    /// </summary>
    public long SequenceNumber;

    /// <summary>
    /// FIFO: the message's key in the queue's deduplication table, which a durable broker journals with the message so
    /// that recovery can file it again. Written by the sending thread before the message is published, never afterwards.
    /// </summary>
    public string? DeduplicationKey;

    /// <summary>FIFO: when the message's deduplication record lapses, UTC ticks.</summary>
    public long DeduplicationExpiresAt;

    /// <summary>A dead-lettered message keeps the id it had in its source queue.</summary>
    public string? OriginalMessageId { get; private init; }

    /// <summary>The ARN of the queue a dead-lettered message was moved from.</summary>
    public string? DeadLetterSourceArn { get; private init; }

    /// <summary>When a dead-lettered message was first received, in its source queue (UTC ticks).</summary>
    public long FirstReceiveAt { get; private init; }

    /// <summary>When a redrive policy moved the message into the queue that holds it (UTC ticks); 0 if it was sent there.</summary>
    public long DeadLetteredAt { get; private init; }

    /// <summary>The receive count the message brought along when it was dead-lettered: receives before the move.</summary>
    public int DeadLetteredReceiveCount { get; private init; }

    public MessageExtras DeadLettered(string messageId, string sourceArn, long firstReceiveAt, bool fifo, long movedAt, int receiveCount) =>
        new(Attributes, AttributesSize, MessageGroupId)
        {
            OriginalMessageId = messageId,
            DeadLetterSourceArn = sourceArn,
            FirstReceiveAt = firstReceiveAt,
            DeadLetteredAt = movedAt,
            DeadLetteredReceiveCount = receiveCount,

            // In a FIFO dead-letter queue the deduplication id becomes the message id.
            DeduplicationId = fifo ? messageId : DeduplicationId,
        };

    /// <summary>A copy that keeps <paramref name="messageId"/> as the message's id wherever it is stored next.</summary>
    public static MessageExtras KeepingId(MessageExtras? extras, string messageId) =>
        extras is null
            ? new MessageExtras([], 0, null) { OriginalMessageId = messageId }
            : new MessageExtras(extras.Attributes, extras.AttributesSize, extras.MessageGroupId)
            {
                OriginalMessageId = messageId,
                DeduplicationId = extras.DeduplicationId,
                DeadLetterSourceArn = extras.DeadLetterSourceArn,
                FirstReceiveAt = extras.FirstReceiveAt,
                DeadLetteredAt = extras.DeadLetteredAt,
                DeadLetteredReceiveCount = extras.DeadLetteredReceiveCount,
            };

    /// <summary>The extras of a message a durable broker recovered from its journal; null when it carried none.</summary>
    internal static MessageExtras? Restore(Durability.Internal.SentMessage sent) =>
        sent.Attributes.Length == 0 && sent.MessageGroupId is null && sent.DeduplicationId is null && sent.OriginalMessageId is null
            && sent.DeadLetterSourceArn is null
            ? null
            : new MessageExtras(sent.Attributes, sent.AttributesSize, sent.MessageGroupId)
            {
                DeduplicationId = sent.DeduplicationId,
                OriginalMessageId = sent.OriginalMessageId,
                DeadLetterSourceArn = sent.DeadLetterSourceArn,
                FirstReceiveAt = sent.DeadLetterFirstReceiveAt,
                DeadLetteredAt = sent.DeadLetteredAt,
                DeadLetteredReceiveCount = sent.DeadLetteredReceiveCount,
                SequenceNumber = sent.GroupSequenceNumber,
                DeduplicationKey = sent.DeduplicationKey,
                DeduplicationExpiresAt = sent.DeduplicationExpiresAt,
            };

    public MessageExtras WithDeduplicationId(string deduplicationId) =>
        new(Attributes, AttributesSize, MessageGroupId) { DeduplicationId = deduplicationId };

    public static MessageExtras DeadLettered(MessageExtras? extras, string messageId, string sourceArn, long firstReceiveAt, bool fifo, long movedAt, int receiveCount) =>
        (extras ?? new MessageExtras([], 0, null)).DeadLettered(messageId, sourceArn, firstReceiveAt, fifo, movedAt, receiveCount);
}
