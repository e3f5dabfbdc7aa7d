using System.Diagnostics;
using System.Diagnostics.Metrics;
using Broker.Hosting.Tests.Subscribers;
using Broker.Streams.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Broker.Hosting.Tests.StreamConsumers;

public sealed class StreamConsumerTests : StreamConsumerFixture
{
    [Fact]
    public async Task Records_are_handled_in_order_per_shard_across_several_shards_and_counted()
    {
        var stream = CreateStream(shards: 4);
        var putByShard = new Dictionary<string, List<string>>();
        for (var i = 0; i < 40; i++)
        {
            var put = await Put(stream, new Click(i, "view"), shard: i % 4, shards: 4);
            (putByShard.TryGetValue(put.ShardId, out var list) ? list : putByShard[put.ShardId] = []).Add(put.SequenceNumber);
        }

        var host = BuildHost(o => o.BatchSize = 5);
        using var handled = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Broker", "broker.consumer.messages_handled");
        await host.StartAsync();
        await Probe.HandledRecords.WaitForAsync(40);

        Assert.Equal(4, putByShard.Count);
        foreach (var (shardId, sequenceNumbers) in putByShard)
        {
            var batches = Probe.Handled.Items.Where(b => b.Context.ShardId == shardId).ToList();
            Assert.Equal(sequenceNumbers, batches.SelectMany(b => b.Records).Select(r => r.SequenceNumber));
            Assert.All(batches, b => Assert.InRange(b.Records.Count, 1, 5));
            Assert.All(batches, b => Assert.Equal((StreamName, Group), (b.Context.StreamName, b.Context.ConsumerGroup)));
        }

        await handled.WaitForMeasurementsAsync(Probe.Handled.Count, TestHost.Bound);
        Assert.Equal(40, handled.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.All(handled.GetMeasurementSnapshot(), m => Assert.Equal(StreamName, m.Tags["consumer"]));
    }

    [Fact]
    public async Task Handled_batches_are_checkpointed_and_a_new_host_of_the_group_resumes_after_them()
    {
        var stream = CreateStream();
        var leases = new InMemoryLeaseStore();
        for (var i = 1; i <= 4; i++)
        {
            await Put(stream, new Click(i, "first"));
        }

        var first = await StartHost(o => o.BatchSize = 2, services => services.AddSingleton<ILeaseStore>(leases));
        await Probe.HandledRecords.WaitForAsync(4);
        await first.StopAsync().WaitAsync(TestHost.Bound);
        Assert.Equal(Probe.HandledRecords.Items[^1].SequenceNumber, (await LeaseOf(first, ShardId(0))).Checkpoint);

        var fifth = await Put(stream, new Click(5, "second"));
        await Put(stream, new Click(6, "second"));
        var resumed = new StreamProbe();
        var second = await StartHost(o => o.BatchSize = 2, services => services.AddSingleton<ILeaseStore>(leases), resumed);
        await resumed.HandledRecords.WaitForAsync(2);
        await second.StopAsync().WaitAsync(TestHost.Bound);

        Assert.Equal([5, 6], resumed.HandledRecords.Items.Select(r => r.Data.Id));
        Assert.Equal(fifth.SequenceNumber, resumed.Invocations.Items[0].Records[0].SequenceNumber);
        Assert.Equal(1, resumed.Invocations.Items[0].Context.Attempt);
    }

    [Fact]
    public async Task Batch_size_caps_how_many_records_one_invocation_gets()
    {
        var stream = CreateStream();
        for (var i = 0; i < 10; i++)
        {
            await Put(stream, new Click(i, "view"));
        }

        await StartHost(o => o.BatchSize = 4);
        await Probe.HandledRecords.WaitForAsync(10);

        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], Probe.Handled.Items.Select(b => b.Ids.ToArray()));
    }

    [Fact]
    public async Task Batching_window_gathers_records_across_reads_until_it_ends_on_the_brokers_clock()
    {
        var window = TimeSpan.FromSeconds(5);
        var stream = CreateStream();
        await Put(stream, new Click(1, "view"));
        await Put(stream, new Click(2, "view"));
        await StartHost(o => o.MaximumBatchingWindow = window);
        await WhenWaiting(window);
        await WhenWaiting(ReadInterval); // the reader handed both records over and waits to read again

        await Put(stream, new Click(3, "view"));
        Clock.Advance(ReadInterval);
        await WhenWaiting(ReadInterval); // it read the third record and waits again
        Assert.Empty(Probe.Invocations.Items);

        Clock.Advance(window - ReadInterval);
        await Probe.Handled.WaitForAsync(1);

        Assert.Equal([1, 2, 3], Assert.Single(Probe.Invocations.Items).Ids);
    }

    [Fact]
    public async Task A_full_batch_is_handed_over_before_its_batching_window_ends()
    {
        var stream = CreateStream();
        for (var i = 0; i < 4; i++)
        {
            await Put(stream, new Click(i, "view"));
        }

        await StartHost(o =>
        {
            o.BatchSize = 3;
            o.MaximumBatchingWindow = TimeSpan.FromMinutes(1);
        });
        await Probe.Handled.WaitForAsync(1);
        await WhenWaiting(TimeSpan.FromMinutes(1)); // the last record waits for a window of its own

        Assert.Equal([0, 1, 2], Assert.Single(Probe.Invocations.Items).Ids);
    }

    [Fact]
    public async Task Records_gathered_from_a_closed_shard_are_handled_before_its_children_start()
    {
        var window = TimeSpan.FromMinutes(1);
        var renewal = TimeSpan.FromSeconds(10) / 3; // the processor's lease beat: a third of the KCL failover time
        var stream = CreateStream();
        var leases = new ReleaseSignals();
        await Put(stream, new Click(1, "parent"));
        var host = await StartHost(o => o.MaximumBatchingWindow = window, services => services.AddSingleton<ILeaseStore>(leases));
        await WhenWaiting(window);
        await WhenWaiting(ReadInterval);

        stream.SplitShard(ShardId(0), System.Numerics.BigInteger.Pow(2, 127).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Put(stream, new Click(2, "child"));
        Clock.Advance(ReadInterval); // the parent's reader reaches its end: the gathered record goes before SHARD_END
        await Probe.Handled.WaitForAsync(1);
        Assert.Equal([1], Probe.HandledRecords.Items.Select(r => r.Data.Id));

        // The parent's lease is released after SHARD_END is checkpointed and the children's leases exist.
        await leases.WhenReleasedAsync(ShardId(0)).WaitAsync(TestHost.Bound);
        await WhenWaiting(renewal);
        Clock.Advance(renewal); // the next round takes the children's leases
        await WhenWaiting(window); // a child gathered the second record
        Clock.Advance(window);
        await Probe.HandledRecords.WaitForAsync(2);

        Assert.Equal([1, 2], Probe.HandledRecords.Items.Select(r => r.Data.Id));
        Assert.Equal(SentinelCheckpoints.ShardEnd, (await LeaseOf(host, ShardId(0))).Checkpoint);
    }

    [Fact]
    public async Task By_default_a_new_group_starts_at_the_latest_record()
    {
        var stream = CreateStream();
        await Put(stream, new Click(1, "before the group started"));
        await StartHost(o => o.InitialPosition = InitialPosition.Latest);
        await WhenWaiting(ReadInterval); // caught up at LATEST

        await Put(stream, new Click(2, "after"));
        Clock.Advance(ReadInterval);
        await Probe.HandledRecords.WaitForAsync(1);

        Assert.Equal([2], Probe.HandledRecords.Items.Select(r => r.Data.Id));
        Assert.Equal(InitialPosition.Latest, new StreamConsumerOptions().InitialPosition);
    }

    [Fact]
    public async Task Each_batch_starts_a_consumer_activity_with_no_parent()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Broker",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var stream = CreateStream();
        await Put(stream, new Click(1, "view"));

        // The host starts inside an activity, which the processor's tasks inherit; a batch must not join that trace.
        using (new Activity("test start").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            await StartHost();
        }

        await Probe.Handled.WaitForAsync(1);

        var seen = Assert.Single(Probe.Invocations.Items).Activity;
        Assert.NotNull(seen);
        Assert.Equal($"{StreamName} process", seen.Name);
        Assert.Equal(ActivityKind.Consumer, seen.Kind);
        Assert.Null(seen.ParentId);
    }
}
