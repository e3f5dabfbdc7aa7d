using System.Buffers.Binary;
using System.Text;

namespace Broker.Durability.Internal;

/// <summary>
/// Reads a payload written by <see cref="PayloadWriter"/>. The frame's checksum already vouches for the bytes, so a
/// payload that does not parse means a record written by another format version or a bug; it throws
/// <see cref="InvalidDataException"/>, which recovery turns into an error naming the file and offset.
/// </summary>
internal ref struct PayloadReader(ReadOnlySpan<byte> payload)
{
    private ReadOnlySpan<byte> rest = payload;

    /// <summary>Whether every byte was read (a record with bytes left over is not the record its type says).</summary>
    public readonly bool AtEnd => rest.IsEmpty;

    public byte ReadByte() => Take(1)[0];

    public bool ReadBoolean() => ReadByte() switch
    {
        0 => false,
        1 => true,
        var other => throw new InvalidDataException($"A boolean byte is {other}, neither 0 nor 1."),
    };

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public ulong ReadVarUInt()
    {
        // Most varints (lengths, counts, small numbers) are one byte.
        if (!rest.IsEmpty && rest[0] < 0x80)
        {
            var single = rest[0];
            rest = rest[1..];
            return single;
        }

        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var next = ReadByte();
            if (shift == 63 && next > 1)
            {
                throw new InvalidDataException("A varint overflows 64 bits.");
            }

            value |= (ulong)(next & 0x7F) << shift;
            if (next < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("A varint is longer than 10 bytes.");
    }

    /// <summary>A number <see cref="PayloadWriter.WriteSignedVarInt"/> wrote.</summary>
    public long ReadSignedVarInt()
    {
        var value = ReadVarUInt();
        return (long)(value >> 1) ^ -(long)(value & 1);
    }

    public long ReadVarInt()
    {
        var value = ReadVarUInt();
        return value <= long.MaxValue ? (long)value : throw new InvalidDataException("A count or sequence number is above long.MaxValue.");
    }

    /// <summary>A length prefix, checked against the bytes that are left before anything is allocated.</summary>
    public int ReadLength()
    {
        var value = ReadVarInt();
        return value <= rest.Length ? (int)value : throw new InvalidDataException($"A length of {value} runs past the end of the record ({rest.Length} bytes left).");
    }

    public ReadOnlySpan<byte> ReadBytes() => Take(ReadLength());

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    public string? ReadNullableString() => ReadBoolean() ? ReadString() : null;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > rest.Length)
        {
            throw new InvalidDataException($"The record ends {count - rest.Length} bytes early.");
        }

        var span = rest[..count];
        rest = rest[count..];
        return span;
    }
}
