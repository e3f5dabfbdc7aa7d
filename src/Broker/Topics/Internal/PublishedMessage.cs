using Broker.Queues;

namespace Broker.Topics.Internal;

/// <summary>
/// One accepted publish, immutable once built and shared by every subscription and every retry: its id, body, attributes
/// (copied, so the publisher can reuse its dictionary) and FIFO identity.
/// </summary>
internal sealed class PublishedMessage
{
    /// <summary><see cref="QueueEnvelope"/>'s answer when the envelopes are written as they are sent.</summary>
    private static readonly object NotDeferrable = new();

    private string? messageId;

    // The raw delivery's validated extras, and its size once prepared (0 before: a prepared body is never empty, as the
    // queues refuse one; written after the extras).
    private Queues.Internal.MessageExtras? rawExtras;
    private int rawSize;

    // The queue envelopes' source (EnvelopeSource), NotDeferrable, or null until first asked for.
    private object? queueEnvelope;

    // What only FIFO publishes (and standard ones naming a group) carry, kept apart so that the usual publish, made and
    // dropped at every call, is a smaller object.
    private FifoIdentity? identity;

    private readonly long timestampTicks;

    public PublishedMessage(Guid messageGuid, string message, byte[] utf8Body, string? subject, IReadOnlyDictionary<string, MessageAttributeValue> attributes, DateTimeOffset timestamp)
    {
        MessageGuid = messageGuid;
        Message = message;
        Utf8Body = utf8Body;
        Subject = subject;
        Attributes = attributes;
        timestampTicks = timestamp.UtcTicks;
    }

    public Guid MessageGuid { get; }

    /// <summary>The id as text, made when first needed (an envelope, a handler, a result that is read); a raw delivery never needs it.</summary>
    public string MessageId => messageId ??= MessageGuid.ToString();

    /// <summary>The default body.</summary>
    public string Message { get; }

    /// <summary>
    /// The default body as UTF-8, an array of its own: never written after construction, so queues may keep it without
    /// a copy. (Not a stretch of shared pages: the queues a topic delivers to would each keep the pages of every other
    /// subscriber's publishes alive while they hold a message.)
    /// </summary>
    public byte[] Utf8Body { get; }

    public string? Subject { get; }

    /// <summary>The attributes as published: what attribute-scope filter policies see.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue> Attributes { get; }

    /// <summary>
    /// The attributes subscribers receive: the published ones, or none when the message structure is <c>json</c>
    /// (SNS sends message attributes only with the String structure).
    /// </summary>
    public IReadOnlyDictionary<string, MessageAttributeValue> DeliveredAttributes => Structure is null ? Attributes : Empty;

    public static IReadOnlyDictionary<string, MessageAttributeValue> Empty { get; } = new Dictionary<string, MessageAttributeValue>();

    /// <summary>When the publish was accepted, UTC.</summary>
    public DateTimeOffset Timestamp => new(timestampTicks, TimeSpan.Zero);

    /// <summary>The bodies of a <c>json</c> message structure; null with the default (String) structure.</summary>
    public StructuredBodies? Structure { get; init; }

    /// <summary>With <c>MessageStructure</c> <c>json</c>: the body for queue subscribers, when it differs from the default.</summary>
    public string? SqsMessage => Structure?.Sqs;

    /// <summary>With <c>MessageStructure</c> <c>json</c>: the body for handler subscribers, when it differs from the default.</summary>
    public string? LambdaMessage => Structure?.Lambda;

    // The FIFO identity below is written by the publishing thread before the message reaches a subscription or the
    // sequencer (whose enqueue publishes it), never afterwards.
    public string? MessageGroupId
    {
        get => identity?.GroupId;
        set => Identity().GroupId = value;
    }

    public string? DeduplicationId
    {
        get => identity?.DeduplicationId;
        set => Identity().DeduplicationId = value;
    }

    /// <summary>FIFO: the position in the topic's delivery order; 0 on standard topics.</summary>
    public long Sequence
    {
        get => identity?.Sequence ?? 0;
        set => Identity().Sequence = value;
    }

    /// <summary>FIFO: the sequence number as SNS formats it (20 digits).</summary>
    public string? SequenceNumber => identity is { Sequence: not 0 } fifo ? fifo.SequenceText ??= FormatSequence(fifo.Sequence) : null;

    /// <summary>
    /// The raw delivery to standard queues, validated once for every queue subscriber: the default body and the
    /// delivered attributes. Throws what a send of them would throw.
    /// </summary>
    public Queues.Internal.MessageQueue.PreparedDelivery RawDelivery =>
        Volatile.Read(ref rawSize) is var size and not 0 ? new(Utf8Body, rawExtras, size) : PrepareRawDelivery();

