namespace Broker.Streams.Processing.Internal;

/// <summary>
/// A lease this worker holds: the last stored row, and every write to it (renewal, checkpoint, release) in order.
/// </summary>
/// <remarks>
/// All writes go through <see cref="writeGate"/>, so this worker never races itself on the counter: a conditional write
/// that fails means another worker wrote the row, which only happens when it took the lease. The consumer reads
/// <see cref="Cancellation"/>, which is cancelled when the lease is lost or the worker stops. Neither the gate nor the
/// token source is disposed: a processor may still call its checkpointer after the shard's consumer ended, and neither
/// holds a wait handle or timer that needs releasing.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Nothing here holds a wait handle or timer; see remarks.")]
internal sealed class HeldLease
{
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private readonly ILeaseStore store;
    private readonly string applicationName;
    private volatile Lease current;
    private volatile int state; // 0 held, 1 lost, 2 released

    public HeldLease(Lease taken, ILeaseStore store, string applicationName)
    {
        current = taken;
        this.store = store;
        this.applicationName = applicationName;
        Cancellation = new CancellationTokenSource();
    }

    /// <summary>The row as last stored by this worker.</summary>
    public Lease Current => current;

    /// <summary>The shard id.</summary>
    public string ShardId => current.LeaseKey;

    /// <summary>Another worker took the lease; the processor may no longer checkpoint.</summary>
    public bool IsLost => state == 1;

    /// <summary>The lease is no longer held (lost or released): checkpoints throw.</summary>
    public bool IsGone => state != 0;

    /// <summary>Set by a graceful stop before <see cref="Cancellation"/> is cancelled: the processor gets ShutdownRequested.</summary>
    public bool ShutdownRequested { get; private set; }

    /// <summary>Set when the worker is abandoned (a simulated crash): no callback, no release.</summary>
    public bool Abandoned { get; private set; }

    /// <summary>The token for <see cref="IRecordProcessor.ShutdownRequestedAsync"/>.</summary>
    public CancellationToken ShutdownToken { get; private set; }

    /// <summary>Cancelled when the lease is lost, the worker stops, or it is abandoned.</summary>
    public CancellationTokenSource Cancellation { get; }

    /// <summary>The consumer reading the shard.</summary>
    public Task Consumer { get; set; } = Task.CompletedTask;

    /// <summary>Raises the counter, proving this worker is alive.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Whether the lease is still held.</returns>
    public ValueTask<bool> RenewAsync(CancellationToken cancellationToken) => TryUpdateAsync(static lease => lease, cancellationToken);

    /// <summary>Stores a checkpoint.</summary>
    /// <param name="checkpoint">A sequence number or <c>SHARD_END</c>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Whether it was stored (false: the lease is gone).</returns>
    public ValueTask<bool> CheckpointAsync(string checkpoint, CancellationToken cancellationToken) =>
        TryUpdateAsync(lease => lease with { Checkpoint = checkpoint, OwnerSwitchesSinceCheckpoint = 0 }, cancellationToken);

    /// <summary>Gives the lease up (owner cleared) so any worker may take it at once.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when it is released or found lost.</returns>
    public async ValueTask ReleaseAsync(CancellationToken cancellationToken)
    {
        if (await TryUpdateAsync(static lease => lease with { LeaseOwner = null }, cancellationToken).ConfigureAwait(false))
        {
            Interlocked.CompareExchange(ref state, 2, 0);
        }
    }

    /// <summary>Marks the lease lost and cancels its consumer.</summary>
    public void MarkLost()
    {
        if (Interlocked.CompareExchange(ref state, 1, 0) == 0)
        {
            Cancellation.Cancel();
        }
    }

    /// <summary>Asks the consumer to shut down gracefully.</summary>
    /// <param name="shutdownToken">The token of <see cref="StreamProcessor.StopAsync"/>.</param>
    public void RequestShutdown(CancellationToken shutdownToken)
    {
        ShutdownToken = shutdownToken;
        ShutdownRequested = true;
        Cancellation.Cancel();
    }

    /// <summary>Stops the consumer with no callback and no release, as if the process died.</summary>
    public void Abandon()
    {
        Abandoned = true;
        Cancellation.Cancel();
    }

    private async ValueTask<bool> TryUpdateAsync(Func<Lease, Lease> change, CancellationToken cancellationToken)
    {
        await writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsGone)
            {
                return false;
            }

            var stored = await store.UpdateLeaseAsync(applicationName, change(current), cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                // Another worker wrote the row: it took the lease, unless it is still ours (then retry once on the fresh row).
                var fresh = await store.GetLeaseAsync(applicationName, ShardId, cancellationToken).ConfigureAwait(false);
                if (fresh is not null && string.Equals(fresh.LeaseOwner, current.LeaseOwner, StringComparison.Ordinal))
                {
                    stored = await store.UpdateLeaseAsync(applicationName, change(fresh), cancellationToken).ConfigureAwait(false);
                }
            }

            if (stored is null)
            {
                MarkLost();
                return false;
            }

            current = stored;
            return true;
        }
        finally
        {
            writeGate.Release();
        }
    }
}
