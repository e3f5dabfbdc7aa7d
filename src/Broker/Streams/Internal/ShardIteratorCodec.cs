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
    private const ulong IteratorDomain = 0x5348415244495452UL;

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
        if (iterator is null || !ReceiptHandleCodec.TryDecodeExactly(iterator, bytes)
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

    private static ulong Tag(ReadOnlySpan<byte> payload, ulong key) => Tag(payload, key, IteratorDomain);

    /// <summary>
    /// A 64-bit tag of a payload whose length is a multiple of 8, keyed by the stream's secret. Each kind of token has its
    /// own <paramref name="domain"/>, distinct from receipt handles', so one kind's tag never validates another.
    /// </summary>
    internal static ulong Tag(ReadOnlySpan<byte> payload, ulong key, ulong domain)
    {
        var tag = ReceiptHandleCodec.Mix(key ^ domain);
        for (var i = 0; i < payload.Length; i += 8)
        {
            tag = ReceiptHandleCodec.Mix(tag ^ BinaryPrimitives.ReadUInt64LittleEndian(payload[i..]));
        }

        return tag;
    }
}
