using System.Buffers;
using System.Runtime.InteropServices;

namespace Broker.Queues.Internal;

/// <summary>
/// A body whose bytes are known but not written yet: its length is fixed when it is made, and its bytes are written the
/// first time anything reads them (a consumer's <see cref="ReadOnlyMemory{T}.Span"/>, an MD5, a journal record), then
/// kept. A topic's enveloped delivery is one: the queue holds the publish it will be written from, which the topic keeps
/// for every subscription anyway, instead of an envelope of its own from the moment of the publish.
/// <para>
/// Lock-free: two threads reading it first both write it, and one array wins (the bytes are the same). After that,
/// reading it costs a type check. Queues keep such a body as it is where they would keep an array of its own (it is
/// never written again), so a dead-letter move or a move task does not write it either.
/// </para>
/// </summary>
internal abstract class DeferredBody : MemoryManager<byte>
{
    /// <summary>
    /// What <see cref="Write"/> needs until the bytes exist (this body itself, for one that is its own source); then the
    /// bytes (an array of exactly <see cref="Length"/>).
    /// </summary>
    private object source;

    /// <param name="source">What <see cref="Write"/> is given; released once the bytes are written.</param>
    /// <param name="length">The exact number of bytes <see cref="Write"/> will produce.</param>
    protected DeferredBody(object source, int length)
        : this(length)
    {
        this.source = source;
    }

    /// <summary>A body that is its own source: <see cref="Write"/> is given this body, whose own fields stay after it is written.</summary>
    /// <param name="length">The exact number of bytes <see cref="Write"/> will produce.</param>
    protected DeferredBody(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        source = this;
        Length = length;
    }

    /// <summary>The body's length in bytes, known without writing it: more than 0.</summary>
    public int Length { get; }

    /// <summary>Whether the bytes have been written (so that a queue adopting the body can keep the bytes alone).</summary>
    internal bool IsWritten => Volatile.Read(ref source) is byte[];

    /// <summary>The body as queues keep it: a memory over this manager, of <see cref="Length"/> bytes, not written yet.</summary>
    public ReadOnlyMemory<byte> AsMemory() => CreateMemory(Length);

    /// <summary>The bytes, written now if nothing has read them before.</summary>
    public byte[] Bytes() => Volatile.Read(ref source) as byte[] ?? WriteOnce();

    public override Span<byte> GetSpan() => Bytes();

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var bytes = Bytes();
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, bytes.Length);
        var handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle, this);
    }

    /// <summary>Nothing to do: <see cref="Pin"/>'s handle is freed by the <see cref="MemoryHandle"/> itself.</summary>
    public override void Unpin()
    {
    }

    protected override bool TryGetArray(out ArraySegment<byte> segment)
    {
        segment = new ArraySegment<byte>(Bytes());
        return true;
    }

    /// <summary>Nothing to release: the bytes are an ordinary array, collected with the last message that holds them.</summary>
    protected override void Dispose(bool disposing)
    {
    }

    /// <summary>Writes the body from <paramref name="source"/>: exactly <see cref="Length"/> bytes, the same every time.</summary>
    protected abstract byte[] Write(object source);

    private byte[] WriteOnce()
    {
        var pending = Volatile.Read(ref source);
        if (pending is byte[] written)
        {
            return written;
        }

        var bytes = Write(pending);
        if (bytes.Length != Length)
        {
            throw new InvalidOperationException($"A deferred body was announced as {Length} bytes and written as {bytes.Length}.");
        }

        return Interlocked.CompareExchange(ref source, bytes, pending) is byte[] first ? first : bytes;
    }
}
