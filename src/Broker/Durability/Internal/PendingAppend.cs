using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace Broker.Durability.Internal;

/// <summary>
/// The completion a caller awaits for its record (<see cref="QueuedRecord.Waiter"/>). Pooled: the caller's
/// <c>GetResult</c> returns it to the pool, so a steady stream of awaited appends allocates nothing per record. Records
/// nobody awaits (under <see cref="DurabilityPolicy.Batched"/>, nearly all) need none.
/// </summary>
internal sealed class PendingAppend : IValueTaskSource, IThreadPoolWorkItem
{
    private const int PoolLimit = 4096;

    private static readonly ConcurrentQueue<PendingAppend> Pool = new();
    private static int pooled; // instances in Pool, about (ConcurrentQueue.Count takes a snapshot)

    // Continuations run on the thread pool, never on the journal's writer loop, which must not run callers' code: the
    // writer queues the append itself as a work item (Execute), which completes it there and runs the continuation.
    private ManualResetValueTaskSourceCore<bool> completion = new() { RunContinuationsAsynchronously = false };
    private Exception? error;

    /// <summary>Takes a pooled instance, or a new one.</summary>
    public static PendingAppend Rent()
    {
        if (Pool.TryDequeue(out var append))
        {
            Interlocked.Decrement(ref pooled);
            return append;
        }

        return new PendingAppend();
    }

    /// <summary>The awaitable the caller gets.</summary>
    public ValueTask AsValueTask() => new(this, completion.Version);

    /// <summary>
    /// Completes the caller's await (the record is as durable as the policy promises) on a thread-pool thread. The work
    /// item goes to the pool's global queue, first in first out, so the writer loop, which queues itself behind a batch's
    /// completions, runs after their callers have had the threads to append again, and its
    /// next batch holds them; on the local queue of the writer's thread (last in first out, stolen from its other end)
    /// the writer ran first, with few records.
    /// </summary>
    public void Succeed() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    /// <summary>Completes the caller's await with <paramref name="failure"/>, on a thread-pool thread as <see cref="Succeed"/> does.</summary>
    public void Fail(Exception failure)
    {
        error = failure;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Runs on the thread pool: completes the append, which runs the caller's continuation here.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        if (error is { } failed)
        {
            error = null;
            completion.SetException(failed);
        }
        else
        {
            completion.SetResult(true);
        }
    }

    /// <summary>Returns an instance whose completion nobody will await (it was never handed out) to the pool.</summary>
    public void Discard() => ReturnToPool();

    void IValueTaskSource.GetResult(short token)
    {
        try
        {
            completion.GetResult(token);
        }
        finally
        {
            completion.Reset();
            ReturnToPool();
        }
    }

    private void ReturnToPool()
    {
        if (Volatile.Read(ref pooled) < PoolLimit)
        {
            Interlocked.Increment(ref pooled);
            Pool.Enqueue(this);
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => completion.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => completion.OnCompleted(continuation, state, token, flags);
}