    /// <summary>Takes the raw delivery a <see cref="Publication"/> prepared before it made this message (by the publishing thread, before the message is shared).</summary>
    public void AdoptRawDelivery(in Queues.Internal.MessageQueue.PreparedDelivery prepared)
    {
        rawExtras = prepared.Extras;
        Volatile.Write(ref rawSize, prepared.Size);
    }

    /// <summary>Two threads (a publish and a retry) may both prepare it; either result is the same.</summary>
    private Queues.Internal.MessageQueue.PreparedDelivery PrepareRawDelivery()
    {
        var prepared = Queues.Internal.MessageQueue.PrepareDelivery(Utf8Body, DeliveredAttributes.Count > 0 ? DeliveredAttributes : null);
        rawExtras = prepared.Extras;
        Volatile.Write(ref rawSize, prepared.Size);
        return prepared;
    }

    /// <summary>
    /// What the publish's queue envelopes are written from, made once for all its queue subscriptions (and the envelope of
    /// the one whose call made it); null when they must be written as they are sent: a <c>json</c> message structure with
    /// an <c>sqs</c> body (not the default), or a body, subject or attribute with characters a queue refuses in a body,
    /// which the envelope may or may not escape (the send of the written envelope then decides, as it always did).
    /// </summary>
    /// <param name="names">The names of the subscription asking: the source's own envelope is that subscription's.</param>
    /// <param name="namesLength">Their <see cref="EnvelopeNames.Length"/>.</param>
    /// <param name="fifo">Whether the topic is FIFO (the same for every call).</param>
    /// <param name="made">Whether this call made the source, so that its envelope is the caller's to deliver.</param>
    public EnvelopeSource? QueueEnvelope(EnvelopeNames names, int namesLength, bool fifo, out bool made)
    {
        var known = Volatile.Read(ref queueEnvelope);
        made = false;
        if (known is null)
        {
            // Two threads (a publish and a retry) may both make one: each is a whole envelope of its own caller's, and
            // either serves as the source of the rest.
            known = SqsMessage is null && (!fifo || Sequence != 0) && IsQueueText() ? EnvelopeSource.Create(this, names, namesLength, fifo) : NotDeferrable;
            made = known is EnvelopeSource;
            Volatile.Write(ref queueEnvelope, known);
        }

        return known as EnvelopeSource;
    }

    private bool IsQueueText()
    {
        // The string, not its UTF-8: an unpaired surrogate became U+FFFD there, which the string's envelope does not have.
        if (!Queues.Internal.MessageValidation.IsAllowedText(Message)
            || (Subject is not null && !Queues.Internal.MessageValidation.IsAllowedText(Subject)))
        {
            return false;
        }

        if (DeliveredAttributes is SmallAttributeMap small)
        {
            foreach (var (name, value) in small.Entries)
            {
                if (!IsQueueText(name, value))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var (name, value) in DeliveredAttributes)
        {
            if (!IsQueueText(name, value))
            {
                return false;
            }
        }

        return true;

        static bool IsQueueText(string name, MessageAttributeValue value) =>
            Queues.Internal.MessageValidation.IsAllowedText(name) && Queues.Internal.MessageValidation.IsAllowedText(value.DataType)
            && (value.StringValue is null || Queues.Internal.MessageValidation.IsAllowedText(value.StringValue));
    }

    public static string FormatSequence(long sequence) => "1" + sequence.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The FIFO identity, made when first written (by the publishing thread, before the message is shared).</summary>
    private FifoIdentity Identity() => identity ??= new FifoIdentity();

    /// <summary>The bodies a <c>json</c> message structure names for the protocols that differ from its default.</summary>
    /// <param name="Sqs">The body for queue subscribers; null when it is the default.</param>
    /// <param name="Lambda">The body for handler subscribers; null when it is the default.</param>
    public sealed record StructuredBodies(string? Sqs, string? Lambda);

    /// <summary>What only FIFO publishes, and standard ones naming a group, carry.</summary>
    private sealed class FifoIdentity
    {
        /// <summary>The message group id.</summary>
        public string? GroupId;

        /// <summary>The deduplication id (explicit, or the SHA-256 of the message).</summary>
        public string? DeduplicationId;

        /// <summary>The position in the topic's delivery order.</summary>
        public long Sequence;

        /// <summary><see cref="Sequence"/> as SNS formats it, once asked for.</summary>
        public string? SequenceText;
    }
}
