using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Broker.Durability.Internal;

/// <summary>Writes one record's payload (the journal's cold paths and compaction pass these as lambdas).</summary>
internal delegate void PayloadAction(ref PayloadWriter writer);

/// <summary>
/// Builds a record payload in a buffer rented from <see cref="ArrayPool{T}.Shared"/>: fixed-width little-endian
/// integers for timestamps and keys, LEB128 varints for counts and sequence numbers, and length-prefixed UTF-8 strings
/// and byte blocks. <see cref="PayloadReader"/> reads the same layout back. Dispose returns the buffer.
/// </summary>
internal struct PayloadWriter : IDisposable
{
    private readonly int reserve;
    private byte[] buffer;
    private int start;
    private int length;
    private bool borrowed;

    public PayloadWriter(int capacity)
    {
        buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 64));
        length = 0;
    }

    /// <summary>
    /// Writes into <paramref name="buffer"/> from <paramref name="start"/> on, keeping <paramref name="reserve"/> bytes
    /// free in front of the payload (a journal frame's header). A <paramref name="borrowed"/> buffer belongs to someone
    /// else (a chunk of many records) and is never returned to the array pool; otherwise it was rented from
    /// <see cref="ArrayPool{T}.Shared"/> and the writer owns it. A payload that outgrows it moves to a bigger rented buffer,
    /// <paramref name="reserve"/> bytes in.
    /// </summary>
    public PayloadWriter(byte[] buffer, int start, int reserve, bool borrowed)
    {
        this.buffer = buffer;
        this.start = start;
        this.reserve = reserve;
        this.borrowed = borrowed;
        length = start;
    }

    /// <summary>What has been written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => buffer.AsSpan(start, length - start);

    /// <summary>The buffer written into (see <see cref="IsBorrowed"/>).</summary>
    public readonly byte[] Buffer => buffer;

    /// <summary>Where the payload starts in <see cref="Buffer"/>.</summary>
    public readonly int Start => start;

    /// <summary>Whether <see cref="Buffer"/> is still the borrowed one the writer started in (the payload fit).</summary>
    public readonly bool IsBorrowed => borrowed;

    /// <summary>Gives up the buffer (the caller takes it over); the writer is left empty.</summary>
    public void Detach()
    {
        buffer = [];
        start = length = 0;
        borrowed = false;
    }

    public void WriteByte(byte value) => Take(1)[0] = value;

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Take(8), value);

    /// <summary>A non-negative number in 1 to 10 bytes, 7 bits at a time, low bits first.</summary>
    public void WriteVarUInt(ulong value)
    {
        var span = Take(10);
        var used = 0;
        while (value >= 0x80)
        {
            span[used++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[used++] = (byte)value;
        length -= 10 - used;
    }

    /// <summary>Any number, zigzag-encoded (small magnitudes, of either sign, take few bytes).</summary>
    public void WriteSignedVarInt(long value) => WriteVarUInt((ulong)((value << 1) ^ (value >> 63)));

    public void WriteVarInt(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        WriteVarUInt((ulong)value);
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteVarInt(value.Length);
        value.CopyTo(Take(value.Length));
    }

    public void WriteString(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVarInt(byteCount);
        Encoding.UTF8.GetBytes(value, Take(byteCount));
    }

    /// <summary>Bytes as they are, with no length in front (a payload copied whole).</summary>
    public void WriteRaw(ReadOnlySpan<byte> value) => value.CopyTo(Take(value.Length));

    /// <summary>A string that may be null: a presence byte, then the string.</summary>
    public void WriteNullableString(string? value)
    {
        WriteBoolean(value is not null);
        if (value is not null)
        {
            WriteString(value);
        }
    }

    public void Dispose()
    {
        if (buffer.Length > 0 && !borrowed)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = [];
        }
    }

    private Span<byte> Take(int count)
    {
        if (length + count > buffer.Length)
        {
            var written = length - start;
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(reserve + (written * 2), reserve + written + count));
            buffer.AsSpan(start, written).CopyTo(bigger.AsSpan(reserve));
            if (!borrowed)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            buffer = bigger;
            borrowed = false;
            start = reserve;
            length = reserve + written;
        }

        var span = buffer.AsSpan(length, count);
        length += count;
        return span;
    }
}
