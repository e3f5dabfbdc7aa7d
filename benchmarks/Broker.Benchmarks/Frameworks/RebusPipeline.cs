using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Rebus.Bus;
using Rebus.Config;
using Rebus.Routing.TypeBased;
using Rebus.Transport.InMem;

namespace Broker.Benchmarks.Frameworks;

/// <summary>
/// Builds the Rebus host of <see cref="HostedPipelineBenchmarks"/>: the in-memory transport on its own
/// <see cref="InMemNetwork"/>, one input queue, <see cref="RebusOrderHandler"/> registered in the container, and
/// <see cref="OrderPlaced"/> routed to the input queue so that <c>IBus.Send</c> delivers there.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>AddRebus</c> (Rebus.ServiceProvider) + <c>AddRebusHandler</c> is Rebus's documented Microsoft DI integration;
/// the handler is resolved from a scope per message. With <c>startAutomatically</c> at its default (true) Rebus.ServiceProvider
/// registers a hosted service that starts the bus when the generic host starts, so no <c>StartRebus</c> call is needed.</item>
/// <item><c>Routing(r => r.TypeBased().Map&lt;OrderPlaced&gt;(queue))</c> is Rebus's way to say where <c>Send</c> goes
/// (point to point, like the other frameworks' queue sends).</item>
/// <item>The concurrency knob is the pair Rebus documents for it: <c>SetNumberOfWorkers(n)</c> (worker threads, each a
/// receive loop) and <c>SetMaxParallelism(n)</c> (the cap on messages handled at once). The Rebus wiki (Workers and
/// parallelism) recommends a matching pair for fast, synchronous work like this handler's, and 1 and 1 for one at a time;
/// raising only the parallelism would leave one worker, whose handler completes synchronously, handling one message at a
/// time, so <c>Concurrency = 8</c> would not be 8 for Rebus. Everything else is Rebus's default: System.Text.Json
/// serialization, retries, no outbox.</item>
/// <item>Logging is left to Rebus.ServiceProvider, which sends Rebus's logs to the host's <c>ILoggerFactory</c> when nothing
/// else is configured; the host has no logging provider, as the other hosts.</item>
/// </list>
/// Sources: Rebus wiki (Transport, Routing, Workers and parallelism), the Rebus.ServiceProvider 10.7.2 README (hosting,
/// logging) and the Rebus 8.9.5 API.
/// </remarks>
public static class RebusPipeline
{
    /// <summary>The in-memory input queue name.</summary>
    public const string QueueName = "orders";

    /// <summary>Builds (does not start) the host.</summary>
    public static IHost Build(int concurrency, PipelineCounter counter)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(counter);
        builder.Services.AddRebusHandler<RebusOrderHandler>();
        builder.Services.AddRebus(configure => configure
            .Transport(transport => transport.UseInMemoryTransport(new InMemNetwork(), QueueName))
            .Routing(static routing => routing.TypeBased().Map<OrderPlaced>(QueueName))
            .Options(options =>
            {
                options.SetNumberOfWorkers(concurrency);
                options.SetMaxParallelism(concurrency);
            }));
        return builder.Build();
    }

    /// <summary>The bus to send through.</summary>
    public static IBus Bus(IHost host) => host.Services.GetRequiredService<IBus>();
}
