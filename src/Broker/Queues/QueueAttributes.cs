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

    /// <summary>
    /// The age of the oldest message not yet deleted; <see cref="TimeSpan.Zero"/> when there is none. This is
    /// CloudWatch's <c>ApproximateAgeOfOldestMessage</c> metric, which SQS's GetQueueAttributes does not return (so
    /// <see cref="IMessageQueue.GetAttributes(IEnumerable{string})"/> has no such name); the broker computes it when the
    /// snapshot is taken, with CloudWatch's rules: a message back from a visibility timeout counts from its original
    /// send, a delayed message does not count until its delay ends, a message a redrive policy moved into a dead-letter
    /// queue counts from the move, and a message received three times or more in this queue is left out (a poison pill
    /// would otherwise hold the age up until it is deleted or moved). Exact at the moment of the snapshot, where
    /// CloudWatch reports once a minute.
    /// </summary>
    public TimeSpan ApproximateAgeOfOldestMessage { get; init; }

    /// <summary>When the queue was created.</summary>
    public required DateTimeOffset CreatedTimestamp { get; init; }

    /// <summary>When the queue's attributes last changed (its creation time if never).</summary>
    public required DateTimeOffset LastModifiedTimestamp { get; init; }
}
