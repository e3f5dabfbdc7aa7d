using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Broker.Hosting.Tests.Subscribers;
using Broker.Queues;
using Broker.Streams;
using Broker.Streams.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Broker.Hosting.Tests.StreamConsumers;

/// <summary>
/// A broker on an <see cref="ObservedClock"/> with an on-failure queue, and the hosts a test starts over it. Consumers
/// start at the trim horizon unless the test says otherwise, so records put before the host starts are read at once.
/// </summary>
public abstract class StreamConsumerFixture : IAsyncLifetime
{
    protected const string StreamName = "clicks";
    protected const string Group = "click-counter";
    protected const string FailuresName = "clicks-failures";

    private readonly List<IHost> hosts = [];

    protected StreamConsumerFixture()
    {
        Broker = new MessageBroker(new BrokerOptions(), Clock);
        Failures = Broker.CreateQueue(FailuresName);
    }

    /// <summary>How long a caught-up shard reader of the stream processor waits before reading again.</summary>
    protected static TimeSpan ReadInterval { get; } = TimeSpan.FromSeconds(1);

    protected ObservedClock Clock { get; } = new();

    protected MessageBroker Broker { get; }

    protected IMessageQueue Failures { get; }

    protected LogSignals Logs { get; } = new();

    protected StreamProbe Probe { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in hosts)
        {
            using var bound = new CancellationTokenSource(TestHost.Bound);
            await host.StopAsync(bound.Token);
            host.Dispose();
        }

        Broker.Dispose();
    }

    protected static string ShardId(int index) => "shardId-" + index.ToString("D12", CultureInfo.InvariantCulture);

    protected IDataStream CreateStream(int shards = 1) => Broker.CreateStream(StreamName, new StreamOptions { ShardCount = shards });

    /// <summary>Puts a click on shard <paramref name="shard"/> of a stream of <paramref name="shards"/> (by explicit hash key).</summary>
    protected static async Task<PutRecordResult> Put(IDataStream stream, Click click, int shard = 0, int shards = 1) =>
        await stream.PutRecordAsync(new PutRecordRequest($"user-{click.Id}", JsonSerializer.SerializeToUtf8Bytes(click, JsonSerializerOptions.Web))
        {
            ExplicitHashKey = (BigInteger.Pow(2, 128) / shards * shard).ToString(CultureInfo.InvariantCulture),
        });

    protected static async Task<PutRecordResult> PutRaw(IDataStream stream, string data) =>
        await stream.PutRecordAsync(new PutRecordRequest("user-raw", Encoding.UTF8.GetBytes(data)) { ExplicitHashKey = "0" });

    protected async Task<IHost> StartHost(Action<StreamConsumerOptions>? configure = null, Action<IServiceCollection>? before = null, StreamProbe? probe = null)
    {
        var host = BuildHost(configure, before, probe);
        await host.StartAsync().WaitAsync(TestHost.Bound);
        return host;
    }

    protected IHost BuildHost(Action<StreamConsumerOptions>? configure = null, Action<IServiceCollection>? before = null, StreamProbe? probe = null)
    {
        var host = TestHost.Build(Broker, Logs, services =>
        {
            services.AddSingleton(probe ?? Probe);
            before?.Invoke(services);
            services.AddStreamConsumer<Click, ClickHandler>(StreamName, Group, options =>
            {
                options.InitialPosition = InitialPosition.TrimHorizon;
                configure?.Invoke(options);
            });
        });
        hosts.Add(host);
        return host;
    }

    protected static async Task<Lease> LeaseOf(IHost host, string shardId) =>
        await host.Services.GetRequiredService<ILeaseStore>().GetLeaseAsync(Group, shardId)
        ?? throw new InvalidOperationException("No lease for " + shardId);

    /// <summary>Receives one message: a long poll the broker wakes when the message arrives.</summary>
    protected static async Task<ReceivedMessage> ReceiveOne(IMessageQueue queue)
    {
        var request = new ReceiveRequest { WaitTime = TimeSpan.FromSeconds(20), MessageAttributeNames = ["All"] };
        var received = await queue.ReceiveAsync(request).AsTask().WaitAsync(TestHost.Bound);
        return Assert.Single(received);
    }

    /// <summary>Waits (bounded) until the clock has a timer of <paramref name="due"/> waiting: the code under test waits on it.</summary>
    protected Task WhenWaiting(TimeSpan due, int count = 1) => Clock.WhenWaitingAsync(due, count).WaitAsync(TestHost.Bound);
}
