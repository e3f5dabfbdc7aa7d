using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Topics.Internal;

/// <summary>
/// A queue subscription's SNS envelope, written when the message's body is first read rather than at the publish. The
/// publish's first such envelope is its <see cref="EnvelopeSource"/>, which holds what every queue envelope of the
/// publish is written from; each further queue subscription of the publish gets one of these (40 bytes), which holds
/// only that source and the subscription's names. Its length is known at the publish (<see cref="EnvelopeWriter.Length"/>),
/// so the queue's size checks and counts are those of the envelope.
/// </summary>
internal sealed class EnvelopeBody : DeferredBody
{
    private readonly EnvelopeNames names;
    private readonly bool fifo;

    private EnvelopeBody(EnvelopeSource source, EnvelopeNames names, int namesLength, bool fifo)
        : base(source, source.PublishLength + namesLength)
    {
        this.names = names;
        this.fifo = fifo;
    }

    /// <summary>
    /// The envelope a queue subscription with <paramref name="names"/> gets, not written yet; false when the publish's
    /// envelope must be written as it is sent (<see cref="PublishedMessage.QueueEnvelope"/>).
    /// </summary>
    /// <param name="message">The publish.</param>
    /// <param name="names">The subscription's names.</param>
    /// <param name="namesLength">Their <see cref="EnvelopeNames.Length"/>, which the subscription keeps: with thousands
    /// of subscriptions, the names' arrays are cold, and their lengths would be three cache misses a delivery.</param>
    /// <param name="fifo">Whether the topic is FIFO.</param>
    /// <param name="body">The envelope, not written yet.</param>
    public static bool TryCreate(PublishedMessage message, EnvelopeNames names, int namesLength, bool fifo, out ReadOnlyMemory<byte> body)
    {
        if (message.QueueEnvelope(names, namesLength, fifo, out var made) is not { } source)
        {
            body = default;
            return false;
        }

        // The source this call made is this subscription's envelope; a source made before belongs to another.
        body = made ? source.AsMemory() : new EnvelopeBody(source, names, namesLength, fifo).AsMemory();
        return true;
    }

    protected override byte[] Write(object source) => EnvelopeWriter.Write((EnvelopeSource)source, names, fifo);
}

/// <summary>
/// A publish's first queue envelope (that of the subscription whose delivery made it), written when first read like any
/// <see cref="DeferredBody"/>, and what all the publish's queue envelopes are written from: the default body's UTF-8
/// (the publish's own array), subject, id, time, FIFO sequence number and attributes (in name order), and the envelope's
/// length but for the subscription's names. Not the published string, which would keep twice the body's bytes alive.
/// One object where a publish to one queue subscription had two (a source and a body): every queued message is an object
/// fewer for the collector to move.
/// <para>
/// Its data outlive its own bytes being written, as the publish's other envelopes may not be written yet: a read message
/// that stays queued keeps them beside its envelope (a dead-letter move keeps the written bytes alone), and whatever
/// still holds the publish (a handler's backlog, a retry, a FIFO topic's ordering) keeps this envelope, written or not.
/// </para>
/// </summary>
internal sealed class EnvelopeSource : DeferredBody
{
    private readonly EnvelopeNames names;
    private readonly bool fifo;

    private EnvelopeSource(PublishedMessage message, EnvelopeNames names, int namesLength, bool fifo, KeyValuePair<string, MessageAttributeValue>[] attributes, string? sequenceNumber, int publishLength)
        : base(publishLength + namesLength)
    {
        this.names = names;
        this.fifo = fifo;
        MessageGuid = message.MessageGuid;
        TimestampTicks = message.Timestamp.UtcTicks;
        Utf8Text = message.Utf8Body;
        Subject = message.Subject;
        SequenceNumber = sequenceNumber;
        Attributes = attributes;
        PublishLength = publishLength;
    }

    public Guid MessageGuid { get; }

    /// <summary>The publish's timestamp, UTC ticks.</summary>
    public long TimestampTicks { get; }

    /// <summary>The default body as UTF-8; never written.</summary>
    public byte[] Utf8Text { get; }

    public string? Subject { get; }

    /// <summary>FIFO topics: the sequence number as SNS formats it; null on standard topics.</summary>
    public string? SequenceNumber { get; }

    /// <summary>The delivered attributes sorted by name, ordinal (the envelope's order); never written.</summary>
    public KeyValuePair<string, MessageAttributeValue>[] Attributes { get; }

    /// <summary><see cref="EnvelopeWriter.PublishLength"/> of this publish.</summary>
    public int PublishLength { get; }

    /// <summary>The source of <paramref name="message"/>'s queue envelopes, and the envelope of the subscription with <paramref name="names"/>.</summary>
    /// <param name="message">The publish, whose text is queue text.</param>
    /// <param name="names">The names of the subscription whose envelope this is.</param>
    /// <param name="namesLength">Their <see cref="EnvelopeNames.Length"/>.</param>
    /// <param name="fifo">Whether the topic is FIFO.</param>
    public static EnvelopeSource Create(PublishedMessage message, EnvelopeNames names, int namesLength, bool fifo)
    {
        var attributes = SortedByName(message.DeliveredAttributes);
        var sequenceNumber = fifo ? message.SequenceNumber : null;
        var publishLength = EnvelopeWriter.PublishLength(message.Utf8Body, message.Subject, sequenceNumber, attributes, fifo);
        return new EnvelopeSource(message, names, namesLength, fifo, attributes, sequenceNumber, publishLength);
    }

    /// <summary>This envelope, written from this source's data with its own subscription's names.</summary>
    protected override byte[] Write(object source) => EnvelopeWriter.Write(this, names, fifo);

    /// <summary>The attributes in name order: a topic's small copy's own array when it already is (so not the copy's object as well).</summary>
    private static KeyValuePair<string, MessageAttributeValue>[] SortedByName(IReadOnlyDictionary<string, MessageAttributeValue> attributes)
    {
        switch (attributes)
        {
            case { Count: 0 }:
                return [];
            case SmallAttributeMap small:
                return small.SortedByName();
            default:
                KeyValuePair<string, MessageAttributeValue>[] sorted = [.. attributes];
                Array.Sort(sorted, MessageValidation.ByName);
                return sorted;
        }
    }
}
