using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Broker.Benchmarks.Frameworks;

/// <summary>
/// Builds the MassTransit 8 host of <see cref="HostedPipelineBenchmarks"/>: the in-memory transport, one receive endpoint
/// (queue) with <see cref="MassTransitOrderConsumer"/> on it, sent to through a cached send endpoint.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>AddMassTransit</c> + <c>AddConsumer</c> + <c>UsingInMemory</c> + <c>ReceiveEndpoint(..., e =>
/// e.ConfigureConsumer(...))</c> is MassTransit's documented container-based setup; the consumer is resolved from a scope
/// per message, as MassTransit does by default.</item>
/// <item>The concurrency knob is the receive endpoint's <c>ConcurrentMessageLimit</c>, MassTransit's documented bound on
/// how many messages an endpoint consumes at once (on the in-memory transport, <c>ConcurrencyLimit</c> is the same setting).
/// <c>PrefetchCount</c> and every other endpoint and bus setting keep their defaults: the default serializer
/// (System.Text.Json; the in-memory transport serializes the message body as a broker transport does), retry, no outbox.</item>
/// <item>Messages are sent point to point with <c>ISendEndpoint.Send</c> on the endpoint for <c>queue:orders</c>, got once
/// from the bus and cached, as MassTransit recommends for repeated sends (publish would go through the exchange topology
/// instead, a fan-out the other frameworks do not do here).</item>
/// <item><c>MassTransitHostOptions.WaitUntilStarted</c> makes the host's start return when the bus is started, so the
/// first call does not race the bus start; it changes nothing once started.</item>
/// </list>
/// Sources: MassTransit docs (configuration, in-memory transport, concurrency limits), the in-memory transport's source
/// (InMemoryReceiveEndpointConfiguration, InMemorySendTransportContext) and the MassTransit 8.5.12 API.
/// </remarks>
public static class MassTransitPipeline
{
    /// <summary>The in-memory queue (receive endpoint) name.</summary>
    public const string QueueName = "orders";

    /// <summary>Builds (does not start) the host.</summary>
    public static IHost Build(int concurrency, PipelineCounter counter)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(counter);
        builder.Services.Configure<MassTransitHostOptions>(static options => options.WaitUntilStarted = true);
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<MassTransitOrderConsumer>();
            bus.UsingInMemory((context, transport) =>
            {
                transport.ReceiveEndpoint(QueueName, endpoint =>
                {
                    endpoint.ConcurrentMessageLimit = concurrency;
                    endpoint.ConfigureConsumer<MassTransitOrderConsumer>(context);
                });
            });
        });
        return builder.Build();
    }

    /// <summary>The send endpoint of the queue, to cache and send through.</summary>
    public static Task<ISendEndpoint> SendEndpointAsync(IHost host)
        => host.Services.GetRequiredService<IBus>().GetSendEndpoint(new Uri($"queue:{QueueName}"));
}
