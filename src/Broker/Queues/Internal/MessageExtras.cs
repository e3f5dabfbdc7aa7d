using Broker.Internal;
namespace Broker.Queues.Internal;

/// <summary>
/// What only some messages carry: validated, name-sorted message attributes with their size and a group id (40 bytes
/// and an array, what a standard message with attributes needs; <see cref="OneAttribute"/>, 56 bytes and no array, for
/// one attribute). A sent message with a group or deduplication id gets <see cref="Grouped"/>, which adds the
/// deduplication and sequence fields and, in a FIFO queue, serves as the message's node in its group's stack (88 bytes:
/// a FIFO queue's backlog is made of these, and every byte of it is copied by each collection it survives); a
/// dead-lettered or recovered message gets <see cref="Detailed"/>, which adds the dead-letter fields as well. Immutable
/// but for the FIFO fields a sending thread writes before it publishes the message, and the stack's links.
/// </summary>
internal class MessageExtras
{
    public readonly int AttributesSize;

    public readonly string? MessageGroupId;

    /// <summary>Null in <see cref="OneAttribute"/>, which holds its attribute itself.</summary>
    private readonly KeyValuePair<string, MessageAttributeValue>[]? attributes;

    public MessageExtras(KeyValuePair<string, MessageAttributeValue>[] attributes, int attributesSize, string? messageGroupId)
    {
        this.attributes = attributes;
        AttributesSize = attributesSize;
        MessageGroupId = messageGroupId;
    }

    private MessageExtras(int attributesSize)
    {
        AttributesSize = attributesSize;
    }

    /// <summary>Sorted by name, ordinal, as SQS's digest wants them.</summary>
    public ReadOnlySpan<KeyValuePair<string, MessageAttributeValue>> Attributes => attributes is { } array ? array : OneAttributeSpan();

    /// <summary>FIFO: the deduplication id (explicit, or the SHA-256 of the body).</summary>
    public virtual string? DeduplicationId => null;

    /// <summary>
    /// FIFO: the sequence number within the group. Written by the sending thread before the message is published to its
    /// group (the publishing CAS is the fence), never afterwards.
    /// </summary>
    public virtual long SequenceNumber
    {
        get => 0;
        set => throw NotDetailed();
    }

    /// <summary>
    /// FIFO: the message's key in the queue's deduplication table, which a durable broker journals with the message so
    /// that recovery can file it again. Written by the sending thread before the message is published, never afterwards.
    /// </summary>
    public virtual string? DeduplicationKey
    {
        get => null;
        set => throw NotDetailed();
    }

    /// <summary>FIFO: when the message's deduplication record lapses, UTC ticks.</summary>
    public virtual long DeduplicationExpiresAt
    {
        get => 0;
        set => throw NotDetailed();
    }

    /// <summary>A dead-lettered message keeps the id it had in its source queue.</summary>
    public virtual string? OriginalMessageId => null;

    /// <summary>The ARN of the queue a dead-lettered message was moved from.</summary>
    public virtual string? DeadLetterSourceArn => null;

    /// <summary>When a dead-lettered message was first received, in its source queue (UTC ticks).</summary>
    public virtual long FirstReceiveAt => 0;

    /// <summary>When a redrive policy moved the message into the queue that holds it (UTC ticks); 0 if it was sent there.</summary>
    public virtual long DeadLetteredAt => 0;

    /// <summary>The receive count the message brought along when it was dead-lettered: receives before the move.</summary>
    public virtual int DeadLetteredReceiveCount => 0;

    /// <summary>
    /// <see cref="Attributes"/> as an array that nothing writes: this extras' own, or a new one for an extras that holds
    /// one attribute itself (for the rare copies into other extras, and for journal records).
    /// </summary>
    public KeyValuePair<string, MessageAttributeValue>[] AttributeArray() => attributes ?? Attributes.ToArray();

    /// <summary>
    /// The extras of a sent standard message with one attribute and no group: the attribute kept inline (56 bytes)
    /// instead of in an array of its own (40 bytes of extras and 40 of array, two objects for the collector to move).
    /// </summary>
    public static MessageExtras Create(KeyValuePair<string, MessageAttributeValue> attribute, int attributesSize) =>
        new OneAttribute(attribute, attributesSize);

    /// <summary>The extras of a sent message: the small kind unless it has a group or a deduplication id.</summary>
    public static MessageExtras Create(KeyValuePair<string, MessageAttributeValue>[] attributes, int attributesSize, string? messageGroupId, string? deduplicationId) =>
        messageGroupId is null && deduplicationId is null
            ? new MessageExtras(attributes, attributesSize, null)
            : new Grouped(attributes, attributesSize, messageGroupId, deduplicationId);

    public MessageExtras DeadLettered(string messageId, string sourceArn, long firstReceiveAt, bool fifo, long movedAt, int receiveCount) =>
        new Detailed(
            AttributeArray(),
            AttributesSize,
            MessageGroupId,
            fifo ? messageId : DeduplicationId, // in a FIFO dead-letter queue the deduplication id becomes the message id
            messageId,
            sourceArn,
            firstReceiveAt,
            movedAt,
            receiveCount);

