using System.Diagnostics;

namespace Broker.Hosting.Tests.Subscribers;

public sealed record Order(int Id, string Kind);

/// <summary>What a test's topic handlers saw, shared through DI (one per test).</summary>
public sealed class TopicProbe
{
    /// <summary>Every invocation, before the behaviour runs.</summary>
    public Recorder<Invocation> Invocations { get; } = new();

    /// <summary>Invocations that returned.</summary>
    public Recorder<Order> Handled { get; } = new();

    /// <summary>Invocations that ended with their token cancelled.</summary>
    public Recorder<Order> Cancelled { get; } = new();

    /// <summary>What the handler does after recording the invocation; null returns at once.</summary>
    public Func<Order, MessageContext, CancellationToken, Task>? Behaviour { get; set; }

    public sealed record Invocation(Order Message, MessageContext Context, ActivitySnapshot? Activity);
}

/// <summary>What a handler saw of <see cref="Activity.Current"/>.</summary>
public sealed record ActivitySnapshot(string Name, ActivityKind Kind, ActivityTraceId TraceId, ActivitySpanId ParentSpanId, string? ParentId)
{
    public static ActivitySnapshot? OfCurrent() =>
        Activity.Current is { } a ? new ActivitySnapshot(a.OperationName, a.Kind, a.TraceId, a.ParentSpanId, a.ParentId) : null;
}

public sealed class OrderHandler(TopicProbe probe) : IMessageHandler<Order>
{
    public async ValueTask HandleAsync(Order message, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Invocations.Add(new TopicProbe.Invocation(message, context, ActivitySnapshot.OfCurrent()));
        try
        {
            if (probe.Behaviour is { } behaviour)
            {
                await behaviour(message, context, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            probe.Cancelled.Add(message);
            throw;
        }

        probe.Handled.Add(message);
    }
}
