using System.Buffers.Binary;
using System.Buffers.Text;
using Broker.Queues.Internal;

namespace Broker.Streams.Internal;

/// <summary>
/// ListShards <c>NextToken</c>s as opaque strings, stateless: the stream incarnation, the last shard listed, the filter
/// of the first page and the issue time, tagged with the stream's secret (as shard iterators are) and base64url-encoded,
/// so a token of another stream, or one edited by hand, is refused. An <see cref="ShardFilterType.AfterShardId"/> filter
/// needs no field: the last shard listed already comes after its shard id.
/// </summary>
internal static class ShardListToken
{
    private const int NoFilter = -1;
    private const int PayloadLength = 4 + 4 + 4 + 4 + 8 + 8;
    private const int ByteLength = PayloadLength + 8;
    private const ulong ListDomain = 0x4C495354534841UL;

    public static string Encode(DataStream stream, ShardFilter? filter, int lastShardIndex, long nowMs)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        var type = filter is null || filter.Type == ShardFilterType.AfterShardId ? NoFilter : (int)filter.Type;
        BinaryPrimitives.WriteInt32LittleEndian(bytes, stream.StreamId);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], lastShardIndex);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[8..], type);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[12..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[16..], filter?.Timestamp?.ToUnixTimeMilliseconds() ?? 0);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[24..], nowMs);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[PayloadLength..], Tag(bytes[..PayloadLength], stream.IteratorKey));
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>The filter of the first page and the shard id to continue after.</summary>
    public static (ShardFilter? Filter, string After) Decode(string token, DataStream stream, long nowMs)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        if (!ReceiptHandleCodec.TryDecodeExactly(token, bytes)
            || BinaryPrimitives.ReadUInt64LittleEndian(bytes[PayloadLength..]) != Tag(bytes[..PayloadLength], stream.IteratorKey)
            || BinaryPrimitives.ReadInt32LittleEndian(bytes) != stream.StreamId
            || BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]) < 0)
        {
            throw StreamErrors.Invalid($"Invalid NextToken: it was not issued by ListShards of stream {stream.Name} (or was changed). Start again without a NextToken.");
        }

        if (nowMs - BinaryPrimitives.ReadInt64LittleEndian(bytes[24..]) > (long)StreamDefaults.ListShardsTokenLifetime.TotalMilliseconds)
        {
            throw new BrokerException(
                BrokerErrorCodes.ExpiredNextTokenException,
                "The NextToken has expired: a ListShards token is valid for 5 minutes. Start again without a NextToken, from ExclusiveStartShardId if you need to resume.");
        }

        var type = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        var timestamp = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]));
        var filter = type == NoFilter ? null : new ShardFilter((ShardFilterType)type, Timestamp: timestamp);
        return (filter, StreamShard.FormatId(BinaryPrimitives.ReadInt32LittleEndian(bytes[4..])));
    }

    private static ulong Tag(ReadOnlySpan<byte> payload, ulong key) => ShardIteratorCodec.Tag(payload, key, ListDomain);
}
