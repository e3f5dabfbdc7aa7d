using Broker.Queues;

namespace Broker.Hosting;

/// <summary>How <see cref="IQueue{T}.SendAsync(T, SendOptions, CancellationToken)"/> sends one message.</summary>
public sealed record SendOptions
{
    /// <summary>
    /// How long the message stays invisible after the send, in whole seconds from 0 to 15 minutes;
    /// <see langword="null"/> (the default) takes the queue's delay. SQS: <c>DelaySeconds</c> (not allowed per message on a FIFO queue).
    /// </summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>The message group: required on a FIFO queue; on a standard queue the fair-queue tenant, optional. Default <see langword="null"/>.</summary>
    public string? MessageGroupId { get; init; }

    /// <summary>FIFO only: deduplicates sends within 5 minutes; required unless the queue has content-based deduplication. Default <see langword="null"/>.</summary>
    public string? MessageDeduplicationId { get; init; }

    /// <summary>
    /// Message attributes, at most 10 (SQS's limit). A typed send adds <c>traceparent</c> (and <c>tracestate</c>) when
    /// there is room and no <c>traceparent</c> is given. Default <see langword="null"/>.
    /// </summary>
    public IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes { get; init; }
}
