using System.Collections.Concurrent;

namespace Broker.Streams.Processing.Internal;

/// <summary>
/// The worker loop of a <see cref="StreamProcessor"/> (KCL: <c>Scheduler</c> with its lease renewer and taker): every
/// third of the failover time it syncs shards when due, renews the leases it holds, takes leases per
/// <see cref="LeaseTaker"/>, and starts a <see cref="ShardConsumer"/> for each lease taken.
/// </summary>
internal sealed class Scheduler(ProcessorContext context) : IDisposable
{
    private readonly ConcurrentDictionary<string, HeldLease> held = new(StringComparer.Ordinal);
    private readonly ExpiryTracker expiry = new();
    private readonly CancellationTokenSource stopping = new();
    private DateTimeOffset nextShardSync = DateTimeOffset.MinValue;
    private Task loop = Task.CompletedTask;

    /// <summary>The shards whose leases this worker holds.</summary>
    public IReadOnlyCollection<string> HeldShardIds => [.. held.Where(h => !h.Value.IsGone).Select(h => h.Key).Order(StringComparer.Ordinal)];

    /// <summary>Starts the loop; its first round runs at once.</summary>
    public void Start()
    {
        context.Activity.Enter();
        loop = Task.Run(RunAsync);
    }

    /// <summary>Stops taking and renewing, asks every processor to shut down, and releases the leases.</summary>
    /// <param name="cancellationToken">Passed to <see cref="IRecordProcessor.ShutdownRequestedAsync"/>.</param>
    /// <returns>A task that completes when every consumer has ended.</returns>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await StopLoopAsync().ConfigureAwait(false);
        foreach (var lease in held.Values)
        {
            lease.RequestShutdown(cancellationToken);
        }

        await EndConsumersAsync().ConfigureAwait(false);
    }

    /// <summary>Stops everything without callbacks or releases, as if the process died (tests of failover).</summary>
    /// <returns>A task that completes when every loop has ended.</returns>
    public async Task AbandonAsync()
    {
        await StopLoopAsync().ConfigureAwait(false);
        foreach (var lease in held.Values)
        {
            lease.Abandon();
        }

        await EndConsumersAsync().ConfigureAwait(false);
    }

    private async Task StopLoopAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
    }

    private async Task EndConsumersAsync()
    {
        await Task.WhenAll(held.Values.Select(h => h.Consumer)).ConfigureAwait(false);
        held.Clear();
        Dispose();
    }

    /// <inheritdoc/>
    public void Dispose() => stopping.Dispose();

    private async Task RunAsync()
    {
        var token = stopping.Token;
        var renewInterval = context.Options.FailoverTime / 3;
        try
        {
            while (true)
            {
                try
                {
                    await RoundAsync(token).ConfigureAwait(false);
                }
                catch (Exception) when (!token.IsCancellationRequested)
                {
                    // A lease store or stream error: the next round tries again; held leases expire only if it persists.
                }

                await context.Activity.DelayAsync(renewInterval, context.Time, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            context.Activity.Exit();
        }
    }

    private async Task RoundAsync(CancellationToken token)
    {
        var now = context.Time.GetUtcNow();
        if (now >= nextShardSync)
        {
            await ShardSync.SyncAsync(context, token).ConfigureAwait(false);
            nextShardSync = now + context.Options.ShardSyncInterval;
        }

        foreach (var (shardId, lease) in held)
        {
            if (lease.IsGone || lease.Consumer.IsCompleted || !await lease.RenewAsync(token).ConfigureAwait(false))
            {
                // Lost (its consumer calls LeaseLost), released, or finished.
                if (lease.Consumer.IsCompleted)
                {
                    held.TryRemove(shardId, out _);
                }
            }
        }

        var leases = await context.LeaseStore.ListLeasesAsync(context.ApplicationName, token).ConfigureAwait(false);
        expiry.Observe(leases, now);
        var heldKeys = held.Where(h => !h.Value.IsGone).Select(h => h.Key).ToHashSet(StringComparer.Ordinal);
        var toTake = LeaseTaker.Choose(
            leases, context.WorkerId, heldKeys, lease => expiry.IsExpired(lease, now, context.Options.FailoverTime), context.Options.MaxLeasesToStealAtOneTime);
        foreach (var lease in toTake)
        {
            await TakeAsync(lease, token).ConfigureAwait(false);
        }
    }

    private async Task TakeAsync(Lease lease, CancellationToken token)
    {
        var switched = string.Equals(lease.LeaseOwner, context.WorkerId, StringComparison.Ordinal) ? 0 : 1;
        var taken = await context.LeaseStore.UpdateLeaseAsync(
            context.ApplicationName,
            lease with { LeaseOwner = context.WorkerId, OwnerSwitchesSinceCheckpoint = lease.OwnerSwitchesSinceCheckpoint + switched },
            token).ConfigureAwait(false);
        if (taken is null)
        {
            return; // Another worker took or renewed it first.
        }

        if (held.TryRemove(taken.LeaseKey, out var previous))
        {
            // This worker held the shard before (and lost it); wait for that consumer so two never run at once here.
            await previous.Consumer.ConfigureAwait(false);
        }

        var heldLease = new HeldLease(taken, context.LeaseStore, context.ApplicationName);
        held[taken.LeaseKey] = heldLease;
        context.Activity.Enter();
        heldLease.Consumer = new ShardConsumer(context, heldLease).RunAsync();
    }
}
