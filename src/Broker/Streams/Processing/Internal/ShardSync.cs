namespace Broker.Streams.Processing.Internal;

/// <summary>
/// Keeps the lease table in step with the stream's shards (KCL: <c>ShardSyncTask</c> / <c>HierarchicalShardSyncer</c>):
/// seeds an empty table from ListShards with the filter of the initial position, and creates leases, at
/// <c>TRIM_HORIZON</c>, for children of finished shards that have none (a worker that stopped between its
/// <c>SHARD_END</c> checkpoint and creating them).
/// </summary>
internal static class ShardSync
{
    /// <summary>Runs one sync.</summary>
    /// <param name="context">The processor.</param>
    /// <param name="cancellationToken">Cancels the sync.</param>
    /// <returns>A task that completes when the table is in step.</returns>
    public static async Task SyncAsync(ProcessorContext context, CancellationToken cancellationToken)
    {
        var leases = await context.LeaseStore.ListLeasesAsync(context.ApplicationName, cancellationToken).ConfigureAwait(false);
        if (leases.Count == 0)
        {
            await SeedAsync(context, cancellationToken).ConfigureAwait(false);
            return;
        }

        var finished = leases.Where(l => l.IsShardEnd).Select(l => l.LeaseKey).ToHashSet(StringComparer.Ordinal);
        if (finished.Count == 0)
        {
            return;
        }

        var known = leases.Select(l => l.LeaseKey).ToHashSet(StringComparer.Ordinal);
        foreach (var shard in context.Stream.ListShards())
        {
            var parents = Parents(shard);
            if (!known.Contains(shard.ShardId) && parents.Any(finished.Contains))
            {
                var child = new Lease(shard.ShardId) { Checkpoint = SentinelCheckpoints.TrimHorizon, ParentShardIds = parents };
                await context.LeaseStore.CreateLeaseIfNotExistsAsync(context.ApplicationName, child, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task SeedAsync(ProcessorContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var (filter, checkpoint) = options.InitialPosition switch
        {
            InitialPosition.TrimHorizon => (new ShardFilter(ShardFilterType.AtTrimHorizon), SentinelCheckpoints.TrimHorizon),
            InitialPosition.AtTimestamp => (new ShardFilter(ShardFilterType.AtTimestamp, Timestamp: options.InitialTimestamp), SentinelCheckpoints.AtTimestamp),
            _ => (new ShardFilter(ShardFilterType.AtLatest), SentinelCheckpoints.Latest),
        };

        // Workers that start together race here; CreateLeaseIfNotExists makes every seed but the first a no-op.
        foreach (var shard in context.Stream.ListShards(filter))
        {
            var lease = new Lease(shard.ShardId) { Checkpoint = checkpoint, ParentShardIds = Parents(shard) };
            await context.LeaseStore.CreateLeaseIfNotExistsAsync(context.ApplicationName, lease, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string[] Parents(Shard shard) =>
        (shard.ParentShardId, shard.AdjacentParentShardId) switch
        {
            (null, null) => [],
            ({ } parent, null) => [parent],
            (null, { } adjacent) => [adjacent],
            ({ } parent, { } adjacent) => [parent, adjacent],
        };
}
