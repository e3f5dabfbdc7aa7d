using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Topics.Internal;

/// <summary>
/// A queue subscription's SNS envelope, written when the message's body is first read rather than at the publish: the
/// queue holds this (40 bytes) and the publish's <see cref="EnvelopeSource"/>, which every queue subscription of the
/// publish shares, instead of an envelope of a few hundred bytes each from the moment of the publish. Its length is known
/// at the publish (<see cref="EnvelopeWriter.Length"/>), so the queue's size checks and counts are those of the envelope.
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
        if (message.QueueEnvelope(fifo) is not { } source)
        {
            body = default;
            return false;
        }

        body = new EnvelopeBody(source, names, namesLength, fifo).AsMemory();
        return true;
    }

    protected override byte[] Write(object source) => EnvelopeWriter.Write((EnvelopeSource)source, names, fifo);
}

/// <summary>
/// What a publish's queue envelopes are written from, made once for all its queue subscriptions: the default body's
/// UTF-8 (the publish's own array), subject, id, time, FIFO sequence number and attributes, and the envelope's length but
/// for the subscription's names. Not the published string, which would keep twice the body's bytes alive.
/// </summary>
internal sealed class EnvelopeSource
{
    public EnvelopeSource(PublishedMessage message, bool fifo)
    {
        MessageGuid = message.MessageGuid;
        Timestamp = message.Timestamp;
        Utf8Text = message.Utf8Body;
        Subject = message.Subject;
        SequenceNumber = fifo ? message.SequenceNumber : null;
        Attributes = message.DeliveredAttributes;
        PublishLength = EnvelopeWriter.PublishLength(Utf8Text, Subject, SequenceNumber, Attributes, fifo);
    }

    public Guid MessageGuid { get; }

    public DateTimeOffset Timestamp { get; }

    /// <summary>The default body as UTF-8; never written.</summary>
    public byte[] Utf8Text { get; }

    public string? Subject { get; }

    /// <summary>FIFO topics: the sequence number as SNS formats it; null on standard topics.</summary>
    public string? SequenceNumber { get; }

    public IReadOnlyDictionary<string, MessageAttributeValue> Attributes { get; }

    /// <summary><see cref="EnvelopeWriter.PublishLength"/> of this publish.</summary>
    public int PublishLength { get; }
}
