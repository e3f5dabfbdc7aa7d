using System.Buffers.Binary;

namespace Broker.Durability.Internal;

/// <summary>What <see cref="JournalFrame.Read"/> found at the start of a span.</summary>
internal enum FrameStatus
{
    /// <summary>A whole record whose checksum matches.</summary>
    Valid,

    /// <summary>The start of a plausible record that the span does not hold all of; <c>required</c> says how many bytes would.</summary>
    NeedMore,

    /// <summary>Not a record: an impossible header, or a checksum that does not match.</summary>
    Invalid,
}

/// <summary>
/// How one journal record is framed on disk (little-endian):
/// <code>
/// 0  u32 CRC-32C of bytes 4 .. end of payload (so a flipped length or type is caught as well as a flipped payload byte)
/// 4  u32 payload length, at most MaxPayloadLength
/// 8  u8  record type, never 0 (a zero-filled tail is not a record)
/// 9  u8  frame format version (1)
/// 10 u16 reserved, 0
/// 12 payload
/// </code>
/// </summary>
internal static class JournalFrame
{
    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 12;

    /// <summary>The only frame version written and read.</summary>
    public const byte FormatVersion = 1;

    /// <summary>
    /// The largest payload a frame may carry: above any message (1 MiB) or stream record (Kinesis allows 10 MiB) with its
    /// attributes, and small enough that a corrupt length cannot make recovery allocate without bound.
    /// </summary>
    public const int MaxPayloadLength = 32 * 1024 * 1024;

    /// <summary>The bytes a record with <paramref name="payloadLength"/> bytes of payload takes.</summary>
    public static int FrameLength(int payloadLength) => HeaderSize + payloadLength;

    /// <summary>Writes a whole frame (header and payload) to the start of <paramref name="destination"/>.</summary>
    public static int Write(Span<byte> destination, byte recordType, ReadOnlySpan<byte> payload)
    {
        payload.CopyTo(destination[HeaderSize..]);
        return Seal(destination, recordType, payload.Length);
    }

    /// <summary>
    /// Completes a frame whose payload was already written at <c>frame[HeaderSize..]</c> (serialized in place, no copy):
    /// fills in the header and the checksum, and returns the frame's length.
    /// </summary>
    public static int Seal(Span<byte> frame, byte recordType, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfZero(recordType);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadLength, MaxPayloadLength);
        var length = HeaderSize + payloadLength;
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], (uint)payloadLength);
        frame[8] = recordType;
        frame[9] = FormatVersion;
        BinaryPrimitives.WriteUInt16LittleEndian(frame[10..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(frame, Crc32C.Compute(frame[4..length]));
        return length;
    }

    /// <summary>
    /// Reads the frame at the start of <paramref name="data"/>. On <see cref="FrameStatus.Valid"/> the payload is
    /// <c>data.Slice(HeaderSize, payloadLength)</c>; on <see cref="FrameStatus.NeedMore"/> <paramref name="required"/>
    /// is the number of bytes that would decide it.
    /// </summary>
    public static FrameStatus Read(ReadOnlySpan<byte> data, out byte recordType, out int payloadLength, out int required)
    {
        recordType = 0;
        payloadLength = 0;
        required = HeaderSize;
        if (data.Length < HeaderSize)
        {
            return FrameStatus.NeedMore;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (data[8] == 0 || data[9] != FormatVersion || BinaryPrimitives.ReadUInt16LittleEndian(data[10..]) != 0 || length > MaxPayloadLength)
        {
            return FrameStatus.Invalid;
        }

        required = HeaderSize + (int)length;
        if (data.Length < required)
        {
            return FrameStatus.NeedMore;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(data) != Crc32C.Compute(data[4..required]))
        {
            return FrameStatus.Invalid;
        }

        recordType = data[8];
        payloadLength = (int)length;
        return FrameStatus.Valid;
    }
}
