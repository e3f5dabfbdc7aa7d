namespace Broker.Streams.Processing.Internal;

/// <summary>
/// The <see cref="ICheckpointer"/> of one shard's processor. It accepts only sequence numbers handed to the processor
/// since the last checkpoint (or the last checkpoint again), so a checkpoint never moves backwards or off the shard.
/// </summary>
/// <remarks>
/// <see cref="pending"/> and <see cref="pendingSet"/> hold the handed, not yet checkpointed sequence numbers in shard
/// order; a checkpoint drops everything up to its number, so memory is bounded by what the processor has not yet
/// checkpointed. <see cref="gate"/> serialises whole checkpoints (validate, then store) so two concurrent checkpoints
/// cannot store out of order. The gate is never disposed: a processor may keep its checkpointer after its shard ended,
/// and then gets <see cref="LeaseLostException"/>, not <see cref="ObjectDisposedException"/>.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The gate holds no wait handle; see remarks.")]
internal sealed class ShardCheckpointer(HeldLease lease) : ICheckpointer
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Queue<string> pending = new();
    private readonly HashSet<string> pendingSet = new(StringComparer.Ordinal);
    private string? lastHanded;
    private string lastCheckpoint = lease.Current.Checkpoint;
    private volatile bool atShardEnd;

    /// <summary>Whether the shard's lease holds <c>SHARD_END</c>.</summary>
    public bool ShardEndCheckpointed => lease.Current.IsShardEnd;

    /// <summary>The last sequence number handed over, for resuming a read after an expired iterator.</summary>
    public string? LastHanded => Volatile.Read(ref lastHanded);

    /// <summary>Records the batch about to be handed to the processor (called by the consumer only).</summary>
    /// <param name="records">The batch, in shard order.</param>
    public void Handing(IReadOnlyList<StreamRecord> records)
    {
        gate.Wait();
        try
        {
            foreach (var record in records)
            {
                pending.Enqueue(record.SequenceNumber);
                pendingSet.Add(record.SequenceNumber);
            }

            Volatile.Write(ref lastHanded, records[^1].SequenceNumber);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>From now on the parameterless checkpoint records <c>SHARD_END</c>.</summary>
    public void EnterShardEnd() => atShardEnd = true;

    /// <inheritdoc/>
    public ValueTask CheckpointAsync(CancellationToken cancellationToken = default) =>
        atShardEnd ? StoreAsync(SentinelCheckpoints.ShardEnd, cancellationToken)
        : LastHanded is { } last ? CheckpointAsync(last, cancellationToken)
        : NothingToCheckpoint();

    /// <inheritdoc/>
    public async ValueTask CheckpointAsync(string sequenceNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequenceNumber);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfGone();
            if (string.Equals(sequenceNumber, lastCheckpoint, StringComparison.Ordinal))
            {
                return;
            }

            if (!pendingSet.Contains(sequenceNumber))
            {
                throw new ArgumentException(
                    $"Sequence number '{sequenceNumber}' was not handed to this processor for shard '{lease.ShardId}' after its last checkpoint '{lastCheckpoint}'. Checkpoint a sequence number from a batch you received, at or after the last checkpoint.",
                    nameof(sequenceNumber));
            }

            if (!await lease.CheckpointAsync(sequenceNumber, cancellationToken).ConfigureAwait(false))
            {
                throw Lost();
            }

            string dropped;
            do
            {
                dropped = pending.Dequeue();
                pendingSet.Remove(dropped);
            }
            while (!string.Equals(dropped, sequenceNumber, StringComparison.Ordinal));
            lastCheckpoint = sequenceNumber;
        }
        finally
        {
            gate.Release();
        }
    }

    private async ValueTask StoreAsync(string checkpoint, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfGone();
            if (!await lease.CheckpointAsync(checkpoint, cancellationToken).ConfigureAwait(false))
            {
                throw Lost();
            }

            lastCheckpoint = checkpoint;
            pending.Clear();
            pendingSet.Clear();
        }
        finally
        {
            gate.Release();
        }
    }

    private ValueTask NothingToCheckpoint()
    {
        ThrowIfGone();
        return ValueTask.CompletedTask;
    }

    private void ThrowIfGone()
    {
        if (lease.IsGone)
        {
            throw Lost();
        }
    }

    private LeaseLostException Lost() => new(
        $"This worker no longer holds the lease of shard '{lease.ShardId}' (taken by another worker, or released at shutdown), so it cannot checkpoint. The new owner resumes after checkpoint '{lastCheckpoint}'.");
}
