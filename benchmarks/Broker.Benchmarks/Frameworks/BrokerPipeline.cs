using Broker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Broker.Benchmarks.Frameworks;

/// <summary>
/// Builds the Broker host of <see cref="HostedPipelineBenchmarks"/>, wired as <c>HostedConsumerBenchmarks</c> is: one
/// standard queue, a hosted queue consumer with <see cref="BrokerOrderHandler"/>, sent to with the keyed
/// <see cref="IQueue{T}"/>.
/// </summary>
/// <remarks>
/// The concurrency knob is <see cref="QueueConsumerOptions.MaxConcurrency"/>; every other queue and consumer option keeps its
/// default (System.Text.Json serialization, a scope per message, delete after the handler returns).
/// </remarks>
public static class BrokerPipeline
{
    /// <summary>The queue name.</summary>
    public const string QueueName = "orders";

    /// <summary>Builds (does not start) the host.</summary>
    public static IHost Build(int concurrency, PipelineCounter counter)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(counter);
        builder.Services.AddBroker(static broker => broker.AddQueue(QueueName));
        builder.Services.AddQueueConsumer<OrderPlaced, BrokerOrderHandler>(QueueName, consumer => consumer.MaxConcurrency = concurrency);
        return builder.Build();
    }

    /// <summary>The typed queue to send through.</summary>
    public static IQueue<OrderPlaced> Queue(IHost host) => host.Services.GetRequiredKeyedService<IQueue<OrderPlaced>>(QueueName);
}
