using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
using Broker.Internal;

namespace Broker.Durability.Internal;

/// <summary>Settings of a <see cref="JournalWriter"/>.</summary>
internal sealed record JournalWriterOptions
{
    /// <summary>The directory the segments live in; it must exist.</summary>
    public required string Directory { get; init; }

    /// <summary>What a completed append means.</summary>
    public DurabilityPolicy FlushPolicy { get; init; } = DurabilityPolicy.Always;

    /// <summary>Under <see cref="DurabilityPolicy.Batched"/>: the longest time written records wait for a flush to disk.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A segment is closed and the next one started once it holds this many bytes (a larger record gets a segment of its own).</summary>
    public long SegmentSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// <see cref="CompactionNeeded"/> is raised once this many bytes were written since the last compaction (or, after
    /// a compaction, as many as the compacted state took, if that is more): the journal holds at most about twice its
    /// live data plus this.
    /// </summary>
    public long CompactAfterBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Raised on the writer loop, once per compaction period, when it is time to compact; null never compacts.</summary>
    public Action? CompactionNeeded { get; init; }

    /// <summary>
    /// Raised on the writer loop after a full segment was closed (flushed) and the next opened, with the closed
    /// segment's id; null for none. A stream's journal uses it to write its shard watermarks and apply retention.
    /// </summary>
    public Action<long>? SegmentRolled { get; init; }

    /// <summary>The clock of the <see cref="DurabilityPolicy.Batched"/> flush interval.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Opens a new segment file for writing. Default: a <see cref="FileStream"/> (created new, unbuffered: the pipe
    /// buffers). Tests substitute a stream that fails the way a full disk does.
    /// </summary>
    public Func<string, Stream> CreateSegment { get; init; } = static path
        => new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
}

/// <summary>
/// Appends framed records to the journal's segment files, for many concurrent callers.
/// </summary>
/// <remarks>
/// Callers frame their record on their own thread (checksum included), in place in their thread's
/// <see cref="RecordChunk"/>, and enqueue it on a <see cref="ConcurrentQueue{T}"/> of <see cref="QueuedRecord"/> structs
/// (lock-free; <c>Channel&lt;T&gt;</c>'s writers take a lock; no object per record unless its caller waits for it),
/// waking the writer loop only when it is parked (under <see cref="DurabilityPolicy.Batched"/>, only once
/// <see cref="GatherBytes"/> have gathered or someone waits); they never touch the file. One writer loop drains whatever has queued up,
/// writes it through a <see cref="PipeWriter"/> into the current segment, hands the bytes to the operating system, flushes
/// them to disk when the policy says so, and only then completes every caller of the batch: concurrent callers share one
/// write and one flush (group commit). A failed write or flush (a full disk) fails the whole batch and every later append,
/// because the journal's tail is then unknown; nothing the writer acknowledged is ever at risk.
/// </remarks>
internal sealed class JournalWriter : IAsyncDisposable
{
    /// <summary>A batch stops growing past this many bytes, so callers at its head do not wait for an endless stream behind them.</summary>
    private const int MaxBatchBytes = 1 << 20;

    /// <summary>
    /// Under <see cref="DurabilityPolicy.Batched"/>, an append completes at once while the records queued and not yet
    /// written hold fewer bytes than this; past it, appends wait for their write, so a writer that falls behind pushes
    /// back on callers instead of holding an ever longer queue (and a crash never takes more than this).
    /// </summary>
    internal const long MaxUnwrittenBytes = 4L << 20;

    /// <summary>
    /// Under <see cref="DurabilityPolicy.Batched"/>, the writer lets records it need not write yet (nobody waits for
    /// them) gather until they hold this many bytes, or until the flush timer or an awaited record calls for them, and
    /// writes them in one go: woken for every few records, it spent its core on a system call per handful of records.
    /// A crash takes no more than the policy already allows it (the records of the last interval).
    /// </summary>
    internal const long GatherBytes = 64 * 1024;

    /// <summary>A marker the flush timer enqueues: flush what has been written, complete nobody.</summary>
    private static readonly QueuedRecord FlushMarker = QueuedRecord.Marker(QueuedRecordKind.Flush);

    /// <summary>A marker <see cref="SealAsync"/> enqueues: what came before it ends the active segment.</summary>
    private static readonly QueuedRecord SealMarker = QueuedRecord.Marker(QueuedRecordKind.Seal);

