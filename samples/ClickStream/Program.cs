// Click events into a 4-shard stream, read by two consumer groups at their own pace: a real-time counter, and a slower
// archiver that replays the stream from its start. Halfway through, the stream reshards from 4 to 8 shards while
// everything runs; the archiver checks that no user's clicks were lost or reordered across the split.
//
//   dotnet run --project samples/ClickStream              (20,000 clicks)
//   dotnet run --project samples/ClickStream -- 100000    (more)
using System.Collections.Concurrent;
using System.Globalization;
using Broker.Hosting;
using Broker.Streams;
using Broker.Streams.Processing;
using ClickStream;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var clicks = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
const int Users = 200;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Logging.SetMinimumLevel(LogLevel.Warning); // the summary line is the output
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(new Tally(clicks));
builder.Services.AddBroker(broker => broker.AddStream("clicks", new StreamOptions { ShardCount = 4 }));

// The counter keeps up with the stream: big batches, no pause.
builder.Services.AddStreamConsumer<Click, ClickCounter>("clicks", "counter", options =>
{
    options.InitialPosition = InitialPosition.TrimHorizon;
    options.BatchSize = 500;
});

// The archiver replays from the start in small batches and pauses after each (a slow store), so it lags behind.
builder.Services.AddStreamConsumer<Click, ClickArchiver>("clicks", "archiver", options =>
{
    options.InitialPosition = InitialPosition.TrimHorizon;
    options.BatchSize = 100;
});

using var host = builder.Build();
await host.StartAsync();

var producer = host.Services.GetRequiredKeyedService<IStreamProducer<Click>>("clicks");
var tally = host.Services.GetRequiredService<Tally>();
var time = host.Services.GetRequiredService<TimeProvider>();
var started = time.GetTimestamp();
var next = new int[Users];
var batch = new List<KeyValuePair<string, Click>>(500);
var shardsBefore = producer.Stream.ListShards(new ShardFilter(ShardFilterType.AtLatest)).Count;
for (var i = 0; i < clicks; i++)
{
    var user = i * 7919 % Users; // users interleave, each with its own numbered clicks
    batch.Add(new KeyValuePair<string, Click>($"user-{user}", new Click(user, next[user]++, $"/page/{i % 37}")));
    if (batch.Count == batch.Capacity || i == clicks - 1)
    {
        var result = await producer.PutBatchAsync(batch);
        if (result.FailedRecordCount > 0)
        {
            throw new InvalidOperationException($"{result.FailedRecordCount} clicks were refused.");
        }

        batch.Clear();
    }

    if (i == clicks / 2)
    {
        // Resharding while producers and consumers run: the 4 open shards close, 8 children take over.
        producer.Stream.UpdateShardCount(8);
        tally.Resharded(i);
    }
}

var produced = time.GetElapsedTime(started);
var finished = await Task.WhenAny(tally.Done, Task.Delay(TimeSpan.FromMinutes(2), time)) == tally.Done;
var shardsAfter = producer.Stream.ListShards(new ShardFilter(ShardFilterType.AtLatest)).Count;
Console.WriteLine(tally.Summary(produced, time.GetElapsedTime(started), shardsBefore, shardsAfter));
await host.StopAsync();
return finished && tally.OrderKept ? 0 : 1;

namespace ClickStream
{
    /// <summary>One click: whose, their own running number, and where.</summary>
    public sealed record Click(int User, int Number, string Page);

    /// <summary>What both consumer groups saw, and whether each user's clicks arrived complete and in order.</summary>
    public sealed class Tally(int expected)
    {
        private readonly ConcurrentDictionary<int, int> archivedNext = new();
        private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int counted;
        private int archived;
        private int outOfOrder;
        private int reshardedAt = -1;

        public Task Done => done.Task;

        public bool OrderKept => Volatile.Read(ref outOfOrder) == 0;

        public void Resharded(int atClick) => reshardedAt = atClick;

        public void Counted(int records)
        {
            Interlocked.Add(ref counted, records);
            CheckDone();
        }

        public void Archived(Click click)
        {
            // Per user, one consumer group reads a partition key in order: each click must be the next number.
            var expectedNumber = archivedNext.GetOrAdd(click.User, 0);
            if (click.Number != expectedNumber)
            {
                Interlocked.Increment(ref outOfOrder);
            }

            archivedNext[click.User] = click.Number + 1;
            Interlocked.Increment(ref archived);
            CheckDone();
        }

        public string Summary(TimeSpan produced, TimeSpan total, int shardsBefore, int shardsAfter) =>
            string.Create(CultureInfo.InvariantCulture,
                $"{expected:N0} clicks put in {produced.TotalMilliseconds:F0} ms, resharded {shardsBefore} -> {shardsAfter} open shards after click {reshardedAt:N0}; "
                + $"counter read {Volatile.Read(ref counted):N0}, archiver (from the start, slower) {Volatile.Read(ref archived):N0} in {total.TotalMilliseconds:F0} ms; "
                + $"per-user order across the reshard: {(OrderKept ? "kept, nothing lost" : $"{outOfOrder} clicks out of order")}.");

        private void CheckDone()
        {
            if (Volatile.Read(ref counted) >= expected && Volatile.Read(ref archived) >= expected)
            {
                done.TrySetResult();
            }
        }
    }

    /// <summary>The real-time counter: counts each batch.</summary>
    public sealed class ClickCounter(Tally tally) : IStreamRecordHandler<Click>
    {
        public ValueTask HandleAsync(IReadOnlyList<StreamItem<Click>> records, StreamBatchContext context, CancellationToken cancellationToken)
        {
            tally.Counted(records.Count);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The archiver: checks each user's order, then "writes" the batch to a slow store.</summary>
    public sealed class ClickArchiver(Tally tally, TimeProvider time) : IStreamRecordHandler<Click>
    {
        public async ValueTask HandleAsync(IReadOnlyList<StreamItem<Click>> records, StreamBatchContext context, CancellationToken cancellationToken)
        {
            foreach (var record in records)
            {
                tally.Archived(record.Data);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(2), time, cancellationToken);
        }
    }
}
