using System.Collections.Concurrent;

namespace Broker.Queues.Internal;

/// <summary>
/// Callers parked until something changes: receivers long-polling for a message, senders waiting for room in a capped
/// queue. Producers of the change wake them; nobody polls.
/// <para>
/// No lost wake-up: a waiter registers (an interlocked increment and a queue append, both full fences) and then
/// re-checks its condition; a producer publishes its change (also fenced) and then reads <see cref="waiting"/>.
/// Either the producer sees the waiter or the waiter sees the change. A woken waiter only learns that it is worth
/// trying again; it competes for the message like any other caller.
/// </para>
/// </summary>
internal sealed class WaiterList
{
    private readonly ConcurrentQueue<Waiter> queue = new();
    private int waiting;

    public bool HasWaiters => Volatile.Read(ref waiting) != 0;

    public Waiter Register()
    {
        // Waiters that timed out stay queued until someone dequeues them; trim them from the head here.
        while (queue.TryPeek(out var head) && head.IsCompleted && queue.TryDequeue(out var removed))
        {
            if (!removed.IsCompleted)
            {
                removed.TryComplete(true);
            }
        }

        var waiter = new Waiter(this);
        Interlocked.Increment(ref waiting);
        queue.Enqueue(waiter);
        return waiter;
    }

    /// <summary>Wakes up to <paramref name="count"/> waiters.</summary>
    public void Wake(int count)
    {
        if (Volatile.Read(ref waiting) == 0)
        {
            return;
        }

        while (count > 0 && queue.TryDequeue(out var waiter))
        {
            if (waiter.TryComplete(true))
            {
                count--;
            }
        }
    }

    public void WakeAll() => Wake(int.MaxValue);

    internal void OnCompleted() => Interlocked.Decrement(ref waiting);
}

/// <summary>One parked caller. Completes once: true when woken, false when its wait ran out.</summary>
internal sealed class Waiter(WaiterList owner) : TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public bool IsCompleted => Task.IsCompleted;

    public bool TryComplete(bool woken)
    {
        if (!TrySetResult(woken))
        {
            return false;
        }

        owner.OnCompleted();
        return true;
    }

    public void TryCancel(CancellationToken cancellationToken)
    {
        if (TrySetCanceled(cancellationToken))
        {
            owner.OnCompleted();
        }
    }

    /// <summary>Waits until woken (true), until <paramref name="timeout"/> passes on <paramref name="time"/> (false), or until cancelled (throws).</summary>
    public async ValueTask<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = timeout == Timeout.InfiniteTimeSpan
            ? null
            : time.CreateTimer(static state => ((Waiter)state!).TryComplete(false), this, timeout, Timeout.InfiniteTimeSpan);
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).TryCancel(token), this)
            : default;
        return await Task.ConfigureAwait(false);
    }
}
