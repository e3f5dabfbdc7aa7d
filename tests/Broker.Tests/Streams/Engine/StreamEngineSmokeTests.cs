using System.Text;
using Broker.Streams;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Streams.Engine;

public sealed class StreamEngineSmokeTests : IDisposable
{
    private readonly FakeTimeProvider clock = new();
    private readonly MessageBroker broker;

    public StreamEngineSmokeTests() => broker = new MessageBroker(new BrokerOptions(), clock);

    public void Dispose() => broker.Dispose();

    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static BrokerException Throws(Action action) => Assert.Throws<BrokerException>(action);

    [Theory]
    [InlineData("a", 0)]
    [InlineData("b", 2)]
    [InlineData("user-42", 1)]
    [InlineData("0", 3)]
    [InlineData("ü", 3)]
    public async Task Partition_keys_route_by_md5_over_an_even_split(string key, int shard)
    {
        var stream = broker.CreateStream("s");
        var put = await stream.PutRecordAsync(new PutRecordRequest(key, Bytes("x")));
        Assert.Equal($"shardId-00000000000{shard}", put.ShardId);
    }

    [Fact]
    public void Create_splits_the_hash_space_evenly()
    {
        var shards = broker.CreateStream("s", new StreamOptions { ShardCount = 3 }).ListShards();
        Assert.Equal(["0", "113427455640312821154458202477256070485", "226854911280625642308916404954512140970"], shards.Select(s => s.HashKeyRange.StartingHashKey));
        Assert.Equal("340282366920938463463374607431768211455", shards[^1].HashKeyRange.EndingHashKey);
        Assert.All(shards, s => Assert.Null(s.SequenceNumberRange.EndingSequenceNumber));
    }

