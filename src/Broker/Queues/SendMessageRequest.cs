namespace Broker.Queues;

/// <summary>A message to send, as SQS's SendMessage takes it.</summary>
public sealed class SendMessageRequest
{
    /// <summary>A message whose body is <paramref name="body"/> encoded as UTF-8; an unpaired surrogate is kept as an invalid sequence (not replaced by U+FFFD), so the send is refused with <c>InvalidMessageContents</c> as SQS refuses it.</summary>
    /// <param name="body">The body; at least one character, only the characters SQS allows.</param>
    public SendMessageRequest(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Body = Internal.MessageValidation.EncodeBody(body);
        OwnsBody = true;
    }

    /// <summary>A message whose body is <paramref name="body"/>, which must be UTF-8 text SQS accepts. The broker copies it on send.</summary>
    /// <param name="body">The body.</param>
    public SendMessageRequest(ReadOnlyMemory<byte> body) => Body = body;

    /// <summary>A request whose body array nobody will write again (a topic's delivery), so the queue keeps it without a copy.</summary>
    internal SendMessageRequest(byte[] ownedBody, bool owned)
    {
        Body = ownedBody;
        OwnsBody = owned;
    }

    /// <summary>The body, UTF-8.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>True when <see cref="Body"/> is an array this request made and nobody else can write.</summary>
    internal bool OwnsBody { get; }

    /// <summary>
    /// Seconds (0 to 900) the message stays invisible after the send; <see langword="null"/> (the default) takes the
    /// queue's <see cref="QueueOptions.Delay"/>. SQS: <c>DelaySeconds</c>.
    /// </summary>
    public int? DelaySeconds { get; init; }

    /// <summary>Up to 10 message attributes. Every part of every attribute counts toward the size limit.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes { get; init; }

    /// <summary>
    /// The message group: required on a FIFO queue (order is kept within a group); on a standard queue the tenant for
    /// SQS fair queues, optional. 1 to 128 letters, digits and punctuation; returned as the <c>MessageGroupId</c> system attribute.
    /// </summary>
    public string? MessageGroupId { get; init; }

    /// <summary>
    /// FIFO only: a send with the same id within 5 minutes is accepted but not delivered again. 1 to 128 letters, digits
    /// and punctuation. Required unless the queue has <see cref="QueueOptions.ContentBasedDeduplication"/>.
    /// </summary>
    public string? MessageDeduplicationId { get; init; }
}
