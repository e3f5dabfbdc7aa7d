using Broker.Streams;
using Broker.Streams.Processing;

namespace Broker.Tests.Streams.Processing;

public sealed class StreamProcessorTests : ProcessorFixture
{
    [Fact]
    public async Task One_worker_processes_every_shard_in_order_and_checkpoints_its_last_record()
    {
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 4 });
        var put = new Dictionary<string, List<string>>();
        for (var i = 0; i < 40; i++)
        {
            var shard = ShardId(i % 4);
            var sequence = await Put(stream, "key" + i, "r" + i, HashKeyOf(i % 4, 4));
            (put.TryGetValue(shard, out var list) ? list : put[shard] = []).Add(sequence);
        }

        var worker = await StartWorker(stream, "w1");
        await RunUntil(() => Journal.Of("record").Count == 40);

        Assert.Equal(put.Keys.Order(), worker.HeldShardIds);
        foreach (var (shard, sequences) in put)
        {
            Assert.Equal(sequences, Journal.Of("record", shard).Select(e => e.SequenceNumber));
            Assert.Equal(sequences[^1], (await LeaseOf(shard)).Checkpoint);
            Assert.Equal("w1", (await LeaseOf(shard)).LeaseOwner);
        }
    }

    [Fact]
    public async Task A_restarted_application_resumes_after_the_checkpoint_and_redelivers_what_came_after_it()
    {
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 1 });
        await Put(stream, "k", "a1");
        var checkpointed = await Put(stream, "k", "a2");
        await Put(stream, "k", "hold-3");
        await Put(stream, "k", "hold-4");
        var first = await StartWorker(stream, "first");
        await RunUntil(() => Journal.Data(worker: "first").Count == 4);
        Assert.Equal(checkpointed, (await LeaseOf(ShardId(0))).Checkpoint);

        await first.StopAsync();
        Assert.Single(Journal.Of("shutdown", worker: "first"));
        Assert.Null((await LeaseOf(ShardId(0))).LeaseOwner);

        await Put(stream, "k", "a5");
        await StartWorker(stream, "second");
        await RunUntil(() => Journal.Data(worker: "second").Count == 3);

        Assert.Equal(checkpointed, Journal.Of("init", worker: "second").Single().Data);
        Assert.Equal(["hold-3", "hold-4", "a5"], Journal.Data(worker: "second"));
    }

    [Fact]
    public async Task Stop_allows_a_final_checkpoint_in_ShutdownRequested_and_releases_the_lease()
    {
        Behaviour.CheckpointOnShutdown = true;
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 1 });
        await Put(stream, "k", "a1");
        var last = await Put(stream, "k", "hold-2");
        var first = await StartWorker(stream, "first");
        await RunUntil(() => Journal.Data(worker: "first").Count == 2);

        await first.StopAsync();

        var lease = await LeaseOf(ShardId(0));
        Assert.Equal(last, lease.Checkpoint);
        Assert.Null(lease.LeaseOwner);
        await Assert.ThrowsAsync<LeaseLostException>(() => Behaviour.Processors[("first", ShardId(0))].Checkpointer!.CheckpointAsync().AsTask());

        await StartWorker(stream, "second");
        await Advance(TimeSpan.FromSeconds(10));
        Assert.Single(Journal.Of("init", worker: "second"));
        Assert.Empty(Journal.Data(worker: "second"));
    }

    [Fact]
    public async Task Checkpoint_accepts_only_a_sequence_number_handed_to_the_processor_after_the_last_checkpoint()
    {
        Behaviour.CheckpointBatches = false;
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 2 });
        var first = await Put(stream, "k", "a1", HashKeyOf(0, 2));
        var second = await Put(stream, "k", "a2", HashKeyOf(0, 2));
        var otherShard = await Put(stream, "k", "b1", HashKeyOf(1, 2));
        await StartWorker(stream, "w1");
        await RunUntil(() => Journal.Of("record").Count == 3);
        var checkpointer = Behaviour.Processors[("w1", ShardId(0))].Checkpointer!;

        await Assert.ThrowsAsync<ArgumentException>(() => checkpointer.CheckpointAsync(otherShard).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => checkpointer.CheckpointAsync("12345678901234567890123").AsTask());
        await checkpointer.CheckpointAsync(second);
        await Assert.ThrowsAsync<ArgumentException>(() => checkpointer.CheckpointAsync(first).AsTask());
        await checkpointer.CheckpointAsync(second);
        Assert.Equal(second, (await LeaseOf(ShardId(0))).Checkpoint);
    }

    [Fact]
    public async Task Latest_starts_after_the_records_already_in_the_stream()
    {
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 2 });
        await Put(stream, "k", "before", HashKeyOf(0, 2));
        await StartWorker(stream, "w1", InitialPosition.Latest);
        await Advance(TimeSpan.FromSeconds(2));
        await Put(stream, "k", "after", HashKeyOf(0, 2));

        await RunUntil(() => Journal.Of("record").Count == 1);

        Assert.Equal(["after"], Journal.Data());
        Assert.All(Journal.Of("init"), e => Assert.Equal(SentinelCheckpoints.Latest, e.Data));
    }

    [Fact]
    public async Task AtTimestamp_starts_at_the_first_record_that_arrived_at_or_after_the_timestamp()
    {
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 1 });
        await Put(stream, "k", "old");
        Time.Advance(TimeSpan.FromMinutes(1));
        var from = Time.GetUtcNow();
        await Put(stream, "k", "new");
        var options = new StreamProcessorOptions
        {
            ApplicationName = App, WorkerId = "w1", LeaseStore = Store, InitialPosition = InitialPosition.AtTimestamp, InitialTimestamp = from,
        };
        await using var worker = new StreamProcessor(Broker, "orders", options, shard => new TestProcessor("w1", shard, Journal, Behaviour));
        await worker.StartAsync();

        for (var second = 0; second < 10 && Journal.Of("record").Count == 0; second++)
        {
            await worker.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        await worker.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["new"], Journal.Data());
        Assert.Equal(SentinelCheckpoints.AtTimestamp, Journal.Of("init").Single().Data);
    }

    [Fact]
    public async Task A_processor_that_throws_gives_up_its_lease_and_the_records_after_the_checkpoint_come_again()
    {
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 1 });
        await Put(stream, "k", "a1");
        await StartWorker(stream, "w1");
        await RunUntil(() => Journal.Of("checkpoint").Count == 1);
        Behaviour.ThrowOn = "boom";
        await Put(stream, "k", "boom");
        await RunUntil(() => Journal.Data().Count(d => d == "boom") == 2);

        Assert.Equal(2, Journal.Of("init").Count);
        Assert.Equal(["a1", "boom", "boom"], Journal.Data());
    }

    [Fact]
    public async Task Options_are_validated_and_default_to_the_KCL_values()
    {
        var options = new StreamProcessorOptions { ApplicationName = App };
        Assert.Equal(InitialPosition.Latest, options.InitialPosition);
        Assert.Equal(10_000, options.MaxRecords);
        Assert.Equal(TimeSpan.FromSeconds(1), options.IdleTimeBetweenReads);
        Assert.Equal(TimeSpan.FromSeconds(10), options.FailoverTime);
        Assert.Equal(TimeSpan.FromSeconds(60), options.ShardSyncInterval);
        Assert.Equal(1, options.MaxLeasesToStealAtOneTime);
        Assert.IsType<InMemoryLeaseStore>(options.LeaseStore);
        Assert.True(Guid.TryParse(options.WorkerId, out _));

        var stream = Broker.CreateStream("orders");
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamProcessor(stream, Time, options with { MaxRecords = 10_001 }, _ => null!));
        Assert.Throws<ArgumentException>(() => new StreamProcessor(stream, Time, options with { InitialPosition = InitialPosition.AtTimestamp }, _ => null!));
        await using var processor = new StreamProcessor(Broker, "orders", options, _ => null!);
        Assert.Equal(options.WorkerId, processor.WorkerId);
    }
}
