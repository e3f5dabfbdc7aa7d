using Broker.Streams;
using Broker.Streams.Processing;

namespace Broker.Tests.Streams.Processing;

public sealed class ReshardingTests : ProcessorFixture
{
    [Fact]
    public async Task A_split_parent_is_finished_before_its_children_start_and_a_key_stays_in_order()
    {
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 1 });
        await Put(stream, "low", "low-1", "1");
        await Put(stream, "high", "high-1", Half);
        await Put(stream, "low", "low-2", "1");
        stream.SplitShard(ShardId(0), Half);
        await Put(stream, "low", "low-3", "1");
        await Put(stream, "high", "high-2", Half);
        await Put(stream, "low", "low-4", "1");

        await StartWorker(stream, "w1");
        await RunUntil(() => Journal.Of("record").Count == 6);

        var parentEnd = Journal.IndexOf("shard-end-checkpoint", ShardId(0));
        Assert.True(parentEnd >= 0);
        Assert.True(Journal.IndexOf("init", ShardId(1)) > parentEnd);
        Assert.True(Journal.IndexOf("init", ShardId(2)) > parentEnd);
        Assert.Equal(["low-1", "low-2", "low-3", "low-4"], Journal.Data().Where(d => d.StartsWith("low", StringComparison.Ordinal)));
        Assert.Equal(["high-1", "high-2"], Journal.Data().Where(d => d.StartsWith("high", StringComparison.Ordinal)));
        Assert.Equal(SentinelCheckpoints.ShardEnd, (await LeaseOf(ShardId(0))).Checkpoint);
        Assert.Equal(SentinelCheckpoints.TrimHorizon, Journal.Of("init", ShardId(1)).Single().Data);
        Assert.Equal([ShardId(0)], (await LeaseOf(ShardId(2))).ParentShardIds);
    }

    [Fact]
    public async Task A_merged_child_waits_until_both_parents_are_at_SHARD_END()
    {
        var allowSecondParent = false;
        Behaviour.CheckpointAtShardEnd = shard => shard != ShardId(1) || allowSecondParent;
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 2 });
        await Put(stream, "a", "a-1", HashKeyOf(0, 2));
        await Put(stream, "b", "b-1", HashKeyOf(1, 2));
        stream.MergeShards(ShardId(0), ShardId(1));
        await Put(stream, "a", "a-2", HashKeyOf(0, 2));
        await Put(stream, "b", "b-2", HashKeyOf(1, 2));

        await StartWorker(stream, "w1");
        await RunUntil(() => Journal.Of("shard-end-checkpoint", ShardId(0)).Count == 1 && Journal.Of("ended", ShardId(1)).Count >= 1);
        await Advance(FailoverTime * 3);

        Assert.Equal([ShardId(0), ShardId(1)], (await LeaseOf(ShardId(2))).ParentShardIds);
        Assert.Empty(Journal.Of("init", ShardId(2)));
        Assert.True(Journal.Of("ended", ShardId(1)).Count > 1, "ShardEnded is asked again until the processor checkpoints");

        allowSecondParent = true;
        await RunUntil(() => Journal.Of("record", ShardId(2)).Count == 2);

        Assert.True(Journal.IndexOf("init", ShardId(2)) > Journal.IndexOf("shard-end-checkpoint", ShardId(1)));
        Assert.Equal(["a-1", "a-2"], Journal.Data().Where(d => d.StartsWith('a')));
        Assert.Equal(["b-1", "b-2"], Journal.Data().Where(d => d.StartsWith('b')));
    }

    [Fact]
    public async Task A_merged_child_waits_for_a_parent_whose_lease_does_not_exist_yet_because_its_own_parent_is_unfinished()
    {
        // Shards 0 and 1; 1 splits into 2 and 3; 0 and 2 merge into 4. Shard 2 has no lease until 1 ends, and 1 never
        // ends here: the child 4 must not start on 0's end alone (it once did, taking a lease-less parent as finished).
        Behaviour.CheckpointAtShardEnd = shard => shard != ShardId(1);
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 2 });
        await Put(stream, "a", "a-1", HashKeyOf(0, 2));
        await Put(stream, "b", "b-1", HashKeyOf(1, 2));
        var upper = stream.ListShards().Single(s => s.ShardId == ShardId(1)).HashKeyRange;
        var middle = (System.Numerics.BigInteger.Parse(upper.StartingHashKey, System.Globalization.CultureInfo.InvariantCulture)
            + System.Numerics.BigInteger.Parse(upper.EndingHashKey, System.Globalization.CultureInfo.InvariantCulture)) / 2;
        stream.SplitShard(ShardId(1), middle.ToString(System.Globalization.CultureInfo.InvariantCulture));
        stream.MergeShards(ShardId(0), ShardId(2));
        await Put(stream, "a", "a-2", HashKeyOf(0, 2));

        await StartWorker(stream, "w1");
        await RunUntil(() => Journal.Of("shard-end-checkpoint", ShardId(0)).Count == 1 && Journal.Of("ended", ShardId(1)).Count >= 1);
        await Advance(FailoverTime * 6);

        Assert.Empty(Journal.Of("init", ShardId(4)));
        Assert.Null(await Store.GetLeaseAsync(App, ShardId(2)));
    }

    [Fact]
    public async Task Without_a_SHARD_END_checkpoint_the_children_never_start()
    {
        Behaviour.CheckpointAtShardEnd = _ => false;
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 1 });
        await Put(stream, "low", "low-1", "1");
        stream.SplitShard(ShardId(0), Half);
        await Put(stream, "low", "low-2", "1");

        await StartWorker(stream, "w1");
        await RunUntil(() => Journal.Of("ended", ShardId(0)).Count >= 1);
        await Advance(TimeSpan.FromSeconds(130));

        Assert.Equal(["low-1"], Journal.Data());
        Assert.True(Journal.Of("ended", ShardId(0)).Count > 1);
        Assert.Null(await Store.GetLeaseAsync(App, ShardId(1)));
        Assert.Null(await Store.GetLeaseAsync(App, ShardId(2)));
        Assert.NotEqual(SentinelCheckpoints.ShardEnd, (await LeaseOf(ShardId(0))).Checkpoint);
    }
}