    /// <summary>A copy that keeps <paramref name="messageId"/> as the message's id wherever it is stored next.</summary>
    public static MessageExtras KeepingId(MessageExtras? extras, string messageId) =>
        extras is null
            ? new Detailed([], 0, null, null, messageId)
            : new Detailed(
                extras.AttributeArray(),
                extras.AttributesSize,
                extras.MessageGroupId,
                extras.DeduplicationId,
                messageId,
                extras.DeadLetterSourceArn,
                extras.FirstReceiveAt,
                extras.DeadLetteredAt,
                extras.DeadLetteredReceiveCount);

    /// <summary>The extras of a message a durable broker recovered from its journal; null when it carried none.</summary>
    internal static MessageExtras? Restore(in Durability.Internal.SentMessage sent)
    {
        if (sent.MessageGroupId is null && sent.DeduplicationId is null && sent.OriginalMessageId is null && sent.DeadLetterSourceArn is null)
        {
            return sent.Attributes.Length == 0 ? null : new MessageExtras(sent.Attributes, sent.AttributesSize, null);
        }

        return new Detailed(
            sent.Attributes,
            sent.AttributesSize,
            sent.MessageGroupId,
            sent.DeduplicationId,
            sent.OriginalMessageId,
            sent.DeadLetterSourceArn,
            sent.DeadLetterFirstReceiveAt,
            sent.DeadLetteredAt,
            sent.DeadLetteredReceiveCount)
        {
            SequenceNumber = sent.GroupSequenceNumber,
            DeduplicationKey = sent.DeduplicationKey,
            DeduplicationExpiresAt = sent.DeduplicationExpiresAt,
        };
    }

    public MessageExtras WithDeduplicationId(string deduplicationId) =>
        new Grouped(AttributeArray(), AttributesSize, MessageGroupId, deduplicationId);

    public static MessageExtras DeadLettered(MessageExtras? extras, string messageId, string sourceArn, long firstReceiveAt, bool fifo, long movedAt, int receiveCount) =>
        (extras ?? new MessageExtras([], 0, null)).DeadLettered(messageId, sourceArn, firstReceiveAt, fifo, movedAt, receiveCount);

    /// <summary>What <see cref="Attributes"/> is for an extras without an array: none, unless it holds one itself.</summary>
    protected virtual ReadOnlySpan<KeyValuePair<string, MessageAttributeValue>> OneAttributeSpan() => default;

    private static InvalidOperationException NotDetailed() =>
        new("Only a FIFO or dead-lettered message's extras carry deduplication and sequence fields.");

    /// <summary>
    /// The extras of a sent message with a group or a deduplication id (a FIFO message, or a standard one with a group),
    /// and the base of the dead-lettered kind. In a FIFO queue these extras are also the message's node in its group's
    /// stack (<see cref="FifoGroup"/>), so that a message waiting in its group is two objects, not three.
    /// </summary>
    internal class Grouped(
        KeyValuePair<string, MessageAttributeValue>[] attributes,
        int attributesSize,
        string? messageGroupId,
        string? deduplicationId)
        : MessageExtras(attributes, attributesSize, messageGroupId)
    {
        /// <summary>Group stack: the message, while it waits in the stack; null once collected.</summary>
        public QueueMessage? StackMessage;

        /// <summary>Group stack: the node below, until a drain takes the stack and unlinks it.</summary>
        public Grouped? StackNext;

        /// <summary>The sequence number within the group (<see cref="SequenceNumber"/>), taken by the sender just before its push.</summary>
        public long Sequence;

        public override string? DeduplicationId => deduplicationId;

        public override long SequenceNumber
        {
            get => Sequence;
            set => Sequence = value;
        }

        public override string? DeduplicationKey { get; set; }

        public override long DeduplicationExpiresAt { get; set; }

        /// <summary>A node that never holds a message (a retired group's mark).</summary>
        public static Grouped Empty() => new([], 0, null, null);
    }

    /// <summary>The extras of a dead-lettered message, or of one a durable broker recovered.</summary>
    private sealed class Detailed(
        KeyValuePair<string, MessageAttributeValue>[] attributes,
        int attributesSize,
        string? messageGroupId,
        string? deduplicationId,
        string? originalMessageId = null,
        string? deadLetterSourceArn = null,
        long firstReceiveAt = 0,
        long deadLetteredAt = 0,
        int deadLetteredReceiveCount = 0)
        : Grouped(attributes, attributesSize, messageGroupId, deduplicationId)
    {
        public override string? OriginalMessageId => originalMessageId;

        public override string? DeadLetterSourceArn => deadLetterSourceArn;

        public override long FirstReceiveAt => firstReceiveAt;

        public override long DeadLetteredAt => deadLetteredAt;

        public override int DeadLetteredReceiveCount => deadLetteredReceiveCount;
    }

    /// <summary>A standard message's extras with one attribute, held here rather than in an array.</summary>
    private sealed class OneAttribute(KeyValuePair<string, MessageAttributeValue> attribute, int attributesSize) : MessageExtras(attributesSize)
    {
        private readonly KeyValuePair<string, MessageAttributeValue> attribute = attribute;

        protected override ReadOnlySpan<KeyValuePair<string, MessageAttributeValue>> OneAttributeSpan() => new(in attribute);
    }
}
