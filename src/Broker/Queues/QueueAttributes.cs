namespace Broker.Queues;

/// <summary>
/// A snapshot of a queue's settings and counters, as SQS's GetQueueAttributes reports them. The counters are exact
/// at the moment of the snapshot (SQS calls them approximate and may lag by a minute; code written for SQS that
/// tolerates lag also accepts exact values).
/// </summary>
public sealed record QueueAttributes
{
    /// <summary>The queue's settings.</summary>
    public required QueueOptions Options { get; init; }

    /// <summary>The queue's ARN, <c>arn:aws:sqs:{region}:{account}:{name}</c>.</summary>
    public required string QueueArn { get; init; }

    /// <summary>Messages available for receive. SQS: <c>ApproximateNumberOfMessages</c>.</summary>
    public required long ApproximateNumberOfMessages { get; init; }

    /// <summary>Messages received and not yet deleted or returned. SQS: <c>ApproximateNumberOfMessagesNotVisible</c>.</summary>
    public required long ApproximateNumberOfMessagesNotVisible { get; init; }

    /// <summary>Messages still inside their delay. SQS: <c>ApproximateNumberOfMessagesDelayed</c>.</summary>
    public required long ApproximateNumberOfMessagesDelayed { get; init; }

    /// <summary>When the queue was created.</summary>
    public required DateTimeOffset CreatedTimestamp { get; init; }

    /// <summary>When the queue's attributes last changed (its creation time if never).</summary>
    public required DateTimeOffset LastModifiedTimestamp { get; init; }
}
