using System.Collections.Concurrent;

namespace Broker.Queues.Internal;

/// <summary>
/// Callers parked until something changes: receivers long-polling for a message, senders waiting for room in a capped
/// queue. Producers of the change wake them; nobody polls.
/// <para>
/// No lost wake-up: a waiter registers (an interlocked increment and a queue append, both full fences) and then
/// re-checks its condition; a producer publishes its change and then, behind a full fence in <see cref="Wake"/>, reads
/// <see cref="waiting"/> (a publishing store is often a plain release store, which alone may pass the later read).
/// Either the producer sees the waiter or the waiter sees the change. A woken waiter only learns that it is worth
/// trying again; it competes for the message like any other caller.
/// </para>
/// </summary>
internal sealed class WaiterList
{
    private readonly ConcurrentQueue<Waiter> queue = new();
    private int waiting;

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
        // The caller has just published what a waiter waits for (a message into a queue, a group made ready) with a
        // plain store, and now reads whether anyone waits: a store then a load of another location, the one reordering
        // x86 (and Arm) allow. Without a full fence the store can still sit in this core's store buffer when a receiver
        // registers (Register: increment, then re-check the queue) and re-checks: the receiver sees no message, this
        // sees no waiter, and the receiver sleeps through its whole long poll with a message in the queue. The fence
        // pairs with the interlocked increment in Register (Dekker's pattern).
        Interlocked.MemoryBarrier();
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

    /// <summary>Starts bringing the waiter count into the cache ahead of a <see cref="Wake"/> (a hint: receivers write it as they park).</summary>
    public void Prefetch() => Broker.Internal.CacheHints.Prefetch(ref waiting);

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
