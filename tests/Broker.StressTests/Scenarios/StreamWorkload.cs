using System.Numerics;
using Broker.Streams;
using Broker.StressTests.History;

namespace Broker.StressTests.Scenarios;

/// <summary>
/// Producers on several partition keys, lineage-following consumers and a resharder (splits, merges,
/// UpdateShardCount) on one stream whose 24-hour retention passes several times in a run, so that records are trimmed
/// while consumers read; then a catch-up with the clock frozen.
/// </summary>
internal sealed class StreamWorkload : IDisposable
{
    private const int Producers = 2;
    private const int KeysPerProducer = 8;
    private const int Consumers = 3;
    private const int MaxShards = 8;
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private readonly StressClock clock;
    private readonly IDataStream stream;
    private readonly StreamHistory history = new(Retention);
    private readonly StreamConsumer[] consumers;
    private readonly int seed;

    public StreamWorkload(int seed)
    {
        this.seed = seed;

        // 5 to 60 s per 8 operations: the 5-minute iterator lifetime passes within a few dozen reads and the retention
        // within some twenty thousand operations, a fraction of a CI run.
        clock = new StressClock(operationsPerStep: 8, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60));
        Broker = new MessageBroker(new BrokerOptions(), clock.Time);
        stream = Broker.CreateStream("clicks", new StreamOptions { ShardCount = 2, RetentionPeriod = Retention });
        consumers = [.. Enumerable.Range(0, Consumers).Select(i => new StreamConsumer(i, stream, history, clock, i == 0 ? new Random(seed + 200) : null))];
    }

    public MessageBroker Broker { get; }

    public StressClock Clock => clock;

    public void Dispose()
    {
        Broker.Dispose();
        clock.Dispose();
    }

    public async Task<StreamHistorySnapshot> RunAsync(TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        using var clockStop = new CancellationTokenSource();
        var clockTask = Task.Run(() => clock.RunAsync(seed, clockStop.Token));
        var workers = new List<Task>();
        for (var p = 0; p < Producers; p++)
        {
            var id = p;
            workers.Add(Task.Run(() => ProduceAsync(id, new Random(seed + 100 + id), stop.Token)));
        }

        workers.AddRange(consumers.Select(c => Task.Run(() => c.RunAsync(stop.Token))));
        workers.Add(Task.Run(() => ReshardAsync(new Random(seed + 300), stop.Token)));
        try
        {
            await Task.WhenAll(workers).WaitAsync(duration + TimeSpan.FromSeconds(60));
        }
        finally
        {
            await clockStop.CancelAsync();
            await clockTask;
        }

        foreach (var consumer in consumers)
        {
            await consumer.CatchUpAsync();
        }

        return history.Snapshot(clock.Now);
    }

    private async Task ProduceAsync(int producer, Random random, CancellationToken stop)
    {
        var serials = new long[KeysPerProducer];
        while (!stop.IsCancellationRequested)
        {
            var k = random.Next(KeysPerProducer);
            var key = $"p{producer}-k{k}";
            var serial = ++serials[k];
            var before = clock.Now;
            var result = await stream.PutRecordAsync(new PutRecordRequest(key, System.Text.Encoding.UTF8.GetBytes($"{key}|{serial}")), CancellationToken.None); // a put is never cut off half-recorded
            history.Put(new PutEvent(key, serial, result.ShardId, result.SequenceNumber, new Stamp(before, clock.Now)));
            clock.Tick();
            await Task.Yield();
        }
    }

    private async Task ReshardAsync(Random random, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMinutes(random.Next(10, 60)), clock.Time, stop);
                var open = stream.ListShards(new ShardFilter(ShardFilterType.AtLatest))
                    .OrderBy(s => BigInteger.Parse(s.HashKeyRange.StartingHashKey, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                var roll = random.NextDouble();
                var before = clock.Now;
                string action;
                Action call;
                if (roll < 0.4 && open.Length < MaxShards)
                {
                    var shard = open[random.Next(open.Length)];
                    var start = BigInteger.Parse(shard.HashKeyRange.StartingHashKey, System.Globalization.CultureInfo.InvariantCulture);
                    var end = BigInteger.Parse(shard.HashKeyRange.EndingHashKey, System.Globalization.CultureInfo.InvariantCulture);
                    var middle = (start + end) / 2;
                    action = $"split {shard.ShardId} at {middle}";
                    call = () => stream.SplitShard(shard.ShardId, middle.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                else if (roll < 0.8 && open.Length > 1)
                {
                    var i = random.Next(open.Length - 1);
                    action = $"merge {open[i].ShardId} and {open[i + 1].ShardId}";
                    call = () => stream.MergeShards(open[i].ShardId, open[i + 1].ShardId);
                }
                else
                {
                    var target = random.Next((open.Length + 1) / 2, Math.Min(2 * open.Length, MaxShards) + 1);
                    action = $"UpdateShardCount({target}) from {open.Length}";
                    call = () => stream.UpdateShardCount(target);
                }

                string? error = null;
                try
                {
                    call();
                }
                catch (BrokerException e)
                {
                    error = $"{e.ErrorCode}: {e.Message}";
                }

                history.Resharded(new ReshardEvent(action, error is null, error, new Stamp(before, clock.Now)));
            }
        }
        catch (OperationCanceledException)
        {
            // the run is over
        }
    }
}
