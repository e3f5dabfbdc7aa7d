using System.Numerics;
using System.Text;
using Broker.Streams;
using Broker.Streams.Processing;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Streams.Processing;

/// <summary>
/// A broker and a shared lease store on a fake clock, workers whose processors write to one <see cref="Journal"/>, and a
/// clock pump that advances one second at a time and waits (bounded) until every worker's loops are parked again.
/// </summary>
public abstract class ProcessorFixture : IAsyncLifetime
{
    protected const string App = "orders-app";

    private readonly List<StreamProcessor> workers = [];

    protected ProcessorFixture()
    {
        Broker = new MessageBroker(new BrokerOptions(), Time);
    }

    protected static TimeSpan FailoverTime { get; } = TimeSpan.FromSeconds(10);

    protected FakeTimeProvider Time { get; } = new();

    protected MessageBroker Broker { get; }

    protected InMemoryLeaseStore Store { get; } = new();

    protected Journal Journal { get; } = new();

    protected Behaviour Behaviour { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var worker in workers)
        {
            await worker.StopAsync();
        }

        Broker.Dispose();
    }

    /// <summary>The explicit hash key at the start of shard <paramref name="index"/> of a stream of <paramref name="count"/> shards.</summary>
    protected static string HashKeyOf(int index, int count) => (BigInteger.Pow(2, 128) / count * index).ToString(System.Globalization.CultureInfo.InvariantCulture);

    protected static string Half => BigInteger.Pow(2, 127).ToString(System.Globalization.CultureInfo.InvariantCulture);

    protected static async Task<string> Put(IDataStream stream, string key, string data, string? hashKey = null)
    {
        var result = await stream.PutRecordAsync(new PutRecordRequest(key, Encoding.UTF8.GetBytes(data)) { ExplicitHashKey = hashKey });
        return result.SequenceNumber;
    }

    protected async Task<StreamProcessor> StartWorker(IDataStream stream, string workerId, InitialPosition position = InitialPosition.TrimHorizon)
    {
        var options = new StreamProcessorOptions
        {
            ApplicationName = App,
            WorkerId = workerId,
            InitialPosition = position,
            LeaseStore = Store,
        };
        var worker = new StreamProcessor(stream, Time, options, shardId => new TestProcessor(workerId, shardId, Journal, Behaviour));
        workers.Add(worker);
        await worker.StartAsync();
        await Settle();
        return worker;
    }

    /// <summary>Waits (bounded, on signals) until every worker's loops wait on the clock.</summary>
    protected async Task Settle()
    {
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var worker in workers)
            {
                await worker.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
    }

    protected async Task Advance(TimeSpan total)
    {
        for (var passed = TimeSpan.Zero; passed < total; passed += TimeSpan.FromSeconds(1))
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await Settle();
        }
    }

    protected async Task RunUntil(Func<bool> condition, int maxSeconds = 300)
    {
        await Settle();
        for (var second = 0; second < maxSeconds; second++)
        {
            if (condition())
            {
                return;
            }

            Time.Advance(TimeSpan.FromSeconds(1));
            await Settle();
        }

        Assert.True(condition(), $"Not reached within {maxSeconds} s of fake time. Journal:\n{Journal}");
    }

    protected async Task<Lease> LeaseOf(string shardId) =>
        await Store.GetLeaseAsync(App, shardId) ?? throw new InvalidOperationException("no lease for " + shardId);

    protected static string ShardId(int index) => "shardId-" + index.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);
}