    [Fact]
    public async Task Records_read_back_in_order_with_increasing_sequence_numbers_and_a_reusable_iterator()
    {
        var stream = broker.CreateStream("s", new StreamOptions { ShardCount = 1 });
        for (var i = 0; i < 5; i++)
        {
            await stream.PutRecordAsync(new PutRecordRequest("k" + i, Bytes("r" + i)));
        }

        var iterator = stream.GetShardIterator("shardId-000000000000", ShardIteratorType.TrimHorizon);
        var page = await stream.GetRecordsAsync(iterator, limit: 3);
        Assert.Equal(["r0", "r1", "r2"], page.Records.Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        Assert.NotNull(page.NextShardIterator);
        var rest = await stream.GetRecordsAsync(page.NextShardIterator!);
        Assert.Equal(["r3", "r4"], rest.Records.Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        Assert.Equal(0, rest.MillisBehindLatest);
        var sequence = page.Records.Concat(rest.Records).Select(r => System.Numerics.BigInteger.Parse(r.SequenceNumber, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(sequence.Order(), sequence);
        Assert.Equal(5, (await stream.GetRecordsAsync(iterator)).Records.Count);

        var after = stream.GetShardIterator("shardId-000000000000", ShardIteratorType.AfterSequenceNumber, page.Records[1].SequenceNumber);
        Assert.Equal("r2", Encoding.UTF8.GetString((await stream.GetRecordsAsync(after)).Records[0].Data.Span));
    }

    [Fact]
    public async Task Iterators_expire_after_five_minutes_and_forged_ones_are_refused()
    {
        var stream = broker.CreateStream("s", new StreamOptions { ShardCount = 1 });
        var iterator = stream.GetShardIterator("shardId-000000000000", ShardIteratorType.Latest);
        clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        await stream.GetRecordsAsync(iterator);
        clock.Advance(TimeSpan.FromTicks(1));
        var expired = await Assert.ThrowsAsync<BrokerException>(() => stream.GetRecordsAsync(iterator).AsTask());
        Assert.Equal(BrokerErrorCodes.ExpiredIteratorException, expired.ErrorCode);
        var forged = await Assert.ThrowsAsync<BrokerException>(() => stream.GetRecordsAsync(iterator[..^2] + "AA").AsTask());
        Assert.Equal(BrokerErrorCodes.InvalidArgumentException, forged.ErrorCode);
    }

    [Fact]
    public async Task Retention_trims_on_the_clock_and_an_increase_does_not_resurrect()
    {
        var stream = broker.CreateStream("s", new StreamOptions { ShardCount = 1 });
        await stream.PutRecordAsync(new PutRecordRequest("k", Bytes("old")));
        clock.Advance(TimeSpan.FromHours(1));
        await stream.PutRecordAsync(new PutRecordRequest("k", Bytes("new")));
        clock.Advance(TimeSpan.FromHours(23));
        stream.IncreaseRetentionPeriod(TimeSpan.FromHours(48));
        var page = await stream.GetRecordsAsync(stream.GetShardIterator("shardId-000000000000", ShardIteratorType.TrimHorizon));
        Assert.Equal(["new"], page.Records.Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        Assert.Equal(BrokerErrorCodes.InvalidArgumentException, Throws(() => stream.IncreaseRetentionPeriod(TimeSpan.FromHours(24))).ErrorCode);
        stream.DecreaseRetentionPeriod(TimeSpan.FromHours(24));
        page = await stream.GetRecordsAsync(stream.GetShardIterator("shardId-000000000000", ShardIteratorType.TrimHorizon));
        Assert.Single(page.Records);
        clock.Advance(TimeSpan.FromHours(1));
        page = await stream.GetRecordsAsync(stream.GetShardIterator("shardId-000000000000", ShardIteratorType.TrimHorizon));
        Assert.Empty(page.Records);
    }

    [Fact]
    public async Task A_split_parent_is_read_to_its_end_then_names_its_children()
    {
        var stream = broker.CreateStream("s", new StreamOptions { ShardCount = 1 });
        await stream.PutRecordAsync(new PutRecordRequest("a", Bytes("before")));
        var iterator = stream.GetShardIterator("shardId-000000000000", ShardIteratorType.TrimHorizon);
        stream.SplitShard("shardId-000000000000", "170141183460469231731687303715884105728");
        var after = await stream.PutRecordAsync(new PutRecordRequest("a", Bytes("after")));
        Assert.Equal("shardId-000000000001", after.ShardId);

        var page = await stream.GetRecordsAsync(iterator);
        Assert.Single(page.Records);
        Assert.Null(page.NextShardIterator);
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], page.ChildShards.Select(c => c.ShardId));

        var shards = stream.ListShards();
        Assert.Equal(3, shards.Count);
        Assert.NotNull(shards[0].SequenceNumberRange.EndingSequenceNumber);
        Assert.Equal(2, stream.ListShards(new ShardFilter(ShardFilterType.AtLatest)).Count);
        Assert.Equal(2, stream.Describe().OpenShardCount);

        clock.Advance(TimeSpan.FromHours(24));
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], stream.ListShards().Select(s => s.ShardId));
    }

    [Fact]
    public void Merge_requires_adjacency_and_update_shard_count_keeps_full_coverage()
    {
        var stream = broker.CreateStream("s", new StreamOptions { ShardCount = 3 });
        Assert.Equal(BrokerErrorCodes.InvalidArgumentException, Throws(() => stream.MergeShards("shardId-000000000000", "shardId-000000000002")).ErrorCode);
        stream.MergeShards("shardId-000000000001", "shardId-000000000000");
        var merged = stream.ListShards(new ShardFilter(ShardFilterType.AtLatest))[^1];
        Assert.Equal(("shardId-000000000003", "shardId-000000000001", "shardId-000000000000"), (merged.ShardId, merged.ParentShardId, merged.AdjacentParentShardId));
        Assert.Equal(BrokerErrorCodes.ResourceInUseException, Throws(() => stream.SplitShard("shardId-000000000000", "5")).ErrorCode);

        stream.UpdateShardCount(4);
        var open = stream.ListShards(new ShardFilter(ShardFilterType.AtLatest)).OrderBy(s => UInt128.Parse(s.HashKeyRange.StartingHashKey, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(4, open.Count);
        Assert.Equal("0", open[0].HashKeyRange.StartingHashKey);
        Assert.Equal("85070591730234615865843651857942052864", open[1].HashKeyRange.StartingHashKey);
        Assert.Equal(BrokerErrorCodes.InvalidArgumentException, Throws(() => stream.UpdateShardCount(9)).ErrorCode);
    }

    [Fact]
    public async Task Put_records_rejects_a_bad_entry_as_a_whole_and_reports_throttled_entries_one_by_one()
    {
        var stream = broker.CreateStream("s", new StreamOptions { ShardCount = 1, EnforceThroughputLimits = true });
        var bad = await Assert.ThrowsAsync<BrokerException>(() => stream.PutRecordsAsync([new PutRecordsRequestEntry("k", Bytes("x")), new PutRecordsRequestEntry("", Bytes("x"))]).AsTask());
        Assert.Equal(BrokerErrorCodes.InvalidArgumentException, bad.ErrorCode);
        Assert.Empty((await stream.GetRecordsAsync(stream.GetShardIterator("shardId-000000000000", ShardIteratorType.TrimHorizon))).Records);

        var entries = Enumerable.Range(0, 500).Select(i => new PutRecordsRequestEntry("k" + i, Bytes("x"))).ToList();
        Assert.Equal(0, (await stream.PutRecordsAsync(entries)).FailedRecordCount);
        Assert.Equal(0, (await stream.PutRecordsAsync(entries)).FailedRecordCount); // 1,000 records/s per shard
        var second = await stream.PutRecordsAsync(entries);
        Assert.Equal(500, second.Records.Count);
        Assert.Equal(500, second.FailedRecordCount);
        Assert.Equal(BrokerErrorCodes.ProvisionedThroughputExceededException, second.Records[0].ErrorCode);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, (await stream.PutRecordsAsync(entries.Take(10).ToList())).FailedRecordCount);
    }

    [Fact]
    public async Task Subscriptions_are_woken_by_producers_and_end_after_five_minutes()
    {
        var stream = broker.CreateStream("s", new StreamOptions { ShardCount = 1 });
        stream.RegisterConsumer("c");
        var events = stream.SubscribeToShard("c", "shardId-000000000000", new StartingPosition(ShardIteratorType.Latest)).GetAsyncEnumerator();
        var moved = events.MoveNextAsync().AsTask();
        Assert.False(moved.IsCompleted);
        var put = await stream.PutRecordAsync(new PutRecordRequest("k", Bytes("pushed")));
        Assert.True(await moved.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(put.SequenceNumber, events.Current.ContinuationSequenceNumber);
        Assert.Equal("pushed", Encoding.UTF8.GetString(events.Current.Records[0].Data.Span));

        Assert.Equal(BrokerErrorCodes.ResourceInUseException, Throws(() => stream.SubscribeToShard("c", "shardId-000000000000", new StartingPosition(ShardIteratorType.Latest))).ErrorCode);
        moved = events.MoveNextAsync().AsTask();
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.False(await moved.WaitAsync(TimeSpan.FromSeconds(10)));
        await events.DisposeAsync();
    }

    [Fact]
    public async Task Deleting_a_stream_with_consumers_needs_enforcement()
    {
        var stream = broker.CreateStream("s");
        stream.RegisterConsumer("c");
        Assert.Equal(BrokerErrorCodes.ResourceInUseException, Throws(() => broker.DeleteStream("s")).ErrorCode);
        broker.DeleteStream(stream.Arn, enforceConsumerDeletion: true);
        Assert.False(broker.TryGetStream("s", out _));
        var gone = await Assert.ThrowsAsync<BrokerException>(() => stream.PutRecordAsync(new PutRecordRequest("k", Bytes("x"))).AsTask());
        Assert.Equal(BrokerErrorCodes.ResourceNotFoundException, gone.ErrorCode);
        Assert.Equal(BrokerErrorCodes.ResourceInUseException, Throws(() => { broker.CreateStream("t"); broker.CreateStream("t"); }).ErrorCode);
    }

    [Fact]
    public async Task Concurrent_producers_lose_nothing_and_keep_per_shard_order()
    {
        var stream = broker.CreateStream("s", new StreamOptions { ShardCount = 2 });
        await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 2000; i++)
            {
                await stream.PutRecordAsync(new PutRecordRequest($"p{p}", Bytes($"{p}:{i}")));
            }
        })));
        var seen = new List<string>();
        foreach (var shard in stream.ListShards())
        {
            var page = await stream.GetRecordsAsync(stream.GetShardIterator(shard.ShardId, ShardIteratorType.TrimHorizon));
            seen.AddRange(page.Records.Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        }

        Assert.Equal(8000, seen.Count);
        foreach (var group in seen.GroupBy(s => s.Split(':')[0]))
        {
            var numbers = group.Select(s => int.Parse(s.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(0, 2000), numbers);
        }
    }

    [Fact]
    public async Task At_timestamp_starts_at_the_first_later_record_and_foreign_sequence_numbers_are_refused()
    {
        var stream = broker.CreateStream("s", new StreamOptions { ShardCount = 2 });
        await stream.PutRecordAsync(new PutRecordRequest("a", Bytes("first")));
        clock.Advance(TimeSpan.FromSeconds(1));
        var middle = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromSeconds(1));
        var second = await stream.PutRecordAsync(new PutRecordRequest("a", Bytes("second")));
        var page = await stream.GetRecordsAsync(stream.GetShardIterator(second.ShardId, ShardIteratorType.AtTimestamp, timestamp: middle));
        Assert.Equal(["second"], page.Records.Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        Assert.Equal(BrokerErrorCodes.InvalidArgumentException, Throws(() => stream.GetShardIterator("shardId-000000000001", ShardIteratorType.AtSequenceNumber, second.SequenceNumber)).ErrorCode);
        Assert.Equal(BrokerErrorCodes.ResourceNotFoundException, Throws(() => stream.GetShardIterator("shardId-000000000009", ShardIteratorType.Latest)).ErrorCode);

        stream.SplitShard("shardId-000000000000", "1000");
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["shardId-000000000001", "shardId-000000000002", "shardId-000000000003"], stream.ListShards(new ShardFilter(ShardFilterType.AfterShardId, "shardId-000000000000")).Select(s => s.ShardId));
        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], stream.ListShards(new ShardFilter(ShardFilterType.AtTrimHorizon)).Select(s => s.ShardId));
        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], stream.ListShards(new ShardFilter(ShardFilterType.AtTimestamp, Timestamp: middle)).Select(s => s.ShardId));
        Assert.Equal(3, stream.ListShards(new ShardFilter(ShardFilterType.FromTimestamp, Timestamp: clock.GetUtcNow())).Count);
    }
}
