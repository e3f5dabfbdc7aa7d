using System.Security.Cryptography;

namespace Broker.Queues.Internal;

/// <summary>
/// One StartMessageMoveTask: moves the messages of a dead-letter queue, each to the destination or back to the queue it
/// was dead-lettered from, at most <c>MaxNumberOfMessagesPerSecond</c> a second on the broker's clock. Cold path: every
/// step runs under the task's own lock; the queues it touches are used through their lock-free operations.
/// </summary>
internal sealed class MessageMoveTask : IDisposable
{
    private readonly MessageBroker broker;
    private readonly string sourceName;
    private readonly string? destinationName;
    /// <summary>Serialises a task's steps, cancel and snapshot: move tasks are administration, a cold path.</summary>
    private readonly Lock gate = new();
    private readonly ITimer timer;
    private MessageMoveTaskStatus status = MessageMoveTaskStatus.Running;
    private long moved;
    private string? failureReason;

    public MessageMoveTask(MessageBroker broker, MessageQueue source, MessageQueue? destination, int? maxPerSecond)
    {
        this.broker = broker;
        sourceName = source.Name;
        SourceArn = source.Arn;
        destinationName = destination?.Name;
        DestinationArn = destination?.Arn;
        MaxPerSecond = maxPerSecond;
        ToMove = source.GetAttributes().ApproximateNumberOfMessages;
        StartedAt = broker.TimeProvider.GetUtcNow();
        Handle = Base64UrlHandle();
        timer = broker.TimeProvider.CreateTimer(static state => ((MessageMoveTask)state!).Step(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string Handle { get; }

    public string SourceArn { get; }

    public string? DestinationArn { get; }

    public int? MaxPerSecond { get; }

    public long ToMove { get; }

    public DateTimeOffset StartedAt { get; }

    public bool IsActive
    {
        get
        {
            lock (gate)
            {
                return status is MessageMoveTaskStatus.Running or MessageMoveTaskStatus.Cancelling;
            }
        }
    }

    /// <summary>Moves the first second's worth at once, then one second's worth per second until done.</summary>
    public void Start()
    {
        Step();
        lock (gate)
        {
            if (status == MessageMoveTaskStatus.Running)
            {
                timer.Change(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            }
        }
    }

    public long Cancel()
    {
        lock (gate)
        {
            if (status == MessageMoveTaskStatus.Running)
            {
                // Moves happen whole inside a step, so nothing is half done: the task is cancelled at once.
                status = MessageMoveTaskStatus.Cancelled;
                timer.Dispose();
            }

            return moved;
        }
    }

    public MessageMoveTaskInfo Snapshot()
    {
        lock (gate)
        {
            return new MessageMoveTaskInfo
            {
                TaskHandle = status == MessageMoveTaskStatus.Running ? Handle : null,
                Status = status,
                SourceArn = SourceArn,
                DestinationArn = DestinationArn,
                MaxNumberOfMessagesPerSecond = MaxPerSecond,
                ApproximateNumberOfMessagesMoved = moved,
                ApproximateNumberOfMessagesToMove = ToMove,
                FailureReason = failureReason,
                StartedTimestamp = StartedAt,
            };
        }
    }

    public void Dispose() => timer.Dispose();

    private void Step()
    {
        lock (gate)
        {
            if (status != MessageMoveTaskStatus.Running)
            {
                return;
            }

            var source = broker.FindQueue(sourceName);
            if (source is null)
            {
                Finish(MessageMoveTaskStatus.Failed, "AWS.SimpleQueueService.NonExistentQueue");
                return;
            }

            for (var budget = MaxPerSecond ?? int.MaxValue; budget > 0 && moved < ToMove; budget--)
            {
                var fixedDestination = destinationName is null ? null : broker.FindQueue(destinationName);
                if (destinationName is not null && fixedDestination is null)
                {
                    Finish(MessageMoveTaskStatus.Failed, "AWS.SimpleQueueService.NonExistentQueue");
                    return;
                }

                if (!source.TryTakeForMove(out var message, out var receiveCount, out var firstReceiveAt))
                {
                    break;
                }

                var destination = fixedDestination ?? OriginalSource(message);
                if (destination is null || !destination.AcceptRedriven(message))
                {
                    // Never lose a message: it goes back where it was, under its own id, and the task stops. It gets
                    // extras of its own: in a FIFO queue the old ones may still sit in its group's stack, as its node.
                    source.AcceptDeadLetter(message.Body, MessageExtras.KeepingId(message.Extras, source.MessageIdOf(message)), message.SentAt, receiveCount, firstReceiveAt);
                    source.RecordMovedOut(message);
                    Finish(MessageMoveTaskStatus.Failed, "AWS.SimpleQueueService.NonExistentQueue");
                    return;
                }

                source.RecordMovedOut(message); // after the destination's record: a crash in between duplicates, never loses
                moved++;
            }

            if (moved >= ToMove || source.VisibleCount == 0)
            {
                Finish(MessageMoveTaskStatus.Completed, null);
            }
        }
    }

    private MessageQueue? OriginalSource(QueueMessage message) =>
        message.Extras?.DeadLetterSourceArn is { } arn && RedriveSettings.ResolveName(arn, broker.Options) is { } name ? broker.FindQueue(name) : null;

    private void Finish(MessageMoveTaskStatus final, string? reason)
    {
        status = final;
        failureReason = reason;
        timer.Dispose();
    }

    private static string Base64UrlHandle() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));
}
