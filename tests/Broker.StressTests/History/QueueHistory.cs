using System.Collections.Concurrent;

namespace Broker.StressTests.History;

/// <summary>
/// The record of a queue run. Workers append concurrently (lock-free <see cref="ConcurrentQueue{T}"/>s); the checkers
/// read a <see cref="QueueHistorySnapshot"/> taken after every worker stopped.
/// </summary>
public sealed class QueueHistory(QueueSetup setup)
{
    private readonly ConcurrentQueue<SendEvent> sends = new();
    private readonly ConcurrentQueue<ReceiveEvent> receives = new();
    private readonly ConcurrentQueue<DeleteEvent> deletes = new();
    private readonly ConcurrentQueue<VisibilityEvent> changes = new();
    private readonly ConcurrentQueue<PurgeEvent> purges = new();
    private long batches;

    public QueueSetup Setup { get; } = setup;

    public void Sent(SendEvent e) => sends.Enqueue(e);

    public void Received(ReceiveEvent e) => receives.Enqueue(e);

    public void Deleted(DeleteEvent e) => deletes.Enqueue(e);

    public void VisibilityChanged(VisibilityEvent e) => changes.Enqueue(e);

    public void Purged(PurgeEvent e) => purges.Enqueue(e);

    /// <summary>A fresh id for one receive call.</summary>
    public long NextBatch() => Interlocked.Increment(ref batches);

    /// <param name="end">The clock when the run (including its final drain) was over.</param>
    public QueueHistorySnapshot Snapshot(TimeSpan end) =>
        new(Setup, [.. sends], [.. receives], [.. deletes], [.. changes], [.. purges], end);
}

/// <summary>A finished queue history, as the checkers read it (and as unit tests build it by hand).</summary>
/// <param name="Setup">The queues of the run.</param>
/// <param name="Sends">Accepted sends.</param>
/// <param name="Receives">Every message every receive returned.</param>
/// <param name="Deletes">Every delete.</param>
/// <param name="Changes">Every visibility change.</param>
/// <param name="Purges">Every purge.</param>
/// <param name="End">The clock when the run, including the final drain, was over.</param>
public sealed record QueueHistorySnapshot(
    QueueSetup Setup,
    IReadOnlyList<SendEvent> Sends,
    IReadOnlyList<ReceiveEvent> Receives,
    IReadOnlyList<DeleteEvent> Deletes,
    IReadOnlyList<VisibilityEvent> Changes,
    IReadOnlyList<PurgeEvent> Purges,
    TimeSpan End);
