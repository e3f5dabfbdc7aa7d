using Broker.Streams;
using Broker.Streams.Processing;

namespace Broker.Hosting.Internal;

/// <summary>
/// The <see cref="IRecordProcessor"/> of one shard, behaving as a Lambda Kinesis event source mapping: records read by
/// the <see cref="StreamProcessor"/> wait in <see cref="pending"/> until a batch of <see cref="StreamConsumerOptions.BatchSize"/>
/// is full or the batching window ends, then the handler gets them, in shard order, one batch at a time; a batch is
/// checkpointed when it succeeded or was given up.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="turn"/> is held by whoever hands records to the handler (a read of the processor, or the window timer) and
/// guards every field below it, so one shard never runs two batches at once and batches keep shard order. The window timer
/// only queues a flush to the thread pool; the flush takes the turn like a read does.
/// </para>
/// <para>
/// Stopping: the processor cancels the read's token; the invocation running then finishes with the handler token (the
/// host's), is checkpointed, and no further batch or retry starts. Records still pending are not checkpointed: the next
/// owner of the shard reads them again. The semaphore is never disposed: it holds no wait handle, and a window flush may
/// still be queued when the shard ends.
/// </para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The semaphore holds no wait handle; see remarks.")]
internal sealed partial class ShardBatcher(StreamConsumerContext consumer, string shardId) : IRecordProcessor
{
    private readonly SemaphoreSlim turn = new(1, 1);

    /// <summary>Records read and not yet checkpointed, in shard order; guarded by <see cref="turn"/>.</summary>
    private readonly List<StreamRecord> pending = [];

    /// <summary>The shard's checkpointer, from the first read; guarded by <see cref="turn"/>.</summary>
    private ICheckpointer? checkpointer;

    /// <summary>From the last read; guarded by <see cref="turn"/>.</summary>
    private long millisBehindLatest;

    /// <summary>When the batch being gathered must be handed over (valid while <see cref="pending"/> is not empty); guarded by <see cref="turn"/>.</summary>
    private DateTimeOffset windowEnd;

    /// <summary>The window end <see cref="windowTimer"/> was armed for; guarded by <see cref="turn"/>.</summary>
    private DateTimeOffset armedFor;

    /// <summary>The window timer, if armed; swapped with Interlocked (shutdown disposes it without the turn).</summary>
    private ITimer? windowTimer;

    /// <summary>The processor's token for this shard, from <see cref="InitializeAsync"/>: cancelled when the lease is lost or the worker stops.</summary>
    private CancellationToken lifetime;

    /// <summary>Set when the shard is no longer ours (lost, ended or shutting down): a queued window flush does nothing.</summary>
    private volatile bool gone;

    private StreamConsumerOptions Options => consumer.Options;

    private DateTimeOffset Now => consumer.Time.GetUtcNow();

    public ValueTask InitializeAsync(InitializationInput input, CancellationToken cancellationToken)
    {
        lifetime = cancellationToken;
        Log.StreamShardStarted(consumer.Logger, consumer.StreamName, shardId, input.Checkpoint);
        return ValueTask.CompletedTask;
    }

    public async ValueTask ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken)
    {
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            checkpointer = input.Checkpointer;
            millisBehindLatest = input.MillisBehindLatest;
            if (pending.Count == 0)
            {
                windowEnd = Now + Options.MaximumBatchingWindow;
            }

            pending.AddRange(input.Records);
            await FlushAsync(force: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            turn.Release();
        }
    }

    public async ValueTask ShardEndedAsync(ICheckpointer checkpointer, CancellationToken cancellationToken)
    {
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Every record of the closed shard is handled before SHARD_END lets its children start.
            this.checkpointer = checkpointer;
            await FlushAsync(force: true, cancellationToken).ConfigureAwait(false);
            await checkpointer.CheckpointAsync(consumer.HandlerToken).ConfigureAwait(false);
            gone = true;
            DisposeWindowTimer();
            Log.StreamShardEnded(consumer.Logger, shardId, consumer.StreamName);
        }
        finally
        {
            turn.Release();
        }
    }

    public async ValueTask ShutdownRequestedAsync(ICheckpointer checkpointer, CancellationToken cancellationToken)
    {
        gone = true;
        DisposeWindowTimer();
        try
        {
            // A batch the window timer started may still run: it finishes (and is checkpointed) before the lease goes.
            await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
            pending.Clear();
            turn.Release();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout ended first; the handler's token is cancelled too.
        }
    }

    public ValueTask LeaseLostAsync(CancellationToken cancellationToken)
    {
        gone = true;
        DisposeWindowTimer();
        Log.StreamShardLeaseLost(consumer.Logger, consumer.StreamName, shardId);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Hands pending records to the handler, a batch at a time, while a batch is due: it is full, the window has ended,
    /// there is no window, or <paramref name="force"/>. Otherwise arms the window timer. Holds the turn.
    /// </summary>
    private async Task FlushAsync(bool force, CancellationToken cancellationToken)
    {
        var window = Options.MaximumBatchingWindow;
        while (pending.Count > 0)
        {
            if (!force && pending.Count < Options.BatchSize && window > TimeSpan.Zero && Now < windowEnd)
            {
                ArmWindowTimer();
                return;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var batch = new StreamRecord[Math.Min(Options.BatchSize, pending.Count)];
            pending.CopyTo(0, batch, 0, batch.Length);
            await HandleAsync(new ArraySegment<StreamRecord>(batch), priorInvocations: 0, cancellationToken).ConfigureAwait(false);

            // What is left starts a batch of its own, with a window of its own.
            windowEnd = Now + window;
        }
    }

    /// <summary>Arms the timer for <see cref="windowEnd"/>, unless it already is. Holds the turn.</summary>
    private void ArmWindowTimer()
    {
        if (Volatile.Read(ref windowTimer) is not null && armedFor == windowEnd)
        {
            return;
        }

        armedFor = windowEnd;
        var timer = consumer.Time.CreateTimer(
            static state => ThreadPool.UnsafeQueueUserWorkItem(static batcher => _ = batcher.FlushWindowAsync(), (ShardBatcher)state!, preferLocal: false),
            this,
            windowEnd - Now,
            Timeout.InfiniteTimeSpan);
        Interlocked.Exchange(ref windowTimer, timer)?.Dispose();
        if (gone)
        {
            DisposeWindowTimer();
        }
    }

    private void DisposeWindowTimer() => Interlocked.Exchange(ref windowTimer, null)?.Dispose();

    /// <summary>The window timer fired: hand over what was gathered, on a thread-pool thread.</summary>
    private async Task FlushWindowAsync()
    {
        try
        {
            await turn.WaitAsync(lifetime).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (gone)
            {
                return;
            }

            DisposeWindowTimer();
            await FlushAsync(force: false, lifetime).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested || consumer.HandlerToken.IsCancellationRequested)
        {
            // Stopping or lost: the records after the checkpoint go to the next owner.
        }
        catch (LeaseLostException)
        {
            gone = true; // LeaseLostAsync logs it.
        }
#pragma warning disable CA1031 // Nobody awaits a timer's flush: log, and try again later rather than leave the records waiting.
        catch (Exception error)
#pragma warning restore CA1031
        {
            var delay = consumer.RetryDelay(1);
            delay = delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delay;
            Log.StreamWindowFlushFailed(consumer.Logger, error, shardId, consumer.StreamName, delay);
            windowEnd = Now + delay;
            ArmWindowTimer();
        }
        finally
        {
            turn.Release();
        }
    }
}
