using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace Broker.Durability.Internal;

/// <summary>
/// One framed record on its way to the journal, and the completion its caller awaits. Pooled: the caller's
/// <c>GetResult</c> returns it to the pool, so a steady stream of appends allocates nothing per record.
/// </summary>
internal sealed class PendingAppend : IValueTaskSource, IThreadPoolWorkItem
{
    private const int PoolLimit = 4096;

    private static readonly ConcurrentQueue<PendingAppend> Pool = new();

    // Continuations run on the thread pool, never on the journal's writer loop, which must not run callers' code: the
    // writer queues the append itself as a work item (Execute), which completes it there and runs the continuation.
    private ManualResetValueTaskSourceCore<bool> completion = new() { RunContinuationsAsynchronously = false };
    private Exception? error;

    /// <summary>The frame, in a buffer rented from <see cref="ArrayPool{T}.Shared"/>; the writer returns it.</summary>
    public byte[] Frame { get; private set; } = [];

    /// <summary>The frame's length within <see cref="Frame"/>.</summary>
    public int Length { get; private set; }

    /// <summary>
    /// Whether a caller awaits this append. An unobserved one (a receive's record, which no caller waits for) is
    /// returned to the pool by the writer once written.
    /// </summary>
    public bool Observed { get; private set; }

    /// <summary>Takes a pooled instance (or a new one) for a frame of <paramref name="length"/> bytes in <paramref name="frame"/>.</summary>
    public static PendingAppend Rent(byte[] frame, int length, bool observed = true)
    {
        if (!Pool.TryDequeue(out var append))
        {
            append = new PendingAppend();
        }

        append.Frame = frame;
        append.Length = length;
        append.Observed = observed;
        return append;
    }

    /// <summary>The awaitable the caller gets.</summary>
    public ValueTask AsValueTask() => new(this, completion.Version);

    /// <summary>Hands the frame buffer back to the array pool; the writer calls it once the bytes are in the pipe or the append failed.</summary>
    public void ReleaseFrame()
    {
        if (Frame.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Frame);
            Frame = [];
        }
    }

    /// <summary>
    /// Completes the caller's await (the record is as durable as the policy promises) on a thread-pool thread. The work
    /// item goes to the pool's global queue, first in first out, so the writer loop, which queues itself behind a batch's
    /// completions, runs after their callers have had the threads to append again, and its
    /// next batch holds them; on the local queue of the writer's thread (last in first out, stolen from its other end)
    /// the writer ran first, with few records.
    /// </summary>
    public void Succeed()
    {
        if (Observed)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else
        {
            Discard();
        }
    }

    /// <summary>Completes the caller's await with <paramref name="failure"/>, on a thread-pool thread as <see cref="Succeed"/> does.</summary>
    public void Fail(Exception failure)
    {
        if (Observed)
        {
            error = failure;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else
        {
            Discard();
        }
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
    public void Discard()
    {
        ReleaseFrame();
        if (Pool.Count < PoolLimit)
        {
            Pool.Enqueue(this);
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        try
        {
            completion.GetResult(token);
        }
        finally
        {
            completion.Reset();
            if (Pool.Count < PoolLimit)
            {
                Pool.Enqueue(this);
            }
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => completion.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => completion.OnCompleted(continuation, state, token, flags);
}
