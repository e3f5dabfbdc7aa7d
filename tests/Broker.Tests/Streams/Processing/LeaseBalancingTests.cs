using Broker.Streams;
using Broker.Streams.Processing;

namespace Broker.Tests.Streams.Processing;

public sealed class LeaseBalancingTests : ProcessorFixture
{
    [Fact]
    public async Task Two_workers_split_four_shards_two_and_two()
    {
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 4 });
        var first = await StartWorker(stream, "first");
        Assert.Equal(4, first.HeldShardIds.Count);

        var second = await StartWorker(stream, "second");
        await RunUntil(() => first.HeldShardIds.Count == 2 && second.HeldShardIds.Count == 2);
        await Advance(FailoverTime * 3);

        Assert.Equal(2, first.HeldShardIds.Count);
        Assert.Equal(2, second.HeldShardIds.Count);
        Assert.Equal(Enumerable.Range(0, 4).Select(ShardId), first.HeldShardIds.Concat(second.HeldShardIds).Order());
        foreach (var shard in second.HeldShardIds)
        {
            Assert.Equal("second", (await LeaseOf(shard)).LeaseOwner);
            Assert.Single(Journal.Of("lost", shard, "first"));
        }
    }

    [Fact]
    public async Task A_worker_that_stops_renewing_loses_its_leases_after_the_failover_time_and_the_other_resumes_from_their_checkpoints()
    {
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 4 });
        var first = await StartWorker(stream, "first");
        var second = await StartWorker(stream, "second");
        await RunUntil(() => first.HeldShardIds.Count == 2 && second.HeldShardIds.Count == 2);
        var orphaned = first.HeldShardIds.ToList();
        foreach (var shard in orphaned)
        {
            var index = int.Parse(shard["shardId-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            await Put(stream, "k", "done-" + shard, HashKeyOf(index, 4));
            await Put(stream, "k", "hold-" + shard, HashKeyOf(index, 4));
        }

        await RunUntil(() => Journal.Data(worker: "first").Count == 4);
        await first.AbandonAsync();

        await Advance(FailoverTime / 2);
        Assert.Equal(2, second.HeldShardIds.Count);
        Assert.All(orphaned, shard => Assert.DoesNotContain(shard, second.HeldShardIds));

        await RunUntil(() => second.HeldShardIds.Count == 4, maxSeconds: 60);
        await RunUntil(() => Journal.Data(worker: "second").Count == 2);

        Assert.Empty(Journal.Of("shutdown", worker: "first"));
        foreach (var shard in orphaned)
        {
            Assert.Empty(Journal.Of("lost", shard, "first"));
            Assert.Equal(["hold-" + shard], Journal.Data(shard, "second"));
            var lease = await LeaseOf(shard);
            Assert.Equal("second", lease.LeaseOwner);
            Assert.Equal(1, lease.OwnerSwitchesSinceCheckpoint);
        }
    }

    [Fact]
    public async Task A_processor_whose_lease_is_taken_gets_LeaseLost_and_its_checkpointer_throws()
    {
        Behaviour.CheckpointBatches = false;
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 1 });
        var sequence = await Put(stream, "k", "a1");
        await StartWorker(stream, "first");
        await RunUntil(() => Journal.Of("record").Count == 1);
        var checkpointer = Behaviour.Processors[("first", ShardId(0))].Checkpointer!;

        var lease = await LeaseOf(ShardId(0));
        Assert.NotNull(await Store.UpdateLeaseAsync(App, lease with { LeaseOwner = "intruder" }));
        await RunUntil(() => Journal.Of("lost").Count == 1, maxSeconds: 5);

        await Assert.ThrowsAsync<LeaseLostException>(() => checkpointer.CheckpointAsync(sequence).AsTask());
        await Assert.ThrowsAsync<LeaseLostException>(() => checkpointer.CheckpointAsync().AsTask());
        Assert.Equal("intruder", (await LeaseOf(ShardId(0))).LeaseOwner);
        Assert.Equal(SentinelCheckpoints.TrimHorizon, (await LeaseOf(ShardId(0))).Checkpoint);
    }
}