    private readonly JournalWriterOptions options;
    private readonly ConcurrentQueue<QueuedRecord> pending = new();
    private readonly LoopSignal wake = new();
    private readonly List<PendingAppend> batch = [];
    private readonly ITimer? flushTimer;
    private readonly Task loop;

    private Stream segment = Stream.Null;
    private PipeWriter pipe = PipeWriter.Create(Stream.Null);
    private long segmentLength;
    private long lastFlushToDisk;
    private bool unflushed;               // written to the OS since the last flush to disk (writer loop only)
    private volatile Exception? failure;  // set once, by the writer loop; every append after it fails with it
    private volatile bool closed;         // set by DisposeAsync: appends after it are refused
    private int parked;                   // 1 while the writer loop is parked (or about to be); a producer that swaps it to 0 wakes it
    private int urgent;                   // Batched: 1 once a record that must not wait to gather was queued (the loop swaps it to 0 before it drains)
    // Written by every append: each on a cache line of its own, away from the fields above that the writer loop writes
    // and every append reads (a shared line made the appends' reads of them misses).
    private PaddedCounter enqueuing;      // producers between their closed check and their enqueue
    private PaddedCounter unwrittenBytes; // bytes of the records queued and not yet taken by the writer loop (which subtracts a batch at a time)
    private TaskCompletionSource<long>? sealRequest;
    private long bytesSinceCompaction;    // added to by the writer loop, reset by CompactionDone
    private long compactionThreshold;
    private int compactionSignalled;

    private JournalWriter(JournalWriterOptions options, long firstSegmentId)
    {
        this.options = options;
        compactionThreshold = options.CompactAfterBytes;
        SegmentId = firstSegmentId - 1;
        OpenNextSegment();
        lastFlushToDisk = options.TimeProvider.GetTimestamp();
        if (options.FlushPolicy == DurabilityPolicy.Batched)
        {
            flushTimer = options.TimeProvider.CreateTimer(static state => ((JournalWriter)state!).TryEnqueue(FlushMarker, urgent: true),
                this, options.FlushInterval, options.FlushInterval);
        }

        loop = Task.Run(RunAsync);
    }

    /// <summary>The id of the segment being written.</summary>
    public long SegmentId { get; private set; }

    /// <summary>Bytes of the records queued and not yet taken by the writer loop (tests).</summary>
    internal long QueuedBytes => unwrittenBytes.Read();

    /// <summary>Raised on the writer loop each time it parks with nothing due (tests).</summary>
    internal Action? Parked { get; set; }

