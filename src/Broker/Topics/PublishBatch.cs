using Broker.Queues;

namespace Broker.Topics;

/// <summary>One entry of a PublishBatch.</summary>
public sealed class PublishBatchEntry
{
    /// <summary>An entry.</summary>
    /// <param name="id">Unique within the batch: 1 to 80 letters, digits, '-' and '_'.</param>
    /// <param name="message">The body, as <see cref="PublishRequest.Message"/>.</param>
    public PublishBatchEntry(string id, string message)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(message);
        Id = id;
        Message = message;
    }

    /// <summary>The entry's id, echoed in its result.</summary>
    public string Id { get; }

    /// <summary>The body.</summary>
    public string Message { get; }

    /// <summary>As <see cref="PublishRequest.Subject"/>.</summary>
    public string? Subject { get; init; }

    /// <summary>As <see cref="PublishRequest.MessageAttributes"/>.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes { get; init; }

    /// <summary>As <see cref="PublishRequest.MessageStructure"/>.</summary>
    public string? MessageStructure { get; init; }

    /// <summary>As <see cref="PublishRequest.MessageGroupId"/>.</summary>
    public string? MessageGroupId { get; init; }

    /// <summary>As <see cref="PublishRequest.MessageDeduplicationId"/>.</summary>
    public string? MessageDeduplicationId { get; init; }
}

/// <summary>The per-entry outcome of a PublishBatch: every entry is in exactly one of the two lists.</summary>
/// <param name="Successful">The published entries, in entry order.</param>
/// <param name="Failed">The rejected entries, with why.</param>
public sealed record PublishBatchResult(IReadOnlyList<PublishBatchResultEntry> Successful, IReadOnlyList<BatchResultErrorEntry> Failed);

/// <summary>A published batch entry.</summary>
/// <param name="Id">The entry's id.</param>
/// <param name="MessageId">The message's id.</param>
/// <param name="SequenceNumber">FIFO topics: the sequence number.</param>
public sealed record PublishBatchResultEntry(string Id, string MessageId, string? SequenceNumber);
