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
    private byte[] buffer;
    private int length;

    public PayloadWriter(int capacity)
    {
        buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 64));
        length = 0;
    }

    /// <summary>What has been written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => buffer.AsSpan(0, length);

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
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = [];
        }
    }

    private Span<byte> Take(int count)
    {
        if (length + count > buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, length + count));
            buffer.AsSpan(0, length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = bigger;
        }

        var span = buffer.AsSpan(length, count);
        length += count;
        return span;
    }
}
