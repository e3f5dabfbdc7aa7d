using MassTransit;

namespace Broker.Benchmarks.Frameworks;

/// <summary>The MassTransit side of <see cref="HostedPipelineBenchmarks"/>: a consumer, resolved by MassTransit from a per-message scope.</summary>
public sealed class MassTransitOrderConsumer(PipelineCounter counter) : IConsumer<OrderPlaced>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<OrderPlaced> context)
    {
        if (context.Message.Id >= 0)
        {
            counter.Handled();
        }

        return Task.CompletedTask;
    }
}
