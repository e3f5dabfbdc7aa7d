using System.Buffers;
using System.Collections.Concurrent;

namespace Broker.Durability.Internal;

/// <summary>
/// A buffer that journal records are framed into one after another, by one thread at a time: each thread frames its
/// records in its own current chunk (sequential memory, no buffer per record), and the chunk goes back to a small pool
/// once the thread has moved on to the next and every writer loop has copied out the records it held. The records of
/// one chunk may go to different journals (a broker's and its streams'); each holds a reference until it is written.
/// </summary>
/// <remarks>
/// A buffer per record, rented on the caller's thread and returned on the writer's, missed
/// <see cref="ArrayPool{T}.Shared"/>'s per-thread and per-core caches once more than a few dozen records were in flight
/// and allocated instead; a pool of per-record buffers cycled through a working set larger than the processor's caches.
/// </remarks>
internal sealed class RecordChunk
{
    /// <summary>Bytes in a chunk: a few hundred typical records.</summary>
    internal const int Size = 32 * 1024;

    /// <summary>A record whose payload may take more than this gets a rented buffer of its own.</summary>
    private const int LargePayload = Size / 4;

    /// <summary>Chunks kept for reuse: enough for the records a busy writer has not copied out yet.</summary>
    private const int PoolLimit = 64;

    private static readonly ConcurrentQueue<RecordChunk> Pool = new();
    private static int pooled;

    [ThreadStatic]
    private static RecordChunk? current;

    private readonly byte[] buffer = GC.AllocateUninitializedArray<byte>(Size);
    private int used;        // the owning thread's: bytes framed so far
    private bool started;    // the owning thread's: a record started in it and not finished yet
    private int references;  // 1 for the owning thread while the chunk is its current one, plus 1 per record not yet written

    /// <summary>
    /// Starts a record whose payload takes about <paramref name="payloadCapacity"/> bytes on this thread: a writer into
    /// the current chunk, behind room for the frame's header, or into a rented buffer of its own for a large one. The
    /// same thread must finish it with <see cref="Finish"/> before it starts another.
    /// </summary>
    public static PayloadWriter Start(int payloadCapacity)
    {
        var frameCapacity = JournalFrame.FrameLength(payloadCapacity);
        if (payloadCapacity > LargePayload)
        {
            return new PayloadWriter(ArrayPool<byte>.Shared.Rent(frameCapacity), JournalFrame.HeaderSize, JournalFrame.HeaderSize, borrowed: false);
        }

        var chunk = current;
        if (chunk is not null && chunk.started)
        {
            // A record left unfinished (its writer threw), or one that outgrew the chunk and went to a buffer of its own:
            // its bytes here are not counted, and the next one takes their place.
            chunk.started = false;
        }

        if (chunk is null || Size - chunk.used < frameCapacity)
        {
            chunk = Replace(chunk);
        }

        chunk.started = true;
        return new PayloadWriter(chunk.buffer, chunk.used + JournalFrame.HeaderSize, JournalFrame.HeaderSize, borrowed: true);
    }

    /// <summary>
    /// Completes the frame around what <paramref name="payload"/> wrote (header and checksum) and returns the record to
    /// queue: in this thread's chunk (which it now holds a reference to) when the payload fit, else in its own buffer.
    /// </summary>
    public static QueuedRecord Finish(ref PayloadWriter payload, byte recordType)
    {
        var buffer = payload.Buffer;
        var chunk = payload.IsBorrowed ? current : null;
        if (payload.IsBorrowed && (chunk is null || !chunk.started || !ReferenceEquals(chunk.buffer, buffer)))
        {
            // Started on another thread, or after another record started on this one: its bytes may be another's, and
            // are left as they are.
            throw new InvalidOperationException("A journal record must be finished on the thread that started it, before that thread starts another.");
        }

        var frameStart = payload.Start - JournalFrame.HeaderSize;
        var length = JournalFrame.Seal(buffer.AsSpan(frameStart), recordType, payload.Written.Length);
        payload.Detach();
        if (chunk is not null)
        {
            chunk.started = false;
            chunk.used = frameStart + length;
            Interlocked.Increment(ref chunk.references);
        }

        return new QueuedRecord(chunk, buffer, frameStart, length);
    }

    /// <summary>Drops one reference (a record written, or the owning thread moving on); the last returns the chunk to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref references) != 0)
        {
            return;
        }

        used = 0;
        if (Volatile.Read(ref pooled) < PoolLimit)
        {
            Interlocked.Increment(ref pooled);
            Pool.Enqueue(this);
        }
    }

    private static RecordChunk Replace(RecordChunk? full)
    {
        if (Pool.TryDequeue(out var next))
        {
            Interlocked.Decrement(ref pooled);
        }
        else
        {
            next = new RecordChunk();
        }

        next.references = 1; // the new owner's hold (no other reference exists yet)
        current = next;
        full?.Release();      // after the swap: its records keep it until they are written
        return next;
    }
}

/// <summary>
/// One entry of a journal writer's queue: a framed record (its bytes in <see cref="Buffer"/>, in a chunk or a rented
/// buffer of its own), the completion its caller awaits if any, or a marker.
/// </summary>
internal readonly struct QueuedRecord(RecordChunk? chunk, byte[] buffer, int offset, int length, PendingAppend? waiter = null, QueuedRecordKind kind = QueuedRecordKind.Record)
{
    /// <summary>The chunk the bytes are in, or null when <see cref="Buffer"/> is rented for this record alone.</summary>
    public RecordChunk? Chunk { get; } = chunk;

    public byte[] Buffer { get; } = buffer;

    public int Offset { get; } = offset;

    /// <summary>The frame's length; 0 for a marker.</summary>
    public int Length { get; } = length;

    /// <summary>The caller's completion, or null when nobody waits for this record.</summary>
    public PendingAppend? Waiter { get; } = waiter;

    public QueuedRecordKind Kind { get; } = kind;

    /// <summary>The record's bytes.</summary>
    public ReadOnlySpan<byte> Frame => Buffer.AsSpan(Offset, Length);

    /// <summary>A marker for the writer loop, with no bytes.</summary>
    public static QueuedRecord Marker(QueuedRecordKind kind) => new(null, [], 0, 0, null, kind);

    /// <summary>The same record, with a caller waiting for it.</summary>
    public QueuedRecord WithWaiter(PendingAppend waiter) => new(Chunk, Buffer, Offset, Length, waiter, Kind);

    /// <summary>Gives the bytes back once they are written (or will never be): the chunk's reference, or the rented buffer.</summary>
    public void ReleaseBytes()
    {
        if (Chunk is { } chunk)
        {
            chunk.Release();
        }
        else if (Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
    }
}

/// <summary>What a <see cref="QueuedRecord"/> is.</summary>
internal enum QueuedRecordKind : byte
{
    /// <summary>A framed record to write.</summary>
    Record,

    /// <summary>The flush timer's: flush what has been written.</summary>
    Flush,

    /// <summary>A seal request's: what came before it ends the active segment.</summary>
    Seal,
}
