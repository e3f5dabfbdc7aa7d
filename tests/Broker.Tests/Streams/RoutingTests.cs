using System.Text;
using Broker.Streams;

namespace Broker.Tests.Streams;

/// <summary>MD5 routing, the even split CreateStream makes, explicit hash keys, partition keys and record sizes (kinesis.md §1.2, §1.4).</summary>
public sealed class RoutingTests : StreamFixture
{
    private const string TwoTo128 = "340282366920938463463374607431768211456";
    private const string TwoTo128MinusOne = "340282366920938463463374607431768211455";

    /// <summary>kinesis.md §1.2, "Even split that CreateStream produces": (shards, shard index, start, end).</summary>
    public static TheoryData<int, int, string, string> EvenSplit => new()
    {
        { 1, 0, "0", "340282366920938463463374607431768211455" },
        { 2, 0, "0", "170141183460469231731687303715884105727" },
        { 2, 1, "170141183460469231731687303715884105728", "340282366920938463463374607431768211455" },
        { 3, 0, "0", "113427455640312821154458202477256070484" },
        { 3, 1, "113427455640312821154458202477256070485", "226854911280625642308916404954512140969" },
        { 3, 2, "226854911280625642308916404954512140970", "340282366920938463463374607431768211455" },
        { 4, 0, "0", "85070591730234615865843651857942052863" },
        { 4, 1, "85070591730234615865843651857942052864", "170141183460469231731687303715884105727" },
        { 4, 2, "170141183460469231731687303715884105728", "255211775190703847597530955573826158591" },
        { 4, 3, "255211775190703847597530955573826158592", "340282366920938463463374607431768211455" },
    };

    [Theory]
    [MemberData(nameof(EvenSplit))]
    public void Create_splits_the_hash_space_evenly_as_the_table_says(int shards, int index, string start, string end)
    {
        var stream = Create(shards: shards);

        var listed = stream.ListShards();

        Assert.Equal(Enumerable.Range(0, shards).Select(ShardId), listed.Select(s => s.ShardId));
        var shard = listed[index];
        Assert.Equal(start, shard.HashKeyRange.StartingHashKey);
        Assert.Equal(end, shard.HashKeyRange.EndingHashKey);
        Assert.Null(shard.ParentShardId);
        Assert.Null(shard.AdjacentParentShardId);
        Assert.Null(shard.SequenceNumberRange.EndingSequenceNumber);
        Assert.False(string.IsNullOrEmpty(shard.SequenceNumberRange.StartingSequenceNumber));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(100)]
    public void Create_splits_any_count_into_steps_of_floor_2_to_the_128_over_n_with_the_last_ending_at_the_top(int shards)
    {
        var stream = Create(shards: shards);
        var step = HashSpace / shards;

        var listed = stream.ListShards();

        for (var i = 0; i < shards; i++)
        {
            Assert.Equal(Dec(i * step), listed[i].HashKeyRange.StartingHashKey);
            Assert.Equal(i == shards - 1 ? TwoTo128MinusOne : Dec(((i + 1) * step) - 1), listed[i].HashKeyRange.EndingHashKey);
        }

        AssertOpenShardsCoverTheHashSpace(stream, shards);
    }

