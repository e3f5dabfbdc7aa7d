namespace Broker.Queues.Internal;

/// <summary>What the gauges and <see cref="QueueAttributes"/> read: the counters and the age of the oldest message (cold paths).</summary>
internal sealed partial class MessageQueue
{
    /// <summary>CloudWatch leaves a message out of the age once it has been received this many times (a poison pill).</summary>
    private const int PoisonPillReceiveCount = 3;

    /// <summary>Messages available for receive (never negative, though a change under way may be half counted).</summary>
    internal long VisibleCount => Math.Max(0, visibleCount.Read());

    /// <summary>Messages in flight.</summary>
    internal long InFlightCount => Math.Max(0, inFlightCount.Read());

    /// <summary>Messages inside their delay.</summary>
    internal long DelayedCount => Math.Max(0, delayedCount.Read());

    /// <summary>
    /// CloudWatch's ApproximateAgeOfOldestMessage: how long ago the oldest message that is visible or in flight was
    /// sent; zero when there is none. A message back from a visibility timeout counts from its original send; a delayed
    /// message does not count until its delay ends; a dead-lettered message counts from its move into this queue; a
    /// message received three times or more in this queue is left out (CloudWatch's rule for poison pills).
    /// <para>
    /// Cold path, lock-free: one look at the head of the never-received messages (they sit in send order) and one pass
    /// over the slot table, which holds the received, delayed and dead-lettered messages (every message of a FIFO queue).
    /// </para>
    /// </summary>
    internal TimeSpan AgeOfOldestMessage()
    {
        var oldest = long.MaxValue;
        if (!isFifo && visible.TryFindFirst(static message => IsNeverReceived(Volatile.Read(ref message.State)), out var head))
        {
            oldest = head.SentAt;
        }

        var count = slots.HighWater;
        for (var i = 0; i < count; i++)
        {
            if (!slots.Exists(i) || Volatile.Read(ref slots[i].Message) is not { } message)
            {
                continue;
            }

            var state = Volatile.Read(ref message.State);
            var status = MessageState.Status(state);
            if (MessageState.Slot(state) != i || status is not (MessageStatus.Visible or MessageStatus.InFlight))
            {
                continue;
            }

            var extras = message.Extras;
            if (MessageState.ReceiveCount(state) - (extras?.DeadLetteredReceiveCount ?? 0) >= PoisonPillReceiveCount)
            {
                continue;
            }

            var since = extras is { DeadLetteredAt: > 0 } ? extras.DeadLetteredAt : message.SentAt;
            oldest = Math.Min(oldest, since);
        }

        return oldest == long.MaxValue ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Max(0, Now() - oldest));
    }

    /// <summary>A visible message without a slot: sent, never delayed nor received, so it sits in send order.</summary>
    private static bool IsNeverReceived(long state) =>
        MessageState.Status(state) == MessageStatus.Visible && MessageState.Slot(state) < 0;
}
