namespace Broker.Topics.Internal;

/// <summary>
/// Group order into a queue subscriber of a FIFO topic when deliveries fail. While a message waits for its retry (its
/// queue was full), every later message to this subscriber waits behind it, so none overtakes it; when the retry goes
/// through, the held-back messages follow in order. This is stricter than per-group order, and simple.
/// <para>
/// Only the failure path takes <see cref="backlogLock"/>: a delivery first reads <see cref="blocked"/>, which is set
/// only while a message waits. <see cref="blocked"/> is cleared, under the lock, only once the waiting message and every
/// held-back one have been sent, so a message held back just before that is sent by the thread that clears it.
/// </para>
/// </summary>
internal sealed partial class QueueSubscription
{
    private readonly Lock backlogLock = new();

    /// <summary>Messages published while another waited for its retry, in publish order; guarded by <see cref="backlogLock"/>.</summary>
    private readonly Queue<PublishedMessage> heldBack = new();

    /// <summary>The message waiting for its retry timer, or <see langword="null"/>; guarded by <see cref="backlogLock"/>.</summary>
    private PublishedMessage? waiting;

    /// <summary>Whether deliveries must queue behind a waiting message; written under <see cref="backlogLock"/>.</summary>
    private volatile bool blocked;

    protected override void ScheduleRetry(PublishedMessage message, int attempt, TimeSpan delay)
    {
        if (Topic.IsFifo)
        {
            lock (backlogLock)
            {
                waiting = message;
                blocked = true;
            }
        }

        base.ScheduleRetry(message, attempt, delay);
    }

    /// <summary>Queues a new delivery behind a waiting one, if there is one.</summary>
    private bool TryHoldBack(PublishedMessage message)
    {
        if (!blocked)
        {
            return false;
        }

        lock (backlogLock)
        {
            if (!blocked)
            {
                return false;
            }

            heldBack.Enqueue(message);
            return true;
        }
    }

    /// <summary>The waiting message's retry is due: send it, then the held-back ones in order, until one has to wait again.</summary>
    private void DrainBacklog(PublishedMessage retried, int attempt)
    {
        lock (backlogLock)
        {
            waiting = null;
        }

        var next = retried;
        while (true)
        {
            Send(next, attempt);
            lock (backlogLock)
            {
                if (waiting is not null)
                {
                    return; // it failed again and waits for its own timer; later messages stay held back
                }

                if (!IsActive || heldBack.Count == 0)
                {
                    heldBack.Clear();
                    blocked = false;
                    return;
                }

                next = heldBack.Dequeue();
                attempt = 1;
            }
        }
    }
}
