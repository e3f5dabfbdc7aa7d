using System.Buffers.Binary;
using System.Buffers.Text;
using Broker.Queues.Internal;

namespace Broker.Streams.Internal;

/// <summary>What a shard iterator says: which stream incarnation, shard and position, and when it was issued.</summary>
internal readonly record struct ShardIteratorData(int StreamId, int ShardIndex, long Position, long IssuedTicks);

/// <summary>
/// Shard iterators as opaque strings: the fields and a 64-bit tag keyed by a per-broker secret (as receipt handles
/// are), base64url-encoded, so an iterator the broker did not issue, or one edited by hand, is refused.
/// </summary>
internal static class ShardIteratorCodec
{
    private const int PayloadLength = 4 + 4 + 8 + 8;
    private const int ByteLength = PayloadLength + 8;

    public static string Format(in ShardIteratorData data, ulong key)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, data.StreamId);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], data.ShardIndex);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], data.Position);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[16..], data.IssuedTicks);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[PayloadLength..], Tag(bytes[..PayloadLength], key));
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryParse(string? iterator, ulong key, out ShardIteratorData data)
    {
        data = default;
        Span<byte> bytes = stackalloc byte[ByteLength];

        // DecodeFromChars reports bad input in its status; TryDecodeFromChars would throw FormatException for a forged
        // iterator with a character outside the alphabet or non-zero trailing bits.
        if (iterator is null || iterator.Length != Base64Url.GetEncodedLength(ByteLength)
            || Base64Url.DecodeFromChars(iterator, bytes, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != iterator.Length || written != ByteLength
            || BinaryPrimitives.ReadUInt64LittleEndian(bytes[PayloadLength..]) != Tag(bytes[..PayloadLength], key))
        {
            return false;
        }

        data = new ShardIteratorData(
            BinaryPrimitives.ReadInt32LittleEndian(bytes),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]));
        return data.Position >= 0 && data.ShardIndex >= 0;
    }

    private static ulong Tag(ReadOnlySpan<byte> payload, ulong key)
    {
        // A distinct domain from receipt handles, so a receipt handle's tag never validates an iterator.
        var tag = ReceiptHandleCodec.Mix(key ^ 0x5348415244495452UL);
        for (var i = 0; i < payload.Length; i += 8)
        {
            tag = ReceiptHandleCodec.Mix(tag ^ BinaryPrimitives.ReadUInt64LittleEndian(payload[i..]));
        }

        return tag;
    }
}
