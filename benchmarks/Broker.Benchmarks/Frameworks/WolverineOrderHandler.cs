namespace Broker.Benchmarks.Frameworks;

/// <summary>
/// The Wolverine side of <see cref="HostedPipelineBenchmarks"/>: a conventional Wolverine handler (a public <c>Handle</c>
/// method taking the message), which Wolverine wraps in its generated handler type (see <see cref="WolverinePipeline"/>).
/// </summary>
public sealed class WolverineOrderHandler(PipelineCounter counter)
{
    /// <summary>Handles one message.</summary>
    public void Handle(OrderPlaced message)
    {
        if (message.Id >= 0)
        {
            counter.Handled();
        }
    }
}
