namespace Broker.Queues;

/// <summary>Starts moving messages out of a dead-letter queue, as SQS's StartMessageMoveTask takes it.</summary>
public sealed class StartMessageMoveTaskRequest
{
    /// <summary>The dead-letter queue to move messages from, by name or ARN. It must be the dead-letter queue of some queue.</summary>
    public required string SourceArn { get; init; }

    /// <summary>Where to move them, by name or ARN; <see langword="null"/> (the default) sends each message back to the queue it was dead-lettered from.</summary>
    public string? DestinationArn { get; init; }

    /// <summary>The most messages moved per second, 1 to 500; <see langword="null"/> (the default) moves them as fast as the broker can.</summary>
    public int? MaxNumberOfMessagesPerSecond { get; init; }
}

/// <summary>The state of a message move task, as SQS names them.</summary>
public enum MessageMoveTaskStatus
{
    /// <summary>Moving messages.</summary>
    Running,

    /// <summary>Every message that was in the dead-letter queue when the task started has been moved.</summary>
    Completed,

    /// <summary>Being cancelled.</summary>
    Cancelling,

    /// <summary>Cancelled; messages already moved stay where they were moved to.</summary>
    Cancelled,

    /// <summary>Stopped by an error; see <see cref="MessageMoveTaskInfo.FailureReason"/>.</summary>
    Failed,
}

/// <summary>A message move task as SQS's ListMessageMoveTasks reports it.</summary>
public sealed record MessageMoveTaskInfo
{
    /// <summary>The handle to cancel the task with; only while it runs.</summary>
    public string? TaskHandle { get; init; }

    /// <summary>The task's state.</summary>
    public required MessageMoveTaskStatus Status { get; init; }

    /// <summary>The dead-letter queue's ARN.</summary>
    public required string SourceArn { get; init; }

    /// <summary>The destination's ARN, or <see langword="null"/> when messages go back to their own source queues.</summary>
    public string? DestinationArn { get; init; }

    /// <summary>The rate limit, or <see langword="null"/> when none was given.</summary>
    public int? MaxNumberOfMessagesPerSecond { get; init; }

    /// <summary>Messages moved so far.</summary>
    public required long ApproximateNumberOfMessagesMoved { get; init; }

    /// <summary>Messages in the dead-letter queue when the task started.</summary>
    public required long ApproximateNumberOfMessagesToMove { get; init; }

    /// <summary>Why the task failed, for example <c>AWS.SimpleQueueService.NonExistentQueue</c>.</summary>
    public string? FailureReason { get; init; }

    /// <summary>When the task started.</summary>
    public required DateTimeOffset StartedTimestamp { get; init; }
}
