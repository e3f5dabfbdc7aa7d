using Broker.Hosting.Tests.Subscribers;

namespace Broker.Hosting.Tests.StreamConsumers;

public sealed record Click(int Id, string Kind);

/// <summary>What a test's stream handlers saw, shared through DI (one per host).</summary>
public sealed class StreamProbe
{
    /// <summary>Every invocation, before the behaviour runs.</summary>
    public Recorder<Batch> Invocations { get; } = new();

    /// <summary>Invocations that returned.</summary>
    public Recorder<Batch> Handled { get; } = new();

    /// <summary>Each record of the invocations that returned, in the order they returned.</summary>
    public Recorder<StreamItem<Click>> HandledRecords { get; } = new();

    /// <summary>Invocations that ended with their token cancelled.</summary>
    public Recorder<Batch> Cancelled { get; } = new();

    /// <summary>What the handler does after recording the invocation; null returns at once.</summary>
    public Func<Batch, CancellationToken, Task>? Behaviour { get; set; }

    /// <summary>Throws for any batch with a record of this kind.</summary>
    public string? PoisonKind { get; set; }

    public sealed record Batch(IReadOnlyList<StreamItem<Click>> Records, StreamBatchContext Context, ActivitySnapshot? Activity)
    {
        public IEnumerable<int> Ids => Records.Select(r => r.Data.Id);
    }
}

public sealed class ClickHandler(StreamProbe probe) : IStreamRecordHandler<Click>
{
    public async ValueTask HandleAsync(IReadOnlyList<StreamItem<Click>> records, StreamBatchContext context, CancellationToken cancellationToken)
    {
        var batch = new StreamProbe.Batch(records, context, ActivitySnapshot.OfCurrent());
        probe.Invocations.Add(batch);
        if (probe.PoisonKind is { } poison && records.Any(r => r.Data.Kind == poison))
        {
            throw new InvalidOperationException($"poison in {records[0].SequenceNumber}..{records[^1].SequenceNumber}");
        }

        try
        {
            if (probe.Behaviour is { } behaviour)
            {
                await behaviour(batch, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            probe.Cancelled.Add(batch);
            throw;
        }

        probe.Handled.Add(batch);
        foreach (var record in records)
        {
            probe.HandledRecords.Add(record);
        }
    }
}
