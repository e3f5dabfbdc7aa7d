using Rebus.Handlers;

namespace Broker.Benchmarks.Frameworks;

/// <summary>The Rebus side of <see cref="HostedPipelineBenchmarks"/>: a handler, resolved by Rebus from a per-message scope.</summary>
public sealed class RebusOrderHandler(PipelineCounter counter) : IHandleMessages<OrderPlaced>
{
    /// <inheritdoc />
    public Task Handle(OrderPlaced message)
    {
        if (message.Id >= 0)
        {
            counter.Handled();
        }

        return Task.CompletedTask;
    }
}