    /// <summary>Starts a journal in <see cref="JournalWriterOptions.Directory"/> whose first new segment is <paramref name="firstSegmentId"/>.</summary>
    public static JournalWriter Start(JournalWriterOptions options, long firstSegmentId)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(firstSegmentId);
        return new JournalWriter(options, firstSegmentId);
    }

    /// <summary>
    /// Starts a record whose payload takes about <paramref name="payloadCapacity"/> bytes: the returned writer writes it
    /// in place, framed where it will be copied to the file from (this thread's <see cref="RecordChunk"/>), and
    /// <see cref="AppendAsync(byte, ref PayloadWriter)"/> or <see cref="Append(byte, ref PayloadWriter)"/> appends it, on
    /// the same thread, before the thread starts another record.
    /// </summary>
    public static PayloadWriter StartRecord(int payloadCapacity) => RecordChunk.Start(payloadCapacity);

    /// <summary>Appends one record whose payload is <paramref name="payload"/> (a copy); see <see cref="AppendAsync(byte, ref PayloadWriter)"/>.</summary>
    public ValueTask AppendAsync(byte recordType, ReadOnlySpan<byte> payload)
    {
        var writer = StartRecord(payload.Length);
        writer.WriteRaw(payload);
        return AppendAsync(recordType, ref writer);
    }

    /// <summary>
    /// Appends one record started with <see cref="StartRecord"/>. The returned task completes when the record is as
    /// durable as the policy promises, or fails with a <see cref="BrokerException"/> (<c>InternalFailure</c>) when the
    /// journal could not write it. Under <see cref="DurabilityPolicy.Batched"/> that is as soon as it is queued, in
    /// order with every other record, while fewer than <see cref="MaxUnwrittenBytes"/> wait to be written (then at its
    /// write): the policy lets a crash take the last interval's records, and the flush timer writes and flushes them
    /// within one interval.
    /// </summary>
    public ValueTask AppendAsync(byte recordType, ref PayloadWriter payload)
    {
        var record = RecordChunk.Finish(ref payload, recordType);
        if (failure is { } failed)
        {
            record.ReleaseBytes();
            return ValueTask.FromException(failed);
        }

        if (options.FlushPolicy == DurabilityPolicy.Batched && unwrittenBytes.Read() < MaxUnwrittenBytes)
        {
            return TryEnqueue(record, urgent: false) ? default : Refused(record);
        }

        var waiter = PendingAppend.Rent();
        var completion = waiter.AsValueTask();
        if (!TryEnqueue(record.WithWaiter(waiter), urgent: true))
        {
            waiter.Discard();
            return Refused(record);
        }

        return completion;
    }

    /// <summary>
    /// Appends one record started with <see cref="StartRecord"/> that nobody waits for (a receive's record: the receive
    /// is not acknowledged to anyone). It is written in order with the others; if the journal has failed it is dropped,
    /// and the next awaited append reports the failure.
    /// </summary>
    public void Append(byte recordType, ref PayloadWriter payload)
    {
        var record = RecordChunk.Finish(ref payload, recordType);
        if (failure is not null || !TryEnqueue(record, urgent: false))
        {
            record.ReleaseBytes();
        }
    }

    /// <summary>A record the journal would not take (it is closed): its bytes go back, and the caller gets why.</summary>
    private ValueTask Refused(in QueuedRecord record)
    {
        record.ReleaseBytes();
        return ValueTask.FromException(failure ?? new ObjectDisposedException(nameof(JournalWriter)));
    }

    /// <summary>
    /// Ends the active segment after everything appended before this call (flushed to disk), and returns the id of the
    /// new active segment: every segment below it is sealed and will not change. Compaction calls it, one at a time.
    /// </summary>
    public Task<long> SealAsync()
    {
        var request = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref sealRequest, request);
        if (!TryEnqueue(SealMarker, urgent: true))
        {
            request.TrySetException(failure ?? new ObjectDisposedException(nameof(JournalWriter)));
        }

        return request.Task;
    }

    /// <summary>
    /// A compaction finished: the journal's live state took <paramref name="liveBytes"/>. The next one is due after that
    /// many bytes more (at least <see cref="JournalWriterOptions.CompactAfterBytes"/>).
    /// </summary>
    public void CompactionDone(long liveBytes)
    {
        Volatile.Write(ref compactionThreshold, Math.Max(options.CompactAfterBytes, liveBytes));
        Interlocked.Exchange(ref bytesSinceCompaction, 0);
        Volatile.Write(ref compactionSignalled, 0);
    }

    /// <summary>Writes and flushes what is queued, closes the segment and stops the writer loop.</summary>
    public async ValueTask DisposeAsync()
    {
        closed = true;
        var spin = new SpinWait();
        while (enqueuing.Read() != 0)
        {
            spin.SpinOnce(); // a producer past its closed check is one enqueue away from done
        }

        Wake();
        if (flushTimer is not null)
        {
            await flushTimer.DisposeAsync().ConfigureAwait(false);
        }

        await loop.ConfigureAwait(false);
        try
        {
            // After a failed write the pipe still holds the bytes that failed: completing with the error drops them.
            await pipe.CompleteAsync(failure).ConfigureAwait(false);
            if (failure is null)
            {
                TrimReservation();
                FlushToDisk();
            }
        }
        finally
        {
            await segment.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Enqueues for the writer loop and wakes it if it is parked and the record is due (see <see cref="WriteDue"/>); false
    /// once the journal is closed. An <paramref name="urgent"/> record is one someone waits for, or a marker.
    /// </summary>
    private bool TryEnqueue(in QueuedRecord record, bool urgent)
    {
        long unwritten;
        Interlocked.Increment(ref enqueuing.Value);
        try
        {
            if (closed)
            {
                return false;
            }

            unwritten = Interlocked.Add(ref unwrittenBytes.Value, record.Length);
            pending.Enqueue(record);
        }
        finally
        {
            Interlocked.Decrement(ref enqueuing.Value);
        }

        if (options.FlushPolicy != DurabilityPolicy.Batched)
        {
            urgent = true;
        }
        else if (urgent)
        {
            Interlocked.Exchange(ref this.urgent, 1); // before parked is read: the loop's park reads it after announcing itself
        }

        if ((urgent || unwritten >= GatherBytes) && Volatile.Read(ref parked) == 1)
        {
            Wake();
        }

        return true;
    }

    /// <summary>
    /// Whether the queued records are to be written now: always, but under <see cref="DurabilityPolicy.Batched"/>, where
    /// they gather until they hold <see cref="GatherBytes"/>, an urgent record (awaited, a marker) is queued, or the
    /// journal closes.
    /// </summary>
    private bool WriteDue() => options.FlushPolicy != DurabilityPolicy.Batched
        || closed
        || Volatile.Read(ref urgent) != 0
        || unwrittenBytes.Read() >= GatherBytes;

    /// <summary>Wakes the loop if it is parked: only the caller that swaps <see cref="parked"/> from 1 signals, so one signal per park.</summary>
    private void Wake()
    {
        if (Interlocked.Exchange(ref parked, 0) == 1)
        {
            wake.Set();
        }
    }

    /// <summary>
    /// Parks the loop until there is work. It announces itself parked and then looks once more (the fence pairs with a
    /// producer's enqueue-then-read of <see cref="parked"/>, so one of the two sees the other); if it finds work and
    /// takes its announcement back first, it goes on, otherwise a producer has taken it and signals.
    /// </summary>
    private ValueTask ParkAsync()
    {
        wake.Reset();
        Volatile.Write(ref parked, 1);
        Interlocked.MemoryBarrier();
        if (((!pending.IsEmpty && WriteDue()) || closed) && Interlocked.Exchange(ref parked, 0) == 1)
        {
            return default;
        }

        var waiting = wake.WaitAsync();
        Parked?.Invoke();
        return waiting;
    }

    private async Task RunAsync()
    {
        var reader = pending;
        while (true)
        {
            if (reader.IsEmpty || !WriteDue())
            {
                if (closed && enqueuing.Read() == 0 && reader.IsEmpty)
                {
                    return;
                }

                await ParkAsync().ConfigureAwait(false);
                continue;
            }

            if (failure is { } failed)
            {
                // The journal failed: what is still queued (or arrives until the close) fails with the same error.
                while (reader.TryDequeue(out var late))
                {
                    Interlocked.Add(ref unwrittenBytes.Value, -late.Length);
                    FailQueued(late, failed);
                }

                continue;
            }

            if (options.FlushPolicy == DurabilityPolicy.Batched)
            {
                Interlocked.Exchange(ref urgent, 0); // a fence: an urgent record queued after this sets it again, or is drained below
            }

            var flushRequested = false;
            TaskCompletionSource<long>? sealedRequest = null;
            var bytes = 0L;
            var taken = 0L;
            Exception? error = null;
            try
            {
                while (bytes < MaxBatchBytes && reader.TryDequeue(out var record))
                {
                    taken += record.Length;
                    if (record.Kind == QueuedRecordKind.Flush)
                    {
                        flushRequested = true;
                        continue;
                    }

                    if (record.Kind == QueuedRecordKind.Seal)
                    {
                        if (segmentLength > SegmentHeader.Size)
                        {
                            await RollAsync().ConfigureAwait(false);
                        }

                        sealedRequest = Interlocked.Exchange(ref sealRequest, null);
                        break; // the callers of the records before the seal are completed now, with the old segment's flush
                    }

                    if (record.Waiter is { } waiter)
                    {
                        batch.Add(waiter);
                    }

                    if (segmentLength + record.Length > options.SegmentSize && segmentLength > SegmentHeader.Size)
                    {
                        await RollAsync().ConfigureAwait(false);
                    }

                    pipe.Write(record.Frame);
                    record.ReleaseBytes();
                    segmentLength += record.Length;
                    bytes += record.Length;
                }

                Interlocked.Add(ref unwrittenBytes.Value, -taken);
                taken = 0;
                if (bytes > 0)
                {
                    await pipe.FlushAsync().ConfigureAwait(false);
                    unflushed = true;
                }

                if (unflushed && FlushDue(flushRequested))
                {
                    FlushToDisk();
                }

                if (options.CompactionNeeded is { } compactionNeeded
                    && Interlocked.Add(ref bytesSinceCompaction, bytes) >= Volatile.Read(ref compactionThreshold)
                    && Interlocked.CompareExchange(ref compactionSignalled, 1, 0) == 0)
                {
                    compactionNeeded();
                }
            }
#pragma warning disable CA1031 // any failure to write leaves the journal's tail unknown: it fails the batch and the journal
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Interlocked.Add(ref unwrittenBytes.Value, -taken); // what the failed batch took (nothing if it failed after its write)
                error = new BrokerException(BrokerErrorCodes.InternalFailure,
                    $"The journal could not write to segment {SegmentFiles.PathOf(options.Directory, SegmentId)}: {exception.Message} " +
                    "Nothing is acknowledged after this failure; free the disk or fix the directory, then restart the broker to recover what was acknowledged.",
                    exception);
            }

            var callers = batch.Count;
            foreach (var waiter in batch)
            {
                if (error is null)
                {
                    waiter.Succeed();
                }
                else
                {
                    waiter.Fail(error);
                }
            }

            batch.Clear();
            if (error is null)
            {
                sealedRequest?.TrySetResult(SegmentId);
            }
            else
            {
                sealedRequest?.TrySetException(error);
            }

            if (error is not null)
            {
                failure = error;
            }
            else if (callers > 0)
            {
                // Group commit: the callers just completed send their next records as soon as their continuations run,
                // and those were queued on the thread pool's global queue (PendingAppend.Succeed). Yielding queues this
                // loop behind them, so the next batch is taken once they have run and holds their records, not just the
                // first one or two to arrive (16 senders under Always: 7.3 records per flush on 2 cores, against 5 to 6;
                // see benchmarks/results). It costs a thread-pool hop per batch of callers.
                await Task.Yield();
            }
        }
    }

    private void FailQueued(in QueuedRecord record, Exception error)
    {
        if (record.Kind == QueuedRecordKind.Seal)
        {
            Interlocked.Exchange(ref sealRequest, null)?.TrySetException(error);
        }
        else if (record.Kind == QueuedRecordKind.Record)
        {
            record.ReleaseBytes();
            record.Waiter?.Fail(error);
        }
    }

    /// <summary>The writer loop's wake-up: one waiter (the loop), one signal per park.</summary>
    private sealed class LoopSignal : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> core = new() { RunContinuationsAsynchronously = true };

        public void Reset() => core.Reset();

        public void Set() => core.SetResult(true);

        public ValueTask WaitAsync() => new(this, core.Version);

        void IValueTaskSource.GetResult(short token) => core.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => core.GetStatus(token);

        void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => core.OnCompleted(continuation, state, token, flags);
    }

    private bool FlushDue(bool flushRequested) => options.FlushPolicy switch
    {
        DurabilityPolicy.Always => true,
        DurabilityPolicy.Batched => flushRequested || options.TimeProvider.GetElapsedTime(lastFlushToDisk) >= options.FlushInterval,
        _ => false,
    };

    /// <summary>Cuts the zeros <see cref="OpenNextSegment"/> reserved past the last record, before the segment's last flush.</summary>
    private void TrimReservation()
    {
        if (segment is FileStream file && file.Length > segmentLength)
        {
            file.SetLength(segmentLength);
        }
    }

    private void FlushToDisk()
    {
        if (segment is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            segment.Flush();
        }

        unflushed = false;
        lastFlushToDisk = options.TimeProvider.GetTimestamp();
    }

    /// <summary>
    /// Closes the full segment, flushed to disk whatever the policy (so only the last segment can ever end torn), and
    /// opens the next.
    /// </summary>
    private async ValueTask RollAsync()
    {
        await pipe.CompleteAsync().ConfigureAwait(false);
        TrimReservation();
        FlushToDisk();
        await segment.DisposeAsync().ConfigureAwait(false);
        OpenNextSegment();
        options.SegmentRolled?.Invoke(SegmentId - 1);
    }

    private void OpenNextSegment()
    {
        SegmentId++;
        segment = options.CreateSegment(SegmentFiles.PathOf(options.Directory, SegmentId));
        if (segment is FileStream file)
        {
            // Reserve the segment's whole length up front (zeros, sparse where the file system allows): a flush of
            // records written into it then leaves the file's size alone, and costs the disk about what a flush of a
            // block rewritten in place does, where a flush of an append that grows the file cost it half as much again
            // (see benchmarks/results). The zeros past the last record are trimmed when the segment is closed; a crash
            // leaves them, and recovery cuts them (SegmentEnd.Reserved) without reporting damage.
            file.SetLength(options.SegmentSize);
        }

        Span<byte> header = stackalloc byte[SegmentHeader.Size];
        SegmentHeader.Write(header, SegmentId);
        segment.Write(header);
        FlushToDisk(); // the header reaches the disk before any record, so a torn header can only mean an empty segment
        DirectorySync.Flush(options.Directory); // and the segment's name reaches it too, so a power loss cannot drop the file
        segmentLength = SegmentHeader.Size;
        pipe = PipeWriter.Create(new SynchronousWriteStream(segment), new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
    }
}