    /// <summary>kinesis.md §1.2, "Partition key facts": (key, shards, expected shard index).</summary>
    public static TheoryData<string, int, int> KeyPlacements
    {
        get
        {
            var data = new TheoryData<string, int, int>();
            (string Key, int Two, int Three, int Four, int Eight)[] table =
            [
                ("a", 0, 0, 0, 0),
                ("b", 1, 1, 2, 4),
                ("user-42", 0, 1, 1, 3),
                ("hello", 0, 1, 1, 2),
                ("bar", 0, 0, 0, 1),
                ("foo", 1, 2, 2, 5),
                ("0", 1, 2, 3, 6),
                ("user-7", 0, 0, 1, 2),
                ("\u00FC", 1, 2, 3, 6),
            ];
            foreach (var row in table)
            {
                data.Add(row.Key, 2, row.Two);
                data.Add(row.Key, 3, row.Three);
                data.Add(row.Key, 4, row.Four);
                data.Add(row.Key, 8, row.Eight);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(KeyPlacements))]
    public async Task A_partition_key_lands_on_the_shard_the_table_says(string key, int shards, int expected)
    {
        var stream = Create(shards: shards);

        var result = await Put(stream, key, "x");

        Assert.Equal(ShardId(expected), result.ShardId);
        Assert.Equal(["x"], await ReadTexts(stream, ShardId(expected)));
    }

    [Fact]
    public async Task Records_with_the_same_partition_key_all_land_on_one_shard()
    {
        var stream = Create(shards: 8);

        var shardIds = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            shardIds.Add((await Put(stream, "user-42", $"m{i}")).ShardId);
        }

        Assert.Equal([ShardId(3)], shardIds);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("85070591730234615865843651857942052863", 0)]
    [InlineData("85070591730234615865843651857942052864", 1)]
    [InlineData("170141183460469231731687303715884105727", 1)]
    [InlineData("170141183460469231731687303715884105728", 2)]
    [InlineData("255211775190703847597530955573826158592", 3)]
    [InlineData(TwoTo128MinusOne, 3)]
    public async Task An_explicit_hash_key_overrides_the_partition_key_and_range_ends_are_inclusive(string hashKey, int expected)
    {
        var stream = Create(shards: 4);

        // "0" alone would land on shard 3, "a" on shard 0: the explicit hash key decides.
        var withA = await Put(stream, "a", "x", hashKey);
        var withZero = await Put(stream, "0", "y", hashKey);

        Assert.Equal(ShardId(expected), withA.ShardId);
        Assert.Equal(ShardId(expected), withZero.ShardId);
        Assert.Equal(["x", "y"], await ReadTexts(stream, ShardId(expected)));
    }

    [Fact]
    public async Task PutRecords_honours_explicit_hash_keys_per_entry()
    {
        var stream = Create(shards: 4);

        var result = await stream.PutRecordsAsync(
        [
            new PutRecordsRequestEntry("a", Bytes("to-3")) { ExplicitHashKey = TwoTo128MinusOne },
            new PutRecordsRequestEntry("0", Bytes("to-0")) { ExplicitHashKey = "0" },
            new PutRecordsRequestEntry("b", Bytes("by-key")),
        ]);

        Assert.Equal([ShardId(3), ShardId(0), ShardId(2)], result.Records.Select(r => r.ShardId));
    }

