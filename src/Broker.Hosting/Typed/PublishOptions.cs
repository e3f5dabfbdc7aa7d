using Broker.Queues;

namespace Broker.Hosting;

/// <summary>How <see cref="ITopic{T}.PublishAsync(T, PublishOptions, CancellationToken)"/> publishes one message.</summary>
public sealed record PublishOptions
{
    /// <summary>The envelope's <c>Subject</c>: at most 100 printable ASCII characters. Default <see langword="null"/>.</summary>
    public string? Subject { get; init; }

    /// <summary>FIFO topics: the message group, required; 1 to 128 characters. Default <see langword="null"/>.</summary>
    public string? MessageGroupId { get; init; }

    /// <summary>FIFO topics: the deduplication id, required unless the topic has content-based deduplication. Default <see langword="null"/>.</summary>
    public string? MessageDeduplicationId { get; init; }

    /// <summary>
    /// Message attributes, at most 10 for raw delivery to queues; what attribute-scope filter policies match. A typed
    /// publish adds <c>traceparent</c> (and <c>tracestate</c>) when there is room and none is given. Default <see langword="null"/>.
    /// </summary>
    public IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes { get; init; }
}
