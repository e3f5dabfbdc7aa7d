using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Hosting;

namespace Broker.Benchmarks.Frameworks;

/// <summary>
/// The hosted typed-consumer pipeline against the frameworks people would otherwise use in process: MassTransit 8 (in-memory
/// transport, the baseline), Wolverine 6 (local queue), Rebus 8 (in-memory transport) and Broker.Hosting (a hosted queue
/// consumer). One operation is one <see cref="OrderPlaced"/> sent from the benchmark method through the framework's
/// idiomatic send API (awaited, one at a time), delivered to a handler the framework resolves its own way, handled (a
/// counter increment) and acknowledged the framework's way; the call returns when all <see cref="MessageCount"/> were
/// handled. Messages per second = 1 / Mean. Each framework has its own host, built and started in its global setup, with
/// no logging provider, and the same handler concurrency (<see cref="Concurrency"/>); how and why each is wired is in
/// <see cref="MassTransitPipeline"/>, <see cref="WolverinePipeline"/>, <see cref="RebusPipeline"/> and
/// <see cref="BrokerPipeline"/>.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class HostedPipelineBenchmarks
{
    public const int MessageCount = 20_000;

    private readonly PipelineCounter counter = new();
    private OrderPlaced[] orders = [];
    private IHost host = null!;

    // global:: because the benchmark methods are named after the frameworks, and so hide their namespaces in this class.
    private global::MassTransit.ISendEndpoint massTransitEndpoint = null!;
    private global::Wolverine.IMessageBus wolverineBus = null!;
    private global::Rebus.Bus.IBus rebusBus = null!;
    private global::Broker.Hosting.IQueue<OrderPlaced> brokerQueue = null!;

    /// <summary>The handler concurrency every framework gets.</summary>
    [Params(1, 8)]
    public int Concurrency { get; set; }

    [GlobalSetup(Target = nameof(MassTransit))]
    public async Task SetupMassTransit()
    {
        await StartAsync(MassTransitPipeline.Build(Concurrency, counter)).ConfigureAwait(false);
        massTransitEndpoint = await MassTransitPipeline.SendEndpointAsync(host).ConfigureAwait(false);
    }

    [GlobalSetup(Target = nameof(Wolverine))]
    public async Task SetupWolverine()
    {
        await StartAsync(WolverinePipeline.Build(Concurrency, counter)).ConfigureAwait(false);
        wolverineBus = WolverinePipeline.Bus(host);
    }

    [GlobalSetup(Target = nameof(Rebus))]
    public async Task SetupRebus()
    {
        await StartAsync(RebusPipeline.Build(Concurrency, counter)).ConfigureAwait(false);
        rebusBus = RebusPipeline.Bus(host);
    }

    [GlobalSetup(Target = nameof(Broker))]
    public async Task SetupBroker()
    {
        await StartAsync(BrokerPipeline.Build(Concurrency, counter)).ConfigureAwait(false);
        brokerQueue = BrokerPipeline.Queue(host);
    }

    [GlobalCleanup(Targets = [nameof(MassTransit), nameof(Wolverine), nameof(Rebus), nameof(Broker)])]
    public async Task Cleanup()
    {
        await host.StopAsync().ConfigureAwait(false);
        // The frameworks register async-disposable singletons; the host disposes them properly only asynchronously.
        await ((IAsyncDisposable)host).DisposeAsync().ConfigureAwait(false);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = MessageCount)]
    public async Task MassTransit()
    {
        var done = counter.Expect(MessageCount);
        foreach (var order in orders)
        {
            await massTransitEndpoint.Send(order).ConfigureAwait(false);
        }

        Check(await done.ConfigureAwait(false));
    }

    [Benchmark(OperationsPerInvoke = MessageCount)]
    public async Task Wolverine()
    {
        var done = counter.Expect(MessageCount);
        foreach (var order in orders)
        {
            await wolverineBus.SendAsync(order).ConfigureAwait(false);
        }

        Check(await done.ConfigureAwait(false));
    }

    [Benchmark(OperationsPerInvoke = MessageCount)]
    public async Task Rebus()
    {
        var done = counter.Expect(MessageCount);
        foreach (var order in orders)
        {
            await rebusBus.Send(order).ConfigureAwait(false);
        }

        Check(await done.ConfigureAwait(false));
    }

    [Benchmark(OperationsPerInvoke = MessageCount)]
    public async Task Broker()
    {
        var done = counter.Expect(MessageCount);
        foreach (var order in orders)
        {
            await brokerQueue.SendAsync(order).ConfigureAwait(false);
        }

        Check(await done.ConfigureAwait(false));
    }

    private async Task StartAsync(IHost built)
    {
        orders = new OrderPlaced[MessageCount];
        for (var i = 0; i < orders.Length; i++)
        {
            orders[i] = new OrderPlaced(i, "SKU-0042", 19.99m);
        }

        host = built;
        await host.StartAsync().ConfigureAwait(false);
    }

    private static void Check(int handled)
    {
        if (handled != MessageCount)
        {
            throw new InvalidOperationException($"Handled {handled} messages instead of {MessageCount}.");
        }
    }
}