    [Theory]
    [InlineData(TwoTo128)]
    [InlineData("999999999999999999999999999999999999999")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("12a")]
    [InlineData("1.5")]
    [InlineData("0x10")]
    [InlineData(" 1")]
    [InlineData("")]
    public async Task An_explicit_hash_key_outside_0_to_2_to_the_128_minus_1_or_not_decimal_is_InvalidArgumentException(string hashKey)
    {
        var stream = Create(shards: 4);

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, async () => await Put(stream, "a", "x", hashKey));
        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, async () => await stream.PutRecordsAsync(
            [new PutRecordsRequestEntry("a", Bytes("ok")), new PutRecordsRequestEntry("a", Bytes("x")) { ExplicitHashKey = hashKey }]));

        // The whole request failed: nothing was written.
        Assert.Empty(await ReadTexts(stream, ShardId(0)));
        Assert.Empty(await ReadTexts(stream, ShardId(3)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(256)]
    public async Task A_partition_key_of_1_to_256_characters_is_accepted(int length)
    {
        var stream = Create(shards: 1);

        await Put(stream, new string('k', length), "x");
        await stream.PutRecordsAsync([new PutRecordsRequestEntry(new string('k', length), Bytes("y"))]);

        var (records, _) = await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));
        Assert.All(records, r => Assert.Equal(new string('k', length), r.PartitionKey));
        Assert.Equal(2, records.Count);
    }

    [Fact]
    public async Task A_partition_key_counts_characters_not_bytes()
    {
        var stream = Create(shards: 1);
        var key = new string('\u00FC', 256);

        await Put(stream, key, "x");

        var (records, _) = await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));
        Assert.Equal(key, Assert.Single(records).PartitionKey);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public async Task A_partition_key_that_is_empty_or_longer_than_256_characters_is_InvalidArgumentException(int length)
    {
        var stream = Create(shards: 1);

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, async () => await Put(stream, new string('k', length), "x"));
        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, async () => await stream.PutRecordsAsync(
            [new PutRecordsRequestEntry("ok", Bytes("x")), new PutRecordsRequestEntry(new string('k', length), Bytes("x"))]));

        Assert.Empty(await ReadTexts(stream, ShardId(0)));
    }

    [Fact]
    public async Task A_record_of_exactly_the_max_size_counting_data_and_key_bytes_is_accepted()
    {
        var stream = Create(shards: 1);
        var oneMiB = 1024 * 1024;

        // "ü" is two UTF-8 bytes: the key's bytes count, not its characters.
        await stream.PutRecordAsync(new PutRecordRequest("\u00FC", new byte[oneMiB - 2]));
        await stream.PutRecordsAsync([new PutRecordsRequestEntry("k", new byte[oneMiB - 1])]);

        var (records, _) = await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));
        Assert.Equal([oneMiB - 2, oneMiB - 1], records.Select(r => r.Data.Length));
    }

    [Fact]
    public async Task A_record_one_byte_over_the_max_size_is_InvalidArgumentException()
    {
        var stream = Create(shards: 1);
        var oneMiB = 1024 * 1024;

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.PutRecordAsync(new PutRecordRequest("\u00FC", new byte[oneMiB - 1])).AsTask());
        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.PutRecordAsync(new PutRecordRequest("k", new byte[oneMiB])).AsTask());
        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.PutRecordsAsync(
            [new PutRecordsRequestEntry("k", Bytes("small")), new PutRecordsRequestEntry("k", new byte[oneMiB])]).AsTask());

        Assert.Empty(await ReadTexts(stream, ShardId(0)));
    }

    [Fact]
    public async Task UpdateMaxRecordSize_raises_the_limit_for_later_puts()
    {
        var stream = Create(shards: 1);
        var twoMiB = 2 * 1024 * 1024;
        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.PutRecordAsync(new PutRecordRequest("k", new byte[twoMiB - 1])).AsTask());

        stream.UpdateMaxRecordSize(2048);

        await stream.PutRecordAsync(new PutRecordRequest("k", new byte[twoMiB - 1]));
        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.PutRecordAsync(new PutRecordRequest("k", new byte[twoMiB])).AsTask());
        var (records, _) = await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));
        Assert.Equal(twoMiB - 1, Assert.Single(records).Data.Length);
    }

    [Fact]
    public async Task A_stream_created_with_a_larger_max_record_size_accepts_records_up_to_it()
    {
        var stream = Broker.CreateStream("big", new StreamOptions { ShardCount = 1, MaxRecordSizeInKiB = 10_240 });
        var tenMiB = 10 * 1024 * 1024;

        await stream.PutRecordAsync(new PutRecordRequest("k", new byte[tenMiB - 1]));

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.PutRecordAsync(new PutRecordRequest("k", new byte[tenMiB])).AsTask());
    }

    [Fact]
    public async Task Data_and_key_come_back_unchanged()
    {
        var stream = Create(shards: 1);
        var data = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        await stream.PutRecordAsync(new PutRecordRequest("\u00FC-\uD83D\uDE00", data));

        var (records, _) = await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));
        var record = Assert.Single(records);
        Assert.Equal(data, record.Data.ToArray());
        Assert.Equal("\u00FC-\uD83D\uDE00", record.PartitionKey);
        Assert.Equal(Now, record.ApproximateArrivalTimestamp);
    }

    [Fact]
    public async Task Data_is_copied_at_put_so_later_changes_to_the_callers_buffer_do_not_show()
    {
        var stream = Create(shards: 1);
        var buffer = Encoding.UTF8.GetBytes("original");

        await stream.PutRecordAsync(new PutRecordRequest("k", buffer));
        buffer[0] = (byte)'X';

        Assert.Equal(["original"], await ReadTexts(stream, ShardId(0)));
    }
}
