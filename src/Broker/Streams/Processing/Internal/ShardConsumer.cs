namespace Broker.Streams.Processing.Internal;

/// <summary>
/// Reads one leased shard and drives its <see cref="IRecordProcessor"/> (KCL: <c>ShardConsumer</c>): waits until every
/// parent that has a lease is at <c>SHARD_END</c>, initializes the processor, reads from after the checkpoint, hands
/// over each non-empty batch, and at the shard's end insists on a <c>SHARD_END</c> checkpoint before creating the
/// children's leases.
/// </summary>
internal sealed class ShardConsumer(ProcessorContext context, HeldLease lease)
{
    private IRecordProcessor? processor;

    /// <summary>Runs until the shard ends, the lease is lost, the worker stops, or the processor fails.</summary>
    /// <returns>A task that never faults.</returns>
    public async Task RunAsync()
    {
        var checkpointer = new ShardCheckpointer(lease);
        var token = lease.Cancellation.Token;
        try
        {
            await Task.Yield();
            while (!await ParentsFinishedAsync(token).ConfigureAwait(false))
            {
                await context.Activity.DelayAsync(context.Options.IdleTimeBetweenReads, context.Time, token).ConfigureAwait(false);
            }

            var start = lease.Current;
            if (start.IsShardEnd)
            {
                // Finished before a restart: the periodic shard sync creates any missing children.
                await lease.ReleaseAsync(token).ConfigureAwait(false);
                return;
            }

            processor = context.ProcessorFactory(lease.ShardId);
            await processor.InitializeAsync(new InitializationInput(lease.ShardId, start.ParentShardIds, start.Checkpoint), token).ConfigureAwait(false);
            await ReadAsync(checkpointer, start.Checkpoint, token).ConfigureAwait(false);
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            await EndAsync(checkpointer).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Whatever failed, the outcome is the same: the shard is read again from its checkpoint.
        catch (Exception)
#pragma warning restore CA1031
        {
            // A processor (or the stream) failed: give the lease up so the records after the checkpoint are read again.
            await ReleaseQuietlyAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            context.Activity.Exit();
        }
    }

    private async Task ReadAsync(ShardCheckpointer checkpointer, string checkpoint, CancellationToken token)
    {
        var iterator = await IteratorAsync(checkpoint, checkpointer, token).ConfigureAwait(false);
        while (true)
        {
            token.ThrowIfCancellationRequested();
            GetRecordsResult result;
            try
            {
                result = await context.Stream.GetRecordsAsync(iterator, context.Options.MaxRecords, token).ConfigureAwait(false);
            }
            catch (BrokerException error) when (!token.IsCancellationRequested)
            {
                // Throttled, or the iterator expired while the processor was busy: wait, then resume where we were.
                await context.Activity.DelayAsync(context.Options.IdleTimeBetweenReads, context.Time, token).ConfigureAwait(false);
                if (string.Equals(error.ErrorCode, BrokerErrorCodes.ExpiredIteratorException, StringComparison.Ordinal))
                {
                    iterator = await IteratorAsync(checkpoint, checkpointer, token).ConfigureAwait(false);
                }

                continue;
            }

            if (result.Records.Count > 0)
            {
                checkpointer.Handing(result.Records);
                await processor!.ProcessRecordsAsync(new ProcessRecordsInput(result.Records, result.MillisBehindLatest, checkpointer), token).ConfigureAwait(false);
            }

            if (result.NextShardIterator is null)
            {
                await ShardEndAsync(checkpointer, result.ChildShards, token).ConfigureAwait(false);
                return;
            }

            iterator = result.NextShardIterator;
            if (result.Records.Count == 0 || result.MillisBehindLatest == 0)
            {
                await context.Activity.DelayAsync(context.Options.IdleTimeBetweenReads, context.Time, token).ConfigureAwait(false);
            }
        }
    }

    private async Task ShardEndAsync(ShardCheckpointer checkpointer, IReadOnlyList<ChildShard> children, CancellationToken token)
    {
        checkpointer.EnterShardEnd();
        while (true)
        {
            await processor!.ShardEndedAsync(checkpointer, token).ConfigureAwait(false);
            if (checkpointer.ShardEndCheckpointed)
            {
                break;
            }

            // KCL: a shard is complete only when the processor checkpoints at its end; ask again later.
            await context.Activity.DelayAsync(context.Options.IdleTimeBetweenReads, context.Time, token).ConfigureAwait(false);
        }

        foreach (var child in children)
        {
            var childLease = new Lease(child.ShardId) { Checkpoint = SentinelCheckpoints.TrimHorizon, ParentShardIds = child.ParentShards };
            await context.LeaseStore.CreateLeaseIfNotExistsAsync(context.ApplicationName, childLease, token).ConfigureAwait(false);
        }

        await lease.ReleaseAsync(token).ConfigureAwait(false);
    }

    private async Task EndAsync(ShardCheckpointer checkpointer)
    {
        if (lease.Abandoned)
        {
            return;
        }

        if (lease.IsLost)
        {
            if (processor is not null)
            {
                await CallQuietlyAsync(() => processor.LeaseLostAsync(CancellationToken.None)).ConfigureAwait(false);
            }

            return;
        }

        if (lease.ShutdownRequested)
        {
            if (processor is not null)
            {
                await CallQuietlyAsync(() => processor.ShutdownRequestedAsync(checkpointer, lease.ShutdownToken)).ConfigureAwait(false);
            }

            await ReleaseQuietlyAsync(lease.ShutdownToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> ParentsFinishedAsync(CancellationToken token)
    {
        foreach (var parent in lease.Current.ParentShardIds)
        {
            var parentLease = await context.LeaseStore.GetLeaseAsync(context.ApplicationName, parent, token).ConfigureAwait(false);
            if (parentLease is { IsShardEnd: false })
            {
                return false;
            }

            // KCL (BlockOnParentShardTask): a parent without a lease (never leased, or cleaned up) counts as finished,
            // unless its own lineage is still being processed: after a split and a merge, a merged child's second parent
            // gets its lease only when its parent ends, and until then the child must wait for it too.
            if (parentLease is null && await HasUnfinishedAncestorAsync(parent, token).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a lease-less shard descends from a shard whose lease is still being processed.</summary>
    private async Task<bool> HasUnfinishedAncestorAsync(string shardId, CancellationToken token)
    {
        var shards = context.Stream.ListShards().ToDictionary(static s => s.ShardId, StringComparer.Ordinal);
        var pending = new Stack<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        pending.Push(shardId);
        while (pending.TryPop(out var current))
        {
            if (!shards.TryGetValue(current, out var shard))
            {
                continue; // expired: nothing of it is left to read
            }

            foreach (var ancestor in new[] { shard.ParentShardId, shard.AdjacentParentShardId })
            {
                if (ancestor is null || !seen.Add(ancestor))
                {
                    continue;
                }

                var ancestorLease = await context.LeaseStore.GetLeaseAsync(context.ApplicationName, ancestor, token).ConfigureAwait(false);
                if (ancestorLease is { IsShardEnd: false })
                {
                    return true;
                }

                if (ancestorLease is null)
                {
                    pending.Push(ancestor);
                }
            }
        }

        return false;
    }

    private async Task<string> IteratorAsync(string checkpoint, ShardCheckpointer checkpointer, CancellationToken token)
    {
        while (true)
        {
            try
            {
                return checkpointer.LastHanded is { } last
                    ? context.Stream.GetShardIterator(lease.ShardId, ShardIteratorType.AfterSequenceNumber, last)
                    : checkpoint switch
                    {
                        SentinelCheckpoints.TrimHorizon => context.Stream.GetShardIterator(lease.ShardId, ShardIteratorType.TrimHorizon),
                        SentinelCheckpoints.Latest => context.Stream.GetShardIterator(lease.ShardId, ShardIteratorType.Latest),
                        SentinelCheckpoints.AtTimestamp => context.Stream.GetShardIterator(lease.ShardId, ShardIteratorType.AtTimestamp, timestamp: context.Options.InitialTimestamp),
                        _ => context.Stream.GetShardIterator(lease.ShardId, ShardIteratorType.AfterSequenceNumber, checkpoint),
                    };
            }
            catch (BrokerException) when (!token.IsCancellationRequested)
            {
                await context.Activity.DelayAsync(context.Options.IdleTimeBetweenReads, context.Time, token).ConfigureAwait(false);
            }
        }
    }

    private async Task ReleaseQuietlyAsync(CancellationToken token)
    {
        try
        {
            await lease.ReleaseAsync(token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Not released for any reason: the lease simply expires after the failover time.
        catch (Exception)
#pragma warning restore CA1031
        {
            // Not released: the lease expires after the failover time instead.
        }
    }

    private static async Task CallQuietlyAsync(Func<ValueTask> callback)
    {
        try
        {
            await callback().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A processor's failure in its last callback must not stop the worker; the lease outcome is the same.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
