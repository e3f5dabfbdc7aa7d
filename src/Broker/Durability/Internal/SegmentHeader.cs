using System.Buffers.Binary;

namespace Broker.Durability.Internal;

/// <summary>
/// The first <see cref="Size"/> bytes of every journal segment file (little-endian):
/// <code>
/// 0  u32 magic "BRKJ"
/// 4  u16 segment format version (1)
/// 6  u16 reserved, 0
/// 8  u64 segment id: segments are read in id order, and a file's name carries the same id
/// 16 u64 reserved, 0
/// 24 u32 CRC-32C of bytes 0..24
/// 28 u32 reserved, 0
/// </code>
/// </summary>
internal static class SegmentHeader
{
    /// <summary>Bytes before the first record.</summary>
    public const int Size = 32;

    /// <summary>The only segment version written and read.</summary>
    public const ushort FormatVersion = 1;

    private const uint Magic = 0x4A4B5242; // "BRKJ" read as a little-endian u32

    /// <summary>Writes the header of segment <paramref name="segmentId"/> to the start of <paramref name="destination"/>.</summary>
    public static void Write(Span<byte> destination, long segmentId)
    {
        var header = destination[..Size];
        header.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], segmentId);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], Crc32C.Compute(header[..24]));
    }

    /// <summary>Reads a header; <see langword="false"/> with a reason when the bytes are not a valid one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out long segmentId, out string problem)
    {
        segmentId = 0;
        if (data.Length < Size)
        {
            problem = $"the file is {data.Length} bytes long, shorter than a segment header ({Size} bytes)";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(data) != Magic)
        {
            problem = "the file does not start with a journal segment header (magic \"BRKJ\")";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(data[24..]) != Crc32C.Compute(data[..24]))
        {
            problem = "the segment header's checksum does not match";
            return false;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        if (version != FormatVersion)
        {
            problem = $"segment format version {version} is not one this version of Broker reads ({FormatVersion})";
            return false;
        }

        segmentId = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
        problem = "";
        return true;
    }
}
