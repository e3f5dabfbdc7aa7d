using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Topics.Internal;

/// <summary>
/// An accepted publish to a standard topic with a raw queue subscription (and no observer) while its first deliveries
/// are made, on the publishing thread's stack. The <see cref="PublishedMessage"/> (an object of 120 bytes, and a copy of
/// the attributes) is made only when a delivery keeps one: an envelope, a handler, a capped or durable queue, a retry, a
/// dead-letter. A raw delivery that a standard queue takes at once keeps the body and the validated attributes and nothing
/// else, so a publish with only such deliveries leaves no garbage of its own: with the delivered messages kept in queues,
/// each collection that garbage triggers copies the queues' young messages, which made a third of a publish's cost.
/// <para>
/// The publisher's attribute dictionary is read in place, not copied, which is sound only until the publish returns:
/// hence a ref struct, which no delivery can keep. A dictionary whose lookups may not be ordinal (another comparer, or
/// another type) is copied first, as the message would copy it, so that filter policies see what they always saw.
/// </para>
/// </summary>
internal ref struct Publication
{
    /// <summary>The publisher's attributes, or once matching needed one, a copy of them; null when there are none.</summary>
    private IReadOnlyDictionary<string, MessageAttributeValue>? attributes;

    /// <summary>Whether <see cref="attributes"/> is the copy a <see cref="PublishedMessage"/> keeps.</summary>
    private bool attributesCopied;

    /// <summary>Whether <see cref="attributes"/> is known to look names up ordinally.</summary>
    private bool attributesOrdinal;

    private PublishedMessage? made;

    /// <summary>The raw delivery once prepared (its size is never 0 then: a queue refuses an empty body).</summary>
    private MessageQueue.PreparedDelivery rawDelivery;

    /// <summary>A publish nothing has kept yet.</summary>
    public Publication(
        Guid messageGuid,
        string message,
        byte[] utf8Body,
        string? subject,
        IReadOnlyDictionary<string, MessageAttributeValue>? attributes,
        PublishedMessage.StructuredBodies? structure,
        DateTimeOffset timestamp)
    {
        MessageGuid = messageGuid;
        Message = message;
        Utf8Body = utf8Body;
        Subject = subject;
        Structure = structure;
        TimestampTicks = timestamp.UtcTicks;
        this.attributes = attributes is null || attributes.Count == 0 ? null : attributes;
    }

    public Guid MessageGuid { get; }

    /// <summary>The default body.</summary>
    public string Message { get; }

    /// <summary>The default body as UTF-8, an array of its own that is never written.</summary>
    public byte[] Utf8Body { get; }

    public string? Subject { get; }

    /// <summary>The bodies of a <c>json</c> message structure; null with the default (String) structure.</summary>
    public PublishedMessage.StructuredBodies? Structure { get; }

    /// <summary>When the publish was accepted, UTC ticks.</summary>
    public long TimestampTicks { get; }

    /// <summary>A standard topic's message group id, if the publisher named one.</summary>
    public string? MessageGroupId { get; set; }

    /// <summary>
    /// The attributes as published, with ordinal lookups: what attribute-scope filter policies see. The message's copy
    /// once it is made; until then the publisher's dictionary when it is a plain one with the default or ordinal
    /// comparer, otherwise a copy (the one the message will keep).
    /// </summary>
    public IReadOnlyDictionary<string, MessageAttributeValue> Attributes
    {
        get
        {
            if (made is not null)
            {
                return made.Attributes;
            }

            if (attributes is null)
            {
                return PublishedMessage.Empty;
            }

            if (!attributesOrdinal)
            {
                attributesOrdinal = true;
                if (attributes is not Dictionary<string, MessageAttributeValue> dictionary
                    || !(ReferenceEquals(dictionary.Comparer, EqualityComparer<string>.Default) || ReferenceEquals(dictionary.Comparer, StringComparer.Ordinal)))
                {
                    attributes = PublishValidation.Copy(attributes);
                    attributesCopied = true;
                }
            }

            return attributes;
        }
    }

    /// <summary>The message, if a delivery has made it.</summary>
    public readonly PublishedMessage? Made => made;

    /// <summary>
    /// The raw delivery to standard queues (the default body and the attributes, validated as a send validates them),
    /// prepared once for every queue subscriber. Throws what a send of them would throw. Only without a message structure
    /// (whose queue body and attributes differ).
    /// </summary>
    public MessageQueue.PreparedDelivery RawDelivery
    {
        get
        {
            if (made is not null)
            {
                return made.RawDelivery;
            }

            if (rawDelivery.Size == 0)
            {
                rawDelivery = MessageQueue.PrepareDelivery(Utf8Body, Structure is null ? attributes : null);
            }

            return rawDelivery;
        }
    }

    /// <summary>The message, made on the first call: what a delivery that keeps the publish holds on to.</summary>
    public PublishedMessage Materialize() => made ??= Make();

    /// <summary>The publish's result: from the message when one was made (its id text is shared), else from the id.</summary>
    public readonly PublishResult ToPublishResult() => made is not null ? new PublishResult(made) : new PublishResult(MessageGuid);

    private readonly PublishedMessage Make()
    {
        var message = new PublishedMessage(
            MessageGuid,
            Message,
            Utf8Body,
            Subject,
            attributesCopied ? attributes! : PublishValidation.Copy(attributes),
            new DateTimeOffset(TimestampTicks, TimeSpan.Zero))
        {
            Structure = Structure,
        };
        if (MessageGroupId is not null)
        {
            message.MessageGroupId = MessageGroupId;
        }

        if (rawDelivery.Size != 0)
        {
            message.AdoptRawDelivery(rawDelivery);
        }

        return message;
    }
}
