using System.Numerics;
using Broker.Streams;

namespace Broker.Tests.Streams;

/// <summary>SplitShard, MergeShards, UpdateShardCount, closed parents and ListShards filters (kinesis.md §1.8, §1.11; contract decision 5).</summary>
public sealed class ReshardingTests : StreamFixture
{
    // The 4-shard even split (kinesis.md §1.2).
    private const string End0 = "85070591730234615865843651857942052863";
    private const string Start1 = "85070591730234615865843651857942052864";
    private const string End2 = "255211775190703847597530955573826158591";
    private const string TwoTo125 = "42535295865117307932921825928971026432";

    private static readonly BigInteger Quarter = BigInteger.One << 126;

    [Fact]
    public void SplitShard_in_a_4_shard_stream_makes_004_below_and_005_above_the_new_starting_hash_key()
    {
        var stream = Create(shards: 4);

        stream.SplitShard(ShardId(0), TwoTo125);

        var shards = stream.ListShards();
        var lower = Find(shards, ShardId(4));
        var upper = Find(shards, ShardId(5));
        Assert.Equal(new HashKeyRange("0", Dec(Big(TwoTo125) - 1)), lower.HashKeyRange);
        Assert.Equal(new HashKeyRange(TwoTo125, End0), upper.HashKeyRange);
        Assert.Equal(ShardId(0), lower.ParentShardId);
        Assert.Equal(ShardId(0), upper.ParentShardId);
        Assert.Null(lower.AdjacentParentShardId);
        Assert.Null(upper.AdjacentParentShardId);
        Assert.Null(lower.SequenceNumberRange.EndingSequenceNumber);
        Assert.Null(upper.SequenceNumberRange.EndingSequenceNumber);
        Assert.NotNull(Find(shards, ShardId(0)).SequenceNumberRange.EndingSequenceNumber);
        Assert.Equal(new HashKeyRange("0", End0), Find(shards, ShardId(0)).HashKeyRange);
        AssertOpenShardsCoverTheHashSpace(stream, 5);
    }

    [Fact]
    public void Children_take_the_next_ids_of_the_stream_wide_counter()
    {
        var stream = Create(shards: 4);

        stream.SplitShard(ShardId(1), Dec(Quarter + (Quarter / 2)));
        stream.MergeShards(ShardId(2), ShardId(3));
        stream.SplitShard(ShardId(6), Dec(Quarter * 3));

        Assert.Equal(Enumerable.Range(0, 9).Select(ShardId), stream.ListShards().Select(s => s.ShardId).Order(StringComparer.Ordinal));
        Assert.Equal(ShardId(6), Find(stream.ListShards(), ShardId(7)).ParentShardId);
        AssertOpenShardsCoverTheHashSpace(stream, 5);
    }

    [Fact]
    public void SplitShard_accepts_keys_two_above_the_start_and_one_below_the_end()
    {
        var low = Create("low", shards: 4);
        var high = Create("high", shards: 4);

        low.SplitShard(ShardId(1), Dec(Big(Start1) + 2));
        high.SplitShard(ShardId(1), Dec(Quarter * 2 - 2));

        Assert.Equal(new HashKeyRange(Start1, Dec(Big(Start1) + 1)), Find(low.ListShards(), ShardId(4)).HashKeyRange);
        Assert.Equal(new HashKeyRange(Dec(Quarter * 2 - 2), Dec(Quarter * 2 - 1)), Find(high.ListShards(), ShardId(5)).HashKeyRange);
    }

    public static TheoryData<string> InvalidSplitKeys => new()
    {
        // Shard 1 of 4 is [2^126, 2^127 − 1]: valid keys are start+1 < key < end.
        Start1,
        Dec(Big(Start1) + 1),
        "170141183460469231731687303715884105727",
        "170141183460469231731687303715884105728",
        "0",
        "340282366920938463463374607431768211456",
        "abc",
        "-5",
        string.Empty,
    };

