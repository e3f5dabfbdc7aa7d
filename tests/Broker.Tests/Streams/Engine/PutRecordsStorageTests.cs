using System.Runtime.InteropServices;
using Broker.Streams;
using Broker.Streams.Internal;

namespace Broker.Tests.Streams.Engine;

/// <summary>
/// How PutRecords stores its records: small records share arrays (one per request, or a few for a large request), large
/// ones get their own, each shard's records take one range of positions, and every record still reads back as put.
/// </summary>
public sealed class PutRecordsStorageTests : StreamFixture
{
    [Fact]
    public async Task Every_record_of_a_request_reads_back_its_own_bytes_whatever_its_size_even_after_the_producer_reuses_its_buffers()
    {
        var stream = Create(shards: 1);
        // Empty, tiny, at and around the shared-array limit, large, and enough 1000-byte records to fill several shared arrays.
        int[] sizes = [0, 1, 17, DataPacker.SmallRecordBytes - 1, DataPacker.SmallRecordBytes, DataPacker.SmallRecordBytes + 1, 5000, .. Enumerable.Repeat(1000, 100)];
        var buffers = sizes.Select((size, i) => Enumerable.Range(0, size).Select(b => (byte)(i + b)).ToArray()).ToList();
        var expected = buffers.Select(b => b.ToArray()).ToList();

        var result = await stream.PutRecordsAsync([.. buffers.Select((b, i) => new PutRecordsRequestEntry($"k{i}", b))]);
        foreach (var buffer in buffers)
        {
            Array.Fill(buffer, (byte)0xEE);
        }

        Assert.Equal(0, result.FailedRecordCount);
        var (records, _) = await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));
        Assert.Equal(sizes.Length, records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.Equal(result.Records[i].SequenceNumber, records[i].SequenceNumber);
            Assert.Equal($"k{i}", records[i].PartitionKey);
            Assert.Equal(expected[i], records[i].Data.ToArray());
        }
    }

    [Fact]
    public async Task Small_records_of_one_request_share_an_array_and_large_ones_get_their_own()
    {
        var stream = Create(shards: 1);
        await stream.PutRecordsAsync([new("a", new byte[10]), new("b", new byte[DataPacker.SmallRecordBytes]), new("c", new byte[DataPacker.SmallRecordBytes + 1]), new("d", new byte[20])]);
        await stream.PutRecordsAsync([new("e", new byte[10])]);

        var (records, _) = await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));
        var segments = records.Select(r => MemoryMarshal.TryGetArray(r.Data, out var segment) ? segment : throw new InvalidOperationException("not an array")).ToList();

        Assert.Same(segments[0].Array, segments[1].Array);
        Assert.Same(segments[0].Array, segments[3].Array);
        Assert.Equal([0, 10, DataPacker.SmallRecordBytes + 10], new[] { segments[0].Offset, segments[1].Offset, segments[3].Offset });
        Assert.Equal(DataPacker.SmallRecordBytes + 1, segments[2].Array!.Length); // the large record's own array, all of it
        Assert.NotSame(segments[0].Array, segments[4].Array); // another request, another array
    }

    [Fact]
    public async Task A_large_request_of_small_records_fills_shared_arrays_of_bounded_size()
    {
        var stream = Create(shards: 1);
        await stream.PutRecordsAsync([.. Enumerable.Range(0, 500).Select(i => new PutRecordsRequestEntry("k", new byte[1000]))]);

        var (records, _) = await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));
        var arrays = records.Select(r => MemoryMarshal.TryGetArray(r.Data, out var segment) ? segment.Array! : null).Distinct().ToList();

        // 500,000 bytes in arrays of at most 32 KiB: 16 of them, none on the large-object heap.
        Assert.Equal(16, arrays.Count);
        Assert.All(arrays, a => Assert.InRange(a!.Length, 1, DataPacker.SharedArrayBytes));
    }

    [Fact]
    public async Task Records_of_one_request_take_increasing_sequence_numbers_in_request_order_in_each_shard()
    {
        var stream = Create(shards: 2);
        var hashes = new[] { 0, 3, 1, 2, 0, 3 }.Select(q => Dec(HashSpace / 4 * q)).ToArray(); // quarters 0 and 1 are shard 0, 2 and 3 shard 1
        await Put(stream, "first", "x", hashes[0]);

        var result = await stream.PutRecordsAsync([.. hashes.Select((h, i) => new PutRecordsRequestEntry("k", Bytes($"r{i}")) { ExplicitHashKey = h })]);

        var positions = result.Records.Select(r => (r.ShardId, Position: Big(r.SequenceNumber!))).ToList();
        Assert.Equal([ShardId(0), ShardId(1), ShardId(0), ShardId(1), ShardId(0), ShardId(1)], positions.Select(p => p.ShardId));
        foreach (var shard in positions.GroupBy(p => p.ShardId))
        {
            var numbers = shard.Select(p => p.Position).ToList();
            Assert.Equal(numbers.Order(), numbers);
        }

        Assert.Equal(["x", "r0", "r2", "r4"], await ReadTexts(stream, ShardId(0)));
        Assert.Equal(["r1", "r3", "r5"], await ReadTexts(stream, ShardId(1)));
    }
}
