using System.Collections.Concurrent;
using System.Text;
using Broker.Streams.Processing;

namespace Broker.Tests.Streams.Processing;

/// <summary>What happened, in the order it happened, across every worker and shard.</summary>
public sealed record Entry(string Kind, string Worker, string ShardId, string? SequenceNumber = null, string? Data = null);

/// <summary>A thread-safe log of processor callbacks.</summary>
public sealed class Journal
{
    private readonly Lock gate = new();
    private readonly List<Entry> entries = [];

    public IReadOnlyList<Entry> Entries
    {
        get
        {
            lock (gate)
            {
                return [.. entries];
            }
        }
    }

    public void Add(Entry entry)
    {
        lock (gate)
        {
            entries.Add(entry);
        }
    }

    public IReadOnlyList<Entry> Of(string kind, string? shardId = null, string? worker = null) =>
        Entries.Where(e => e.Kind == kind && (shardId is null || e.ShardId == shardId) && (worker is null || e.Worker == worker)).ToList();

    public IReadOnlyList<string> Data(string? shardId = null, string? worker = null) =>
        Of("record", shardId, worker).Select(e => e.Data!).ToList();

    public int IndexOf(string kind, string shardId) =>
        Entries.ToList().FindIndex(e => e.Kind == kind && e.ShardId == shardId);

    public override string ToString() => string.Join('\n', Entries.Select(e => $"{e.Kind} {e.Worker} {e.ShardId} {e.SequenceNumber} {e.Data}"));
}

/// <summary>How the test processors behave; tests change it.</summary>
public sealed class Behaviour
{
    /// <summary>Checkpoint after each batch at its last record whose data does not start with "hold".</summary>
    public bool CheckpointBatches { get; set; } = true;

    /// <summary>Whether a processor checkpoints SHARD_END when told its shard ended.</summary>
    public Func<string, bool> CheckpointAtShardEnd { get; set; } = _ => true;

    /// <summary>The next processor handed a record with this data throws (once) when handed a record with this data.</summary>
    public string? ThrowOn { get; set; }

    /// <summary>Whether a processor checkpoints its last record when asked to shut down.</summary>
    public bool CheckpointOnShutdown { get; set; }

    /// <summary>The latest processor per worker and shard.</summary>
    public ConcurrentDictionary<(string Worker, string ShardId), TestProcessor> Processors { get; } = new();
}

/// <summary>Journals every callback and checkpoints as <see cref="Behaviour"/> says.</summary>
public sealed class TestProcessor : IRecordProcessor
{
    private readonly string worker;
    private readonly string shardId;
    private readonly Journal journal;
    private readonly Behaviour behaviour;

    public TestProcessor(string worker, string shardId, Journal journal, Behaviour behaviour)
    {
        this.worker = worker;
        this.shardId = shardId;
        this.journal = journal;
        this.behaviour = behaviour;
        behaviour.Processors[(worker, shardId)] = this;
    }

    public ICheckpointer? Checkpointer { get; private set; }

    public IReadOnlyList<string> Handed { get; private set; } = [];

    public ValueTask InitializeAsync(InitializationInput input, CancellationToken cancellationToken)
    {
        journal.Add(new Entry("init", worker, shardId, Data: input.Checkpoint));
        return ValueTask.CompletedTask;
    }

    public async ValueTask ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken)
    {
        Checkpointer = input.Checkpointer;
        Handed = [.. Handed, .. input.Records.Select(r => r.SequenceNumber)];
        foreach (var record in input.Records)
        {
            journal.Add(new Entry("record", worker, shardId, record.SequenceNumber, Encoding.UTF8.GetString(record.Data.Span)));
        }

        if (input.Records.Any(r => Encoding.UTF8.GetString(r.Data.Span) == behaviour.ThrowOn))
        {
            behaviour.ThrowOn = null;
            throw new InvalidOperationException("processor failure");
        }

        var last = input.Records.LastOrDefault(r => !Encoding.UTF8.GetString(r.Data.Span).StartsWith("hold", StringComparison.Ordinal));
        if (behaviour.CheckpointBatches && last is not null)
        {
            await input.Checkpointer.CheckpointAsync(last.SequenceNumber, cancellationToken);
            journal.Add(new Entry("checkpoint", worker, shardId, last.SequenceNumber));
        }
    }

    public ValueTask LeaseLostAsync(CancellationToken cancellationToken)
    {
        journal.Add(new Entry("lost", worker, shardId));
        return ValueTask.CompletedTask;
    }

    public async ValueTask ShardEndedAsync(ICheckpointer checkpointer, CancellationToken cancellationToken)
    {
        journal.Add(new Entry("ended", worker, shardId));
        if (behaviour.CheckpointAtShardEnd(shardId))
        {
            await checkpointer.CheckpointAsync(cancellationToken);
            journal.Add(new Entry("shard-end-checkpoint", worker, shardId));
        }
    }

    public async ValueTask ShutdownRequestedAsync(ICheckpointer checkpointer, CancellationToken cancellationToken)
    {
        journal.Add(new Entry("shutdown", worker, shardId));
        if (behaviour.CheckpointOnShutdown)
        {
            await checkpointer.CheckpointAsync(cancellationToken);
        }
    }
}
