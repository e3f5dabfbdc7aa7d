namespace Broker.Queues;

/// <summary>One entry of a send batch: an id unique within the batch and the message, as in SQS's SendMessageBatch.</summary>
public sealed class SendMessageBatchEntry
{
    /// <summary>An entry whose body is <paramref name="body"/> encoded as UTF-8; an unpaired surrogate is kept as an invalid sequence (not replaced by U+FFFD), so the send is refused with <c>InvalidMessageContents</c> as SQS refuses it.</summary>
    /// <param name="id">Unique within the batch; up to 80 letters, digits, '-' and '_'.</param>
    /// <param name="body">The body.</param>
    public SendMessageBatchEntry(string id, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Id = id;
        Body = Internal.MessageValidation.EncodeBody(body);
        OwnsBody = true;
    }

    /// <summary>An entry whose body is the UTF-8 text <paramref name="body"/>, copied on send.</summary>
    /// <param name="id">Unique within the batch; up to 80 letters, digits, '-' and '_'.</param>
    /// <param name="body">The body.</param>
    public SendMessageBatchEntry(string id, ReadOnlyMemory<byte> body)
    {
        Id = id;
        Body = body;
    }

    /// <summary>The entry id, echoed in the result.</summary>
    public string Id { get; }

    /// <summary>The body, UTF-8.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    internal bool OwnsBody { get; }

    /// <summary>Seconds (0 to 900) of delay; <see langword="null"/> takes the queue's delay.</summary>
    public int? DelaySeconds { get; init; }

    /// <summary>Up to 10 message attributes.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes { get; init; }

    /// <summary>The message group: required on a FIFO queue, the fair-queue tenant (optional) on a standard queue.</summary>
    public string? MessageGroupId { get; init; }

    /// <summary>
    /// FIFO only: a send with the same id within 5 minutes is accepted but not delivered again. 1 to 128 letters, digits
    /// and punctuation. Required unless the queue has <see cref="QueueOptions.ContentBasedDeduplication"/>.
    /// </summary>
    public string? MessageDeduplicationId { get; init; }
}