    [Theory]
    [MemberData(nameof(InvalidSplitKeys))]
    public void SplitShard_with_a_key_not_strictly_inside_the_shard_is_InvalidArgumentException_and_changes_nothing(string key)
    {
        var stream = Create(shards: 4);

        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.SplitShard(ShardId(1), key));

        Assert.Equal(4, stream.ListShards().Count);
        AssertOpenShardsCoverTheHashSpace(stream, 4);
    }

    [Fact]
    public void SplitShard_of_an_unknown_shard_is_ResourceNotFoundException()
    {
        var stream = Create(shards: 4);

        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => stream.SplitShard(ShardId(9), TwoTo125));
    }

    [Fact]
    public void Resharding_a_closed_shard_is_ResourceInUseException()
    {
        var stream = Create(shards: 4);
        stream.SplitShard(ShardId(0), TwoTo125);

        ThrowsBroker(BrokerErrorCodes.ResourceInUseException, () => stream.SplitShard(ShardId(0), "100"));
        ThrowsBroker(BrokerErrorCodes.ResourceInUseException, () => stream.MergeShards(ShardId(0), ShardId(1)));
        AssertOpenShardsCoverTheHashSpace(stream, 5);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 1)]
    public void MergeShards_of_adjacent_shards_makes_a_child_covering_the_union(int first, int second)
    {
        var stream = Create(shards: 4);

        stream.MergeShards(ShardId(first), ShardId(second));

        var shards = stream.ListShards();
        var child = Find(shards, ShardId(4));
        Assert.Equal(new HashKeyRange(Start1, End2), child.HashKeyRange);
        Assert.Equal([ShardId(1), ShardId(2)], new[] { child.ParentShardId!, child.AdjacentParentShardId! }.Order(StringComparer.Ordinal));
        Assert.NotNull(Find(shards, ShardId(1)).SequenceNumberRange.EndingSequenceNumber);
        Assert.NotNull(Find(shards, ShardId(2)).SequenceNumberRange.EndingSequenceNumber);
        AssertOpenShardsCoverTheHashSpace(stream, 3);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(0, 3)]
    [InlineData(3, 1)]
    [InlineData(1, 1)]
    public void MergeShards_of_shards_that_are_not_adjacent_is_InvalidArgumentException_and_changes_nothing(int first, int second)
    {
        var stream = Create(shards: 4);

        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.MergeShards(ShardId(first), ShardId(second)));

        Assert.Equal(4, stream.ListShards().Count);
    }

    [Fact]
    public void MergeShards_of_split_children_that_touch_is_allowed_and_of_ones_that_do_not_is_refused()
    {
        var stream = Create(shards: 2);
        stream.SplitShard(ShardId(0), Dec(BigInteger.One << 125));

        // 002 = [0, 2^125−1], 003 = [2^125, 2^127−1], 001 = [2^127, 2^128−1].
        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.MergeShards(ShardId(2), ShardId(1)));
        stream.MergeShards(ShardId(3), ShardId(1));

        Assert.Equal(new HashKeyRange(Dec(BigInteger.One << 125), Dec(MaxHashKey)), Find(stream.ListShards(), ShardId(4)).HashKeyRange);
        AssertOpenShardsCoverTheHashSpace(stream, 2);
    }

    [Fact]
    public void MergeShards_of_an_unknown_shard_is_ResourceNotFoundException()
    {
        var stream = Create(shards: 4);

        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => stream.MergeShards(ShardId(3), ShardId(4)));
    }

    [Fact]
    public async Task A_closed_parent_is_readable_to_its_end_then_gives_a_null_iterator_and_its_children()
    {
        var stream = Create(shards: 4);
        var a = await PutAt(stream, 5, "a");
        var b = await PutAt(stream, Big(End0), "b");

        stream.SplitShard(ShardId(0), TwoTo125);

        var parent = Find(stream.ListShards(), ShardId(0));
        Assert.True(Big(parent.SequenceNumberRange.StartingSequenceNumber) <= Big(a.SequenceNumber));
        Assert.True(Big(parent.SequenceNumberRange.EndingSequenceNumber!) >= Big(b.SequenceNumber));

        var first = await stream.GetRecordsAsync(stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon), limit: 1);
        Assert.Equal(["a"], first.Records.Select(Text));
        Assert.NotNull(first.NextShardIterator);
        Assert.Empty(first.ChildShards);

        var rest = new List<string>();
        var result = first;
        for (var calls = 0; result.NextShardIterator is not null; calls++)
        {
            Assert.True(calls < 10, "the closed shard never ended");
            result = await stream.GetRecordsAsync(result.NextShardIterator, limit: 1);
            rest.AddRange(result.Records.Select(Text));
            if (result.NextShardIterator is not null)
            {
                Assert.Empty(result.ChildShards);
            }
        }

        Assert.Equal(["b"], rest);
        Assert.Equal([ShardId(4), ShardId(5)], result.ChildShards.Select(c => c.ShardId).Order(StringComparer.Ordinal));
        var lower = result.ChildShards.Single(c => c.ShardId == ShardId(4));
        Assert.Equal([ShardId(0)], lower.ParentShards);
        Assert.Equal(new HashKeyRange("0", Dec(Big(TwoTo125) - 1)), lower.HashKeyRange);
        Assert.Equal(new HashKeyRange(TwoTo125, End0), result.ChildShards.Single(c => c.ShardId == ShardId(5)).HashKeyRange);
    }

    [Fact]
    public async Task The_children_of_a_merge_name_both_parents()
    {
        var stream = Create(shards: 4);
        await PutAt(stream, Quarter, "x");

        stream.MergeShards(ShardId(1), ShardId(2));

        var (records, last) = await Drain(stream, stream.GetShardIterator(ShardId(1), ShardIteratorType.TrimHorizon));
        Assert.Equal(["x"], records.Select(Text));
        if (last.NextShardIterator is not null)
        {
            last = await stream.GetRecordsAsync(last.NextShardIterator);
        }

        Assert.Null(last.NextShardIterator);
        var child = Assert.Single(last.ChildShards);
        Assert.Equal(ShardId(4), child.ShardId);
        Assert.Equal([ShardId(1), ShardId(2)], child.ParentShards.Order(StringComparer.Ordinal));
        Assert.Equal(new HashKeyRange(Start1, End2), child.HashKeyRange);
    }

    [Fact]
    public async Task An_empty_closed_shard_ends_at_once_from_any_iterator_type()
    {
        var stream = Create(shards: 4);
        await PutAt(stream, 0, "a");
        stream.SplitShard(ShardId(0), TwoTo125);

        foreach (var type in new[] { ShardIteratorType.Latest, ShardIteratorType.AtTimestamp })
        {
            var iterator = stream.GetShardIterator(ShardId(0), type, timestamp: Now.AddSeconds(1));
            var result = await stream.GetRecordsAsync(iterator);
            if (result.NextShardIterator is not null)
            {
                Assert.Empty(result.Records);
                result = await stream.GetRecordsAsync(result.NextShardIterator);
            }

            Assert.Empty(result.Records);
            Assert.Null(result.NextShardIterator);
            Assert.Equal(2, result.ChildShards.Count);
        }
    }

    [Fact]
    public async Task After_a_split_new_puts_go_to_the_children_only()
    {
        var stream = Create(shards: 4);
        await Put(stream, "a", "before");

        stream.SplitShard(ShardId(0), TwoTo125);

        // "a" hashes to 16955237001963240173058271559858726497 < 2^125: the lower child.
        Assert.Equal(ShardId(4), (await Put(stream, "a", "after")).ShardId);
        Assert.Equal(ShardId(5), (await PutAt(stream, Big(TwoTo125), "upper")).ShardId);
        Assert.Equal(ShardId(4), (await PutAt(stream, Big(TwoTo125) - 1, "lower-edge")).ShardId);
        Assert.Equal(["before"], await ReadTexts(stream, ShardId(0)));
        Assert.Equal(["after", "lower-edge"], await ReadTexts(stream, ShardId(4)));
        Assert.Equal(["upper"], await ReadTexts(stream, ShardId(5)));
    }

    [Fact]
    public async Task After_a_merge_new_puts_go_to_the_merged_child()
    {
        var stream = Create(shards: 4);

        stream.MergeShards(ShardId(2), ShardId(1));

        Assert.Equal(ShardId(4), (await Put(stream, "user-42", "x")).ShardId);
        Assert.Equal(ShardId(4), (await Put(stream, "b", "y")).ShardId);
        Assert.Equal(ShardId(0), (await Put(stream, "a", "z")).ShardId);
    }

    [Fact]
    public async Task A_closed_parent_leaves_ListShards_once_its_records_expire()
    {
        var stream = Create(shards: 4);
        await PutAt(stream, 0, "a");
        stream.SplitShard(ShardId(0), TwoTo125);
        Time.Advance(TimeSpan.FromHours(1));
        await PutAt(stream, 0, "child");

        Time.Advance(TimeSpan.FromHours(23) - TimeSpan.FromTicks(1));
        Assert.Contains(ShardId(0), stream.ListShards().Select(s => s.ShardId));

        Time.Advance(TimeSpan.FromTicks(1));
        var listed = stream.ListShards().Select(s => s.ShardId).ToList();
        Assert.DoesNotContain(ShardId(0), listed);
        Assert.Equal([ShardId(1), ShardId(2), ShardId(3), ShardId(4), ShardId(5)], listed.Order(StringComparer.Ordinal));
        Assert.Equal(["child"], await ReadTexts(stream, ShardId(4)));
    }

    [Fact]
    public void UpdateShardCount_to_double_or_half_is_accepted_and_the_open_shards_cover_the_hash_space()
    {
        var stream = Create(shards: 4);

        stream.UpdateShardCount(8);
        AssertOpenShardsCoverTheHashSpace(stream, 8);

        stream.UpdateShardCount(4);
        AssertOpenShardsCoverTheHashSpace(stream, 4);

        stream.UpdateShardCount(3);
        AssertOpenShardsCoverTheHashSpace(stream, 3);

        stream.UpdateShardCount(5);
        AssertOpenShardsCoverTheHashSpace(stream, 5);
    }

    [Theory]
    [InlineData(4, 9)]
    [InlineData(4, 1)]
    [InlineData(5, 2)]
    [InlineData(4, 0)]
    [InlineData(4, -1)]
    public void UpdateShardCount_beyond_double_or_below_half_is_InvalidArgumentException_and_changes_nothing(int from, int to)
    {
        var stream = Create(shards: from);

        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.UpdateShardCount(to));

        Assert.Equal(from, stream.ListShards().Count);
        AssertOpenShardsCoverTheHashSpace(stream, from);
    }

    [Fact]
    public void UpdateShardCount_from_5_down_to_3_is_not_below_half()
    {
        var stream = Create(shards: 5);

        stream.UpdateShardCount(3);

        AssertOpenShardsCoverTheHashSpace(stream, 3);
    }

    [Fact]
    public void UpdateShardCount_is_limited_to_10_calls_in_a_rolling_24_hours()
    {
        var stream = Create(shards: 4);
        for (var i = 0; i < 10; i++)
        {
            stream.UpdateShardCount(i % 2 == 0 ? 5 : 4);
            Time.Advance(TimeSpan.FromMinutes(1));
        }

        ThrowsBroker(BrokerErrorCodes.LimitExceededException, () => stream.UpdateShardCount(5));
        AssertOpenShardsCoverTheHashSpace(stream, 4);

        // The first call leaves the window 24 hours after it was made.
        Time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        ThrowsBroker(BrokerErrorCodes.LimitExceededException, () => stream.UpdateShardCount(5));
        Time.Advance(TimeSpan.FromSeconds(2));
        stream.UpdateShardCount(5);
        AssertOpenShardsCoverTheHashSpace(stream, 5);
        ThrowsBroker(BrokerErrorCodes.LimitExceededException, () => stream.UpdateShardCount(4));
    }

    [Fact]
    public async Task After_UpdateShardCount_every_put_lands_on_an_open_shard_whose_range_holds_its_hash_key()
    {
        var stream = Create(shards: 3);
        stream.UpdateShardCount(6);
        var open = stream.ListShards(new ShardFilter(ShardFilterType.AtLatest)).ToDictionary(s => s.ShardId);

        foreach (var hashKey in new[] { BigInteger.Zero, BigInteger.One, Quarter, Quarter * 2, Quarter * 3 - 1, MaxHashKey - 1, MaxHashKey })
        {
            var result = await PutAt(stream, hashKey, "x");
            Assert.True(open.TryGetValue(result.ShardId, out var shard), $"{result.ShardId} is not open");
            Assert.InRange(hashKey, Big(shard.HashKeyRange.StartingHashKey), Big(shard.HashKeyRange.EndingHashKey));
        }
    }

    [Fact]
    public void ListShards_filters_select_shards_by_id_by_openness_and_by_time()
    {
        var stream = Create(shards: 4);
        var created = Now;
        Time.Advance(TimeSpan.FromHours(1));
        stream.SplitShard(ShardId(0), TwoTo125);                      // 000 closes at +1 h; 004, 005 open
        Time.Advance(TimeSpan.FromHours(1));
        stream.MergeShards(ShardId(1), ShardId(2));                   // 001, 002 close at +2 h; 006 opens
        Time.Advance(TimeSpan.FromHours(1));
        static IEnumerable<string> Ids(IReadOnlyList<Shard> shards) => shards.Select(s => s.ShardId).Order(StringComparer.Ordinal);

        var everything = Enumerable.Range(0, 7).Select(ShardId).ToList();
        Assert.Equal(everything, Ids(stream.ListShards()));
        Assert.Equal(everything, Ids(stream.ListShards(new ShardFilter(ShardFilterType.FromTrimHorizon))));
        Assert.Equal([ShardId(3), ShardId(4), ShardId(5), ShardId(6)], Ids(stream.ListShards(new ShardFilter(ShardFilterType.AtLatest))));
        Assert.Equal([ShardId(0), ShardId(1), ShardId(2), ShardId(3)], Ids(stream.ListShards(new ShardFilter(ShardFilterType.AtTrimHorizon))));
        Assert.Equal([ShardId(3), ShardId(4), ShardId(5), ShardId(6)], Ids(stream.ListShards(new ShardFilter(ShardFilterType.AfterShardId, ShardId(2)))));
        Assert.Equal([ShardId(1), ShardId(2), ShardId(3), ShardId(4), ShardId(5)], Ids(stream.ListShards(new ShardFilter(ShardFilterType.AtTimestamp, Timestamp: created.AddMinutes(90)))));
        Assert.Equal([ShardId(1), ShardId(2), ShardId(3), ShardId(4), ShardId(5), ShardId(6)], Ids(stream.ListShards(new ShardFilter(ShardFilterType.FromTimestamp, Timestamp: created.AddMinutes(90)))));
        Assert.Equal([ShardId(0), ShardId(1), ShardId(2), ShardId(3)], Ids(stream.ListShards(new ShardFilter(ShardFilterType.AtTimestamp, Timestamp: created.AddMinutes(30)))));
        Assert.Equal([ShardId(3), ShardId(4), ShardId(5), ShardId(6)], Ids(stream.ListShards(new ShardFilter(ShardFilterType.FromTimestamp, Timestamp: created.AddMinutes(150)))));
    }

    [Fact]
    public void ListShards_AtTrimHorizon_lists_the_shards_open_retention_ago_and_moves_with_the_clock()
    {
        var stream = Create(shards: 4);
        var created = Now;
        Time.Advance(TimeSpan.FromHours(2));
        stream.SplitShard(ShardId(0), TwoTo125);                      // 000 closes at +2 h; 004, 005 open
        static IEnumerable<string> Ids(IReadOnlyList<Shard> shards) => shards.Select(s => s.ShardId).Order(StringComparer.Ordinal);

        // At +25 h the trim horizon is +1 h: 000 was still open then.
        Time.Advance(created.AddHours(25) - Now);
        Assert.Equal([ShardId(0), ShardId(1), ShardId(2), ShardId(3)], Ids(stream.ListShards(new ShardFilter(ShardFilterType.AtTrimHorizon))));

        // At +25 h 30 min the trim horizon is +1 h 30 min: still before the split.
        Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal([ShardId(0), ShardId(1), ShardId(2), ShardId(3)], Ids(stream.ListShards(new ShardFilter(ShardFilterType.AtTrimHorizon))));

        // At +27 h the trim horizon is +3 h: the children had replaced 000, which has expired.
        Time.Advance(created.AddHours(27) - Now);
        Assert.Equal([ShardId(1), ShardId(2), ShardId(3), ShardId(4), ShardId(5)], Ids(stream.ListShards(new ShardFilter(ShardFilterType.AtTrimHorizon))));
        Assert.DoesNotContain(ShardId(0), Ids(stream.ListShards()));
    }

    [Fact]
    public void ListShards_FromTimestamp_before_the_trim_horizon_is_clamped_to_it()
    {
        var stream = Create(shards: 4);
        var created = Now;
        Time.Advance(TimeSpan.FromHours(2));
        stream.SplitShard(ShardId(0), TwoTo125);
        Time.Advance(TimeSpan.FromHours(23));                          // now +25 h, trim horizon +1 h; 000 closed at +2 h

        var ids = stream.ListShards(new ShardFilter(ShardFilterType.FromTimestamp, Timestamp: created.AddDays(-3))).Select(s => s.ShardId).Order(StringComparer.Ordinal);

        Assert.Equal(Enumerable.Range(0, 6).Select(ShardId), ids);
    }

    [Fact]
    public void ListShards_lists_in_shard_id_order()
    {
        var stream = Create(shards: 3);
        stream.SplitShard(ShardId(2), Dec(MaxHashKey - 10));
        stream.MergeShards(ShardId(0), ShardId(1));

        var ids = stream.ListShards().Select(s => s.ShardId).ToList();

        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
    }

    [Theory]
    [InlineData(ShardFilterType.AfterShardId)]
    [InlineData(ShardFilterType.AtTimestamp)]
    [InlineData(ShardFilterType.FromTimestamp)]
    public void A_ShardFilter_without_the_value_its_type_needs_is_InvalidArgumentException(ShardFilterType type)
    {
        var stream = Create(shards: 2);

        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.ListShards(new ShardFilter(type)));
    }

    [Fact]
    public async Task A_reader_that_drains_parents_before_children_sees_every_hash_keys_records_in_put_order()
    {
        var stream = Create(shards: 2);
        var keys = Enumerable.Range(0, 16).Select(i => (Key: $"key-{i}", Hash: (HashSpace / 16 * i) + 12_345)).ToList();
        var putOrder = keys.ToDictionary(k => k.Key, _ => new List<string>());
        var n = 0;

        async Task PutRound()
        {
            foreach (var (key, hash) in keys)
            {
                var data = $"{key}#{n++}";
                await stream.PutRecordAsync(new PutRecordRequest(key, Bytes(data)) { ExplicitHashKey = Dec(hash) });
                putOrder[key].Add(data);
            }
        }

        await PutRound();
        stream.SplitShard(ShardId(0), Dec(HashSpace / 4));                 // 002, 003
        await PutRound();
        stream.SplitShard(ShardId(1), Dec(HashSpace / 4 * 3));             // 004, 005
        await PutRound();
        stream.MergeShards(ShardId(3), ShardId(4));                         // 006
        await PutRound();
        stream.UpdateShardCount(6);
        await PutRound();
        stream.UpdateShardCount(3);
        await PutRound();

        var readOrder = keys.ToDictionary(k => k.Key, _ => new List<string>());
        foreach (var (_, record) in await ReadByLineage(stream, limit: 7))
        {
            readOrder[record.PartitionKey].Add(Text(record));
        }

        foreach (var (key, _) in keys)
        {
            Assert.Equal(putOrder[key], readOrder[key]);
        }
    }
}
