using Broker.Hosting;

namespace Broker.Benchmarks.Frameworks;

/// <summary>The Broker side of <see cref="HostedPipelineBenchmarks"/>: a message handler, resolved by the hosted consumer from a per-message scope.</summary>
public sealed class BrokerOrderHandler(PipelineCounter counter) : IMessageHandler<OrderPlaced>
{
    /// <inheritdoc />
    public ValueTask HandleAsync(OrderPlaced message, MessageContext context, CancellationToken cancellationToken)
    {
        if (message.Id >= 0)
        {
            counter.Handled();
        }

        return ValueTask.CompletedTask;
    }
}
