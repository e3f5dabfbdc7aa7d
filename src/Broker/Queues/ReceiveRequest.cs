namespace Broker.Queues;

/// <summary>A receive, as SQS's ReceiveMessage takes it.</summary>
public sealed class ReceiveRequest
{
    /// <summary>The most messages to return, 1 to 10. Default 1.</summary>
    public int MaxNumberOfMessages { get; init; } = 1;

    /// <summary>
    /// How long to wait for a message when none is available, 0 to 20 s; <see langword="null"/> (the default) takes the
    /// queue's <see cref="QueueOptions.ReceiveMessageWaitTime"/>. The receive returns as soon as one message is available.
    /// SQS: <c>WaitTimeSeconds</c>.
    /// </summary>
    public TimeSpan? WaitTime { get; init; }

    /// <summary>The visibility timeout for the messages this receive returns, 0 to 12 h in whole seconds; <see langword="null"/> takes the queue's.</summary>
    public TimeSpan? VisibilityTimeout { get; init; }

    /// <summary>
    /// The message attributes to return: names, <c>All</c>, <c>.*</c>, or prefixes such as <c>order.*</c>.
    /// Default none, as in SQS.
    /// </summary>
    public IReadOnlyList<string>? MessageAttributeNames { get; init; }

    /// <summary>
    /// FIFO only: a retry of a receive with the same id within 5 minutes returns the same messages and receipt handles,
    /// as long as none of them was deleted or had its visibility changed. 1 to 128 letters, digits and punctuation.
    /// </summary>
    public string? ReceiveRequestAttemptId { get; init; }

    /// <summary>
    /// The system attributes to return, from <see cref="MessageSystemAttributeNames"/>, or <c>All</c>. Default none, as in SQS.
    /// </summary>
    public IReadOnlyList<string>? MessageSystemAttributeNames { get; init; }
}
