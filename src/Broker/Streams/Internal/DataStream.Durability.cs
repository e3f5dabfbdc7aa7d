using Broker.Durability.Internal;
using Broker.Internal;

namespace Broker.Streams.Internal;

/// <summary>
/// Durable mode: a durable stream keeps its records in a journal of its own (<see cref="StreamJournal"/>) and its
/// configuration, shard table and consumers in the broker's journal (<see cref="DurableStore"/>).
/// </summary>
internal sealed partial class DataStream
{
    /// <summary>The broker's journal, for the cold-path records; null for an in-memory stream.</summary>
    private DurableStore? store;

    /// <summary>The stream's own journal; null for an in-memory stream.</summary>
    private StreamJournal? journal;

    /// <summary>Records that arrived at or before this were trimmed before retention was increased (see <see cref="RecoveredStream.ExpiredUpToMs"/>).</summary>
    private long expiredUpToMs = long.MinValue;

    /// <summary>
    /// A durable stream rebuilt at start-up from the broker's journal (<paramref name="recovered"/>) and its own
    /// (<paramref name="log"/>): its shards with their lineage, every record retention has not passed at their sequence
    /// numbers, skip markers where an unacknowledged put was lost, its consumers and settings.
    /// </summary>
    public DataStream(RecoveredStream recovered, StreamLogRecovery log, BrokerOptions brokerOptions, TimeProvider time, BrokerMetrics metrics, BrokerObserverGuard? observer)
        : this(recovered.Name, recovered.Options, recovered.StreamId, recovered.IteratorKey, brokerOptions, time, metrics, observer)
    {
        CreatedAtMs = recovered.CreatedAtMs;
        retentionMs = recovered.RetentionMs;
        maxRecordBytes = recovered.MaxRecordBytes;
        expiredUpToMs = recovered.ExpiredUpToMs;
        var nowMs = NowMs();

        // Records of a shard index the table does not hold can only be a reshard's that a power loss took back under
        // Batched or None (the table is journaled before a new shard takes puts). They are never read, and the indexes
        // they name are never given again, so that a later reshard's shards cannot inherit them.
        var indexes = Math.Max(recovered.Shards.Length, log.Records.Keys.Concat(log.Watermarks.Keys).DefaultIfEmpty(-1).Max() + 1);
        var byIndex = new StreamShard?[indexes];
        var open = new List<StreamShard>();
        foreach (var state in recovered.Shards)
        {
            if (state is null)
            {
                continue;
            }

            var shard = new StreamShard(state.Index, state.Start, state.End, state.Parent, state.AdjacentParent, state.CreatedAtMs);
            RestoreLog(shard, state, log, nowMs);
            if (state.ClosedAtMs >= 0)
            {
                shard.Close(state.Children, state.ClosedAtMs);
            }
            else
            {
                open.Add(shard);
            }

            byIndex[state.Index] = shard;
        }

        shards = new ShardSet(byIndex, open);
        foreach (var scaledAt in recovered.ScalingTimes)
        {
            scalingTimes.Enqueue(scaledAt);
        }

        foreach (var (name, (arn, createdAtMs)) in recovered.Consumers)
        {
            consumers[name] = new ConsumerState(new StreamConsumer(name, arn, DateTimeOffset.FromUnixTimeMilliseconds(createdAtMs)));
        }

        consumerCount = consumers.Count;
    }

    /// <summary>How many records recovery put back in the shard logs (skip markers not counted).</summary>
    public long RestoredRecords { get; private set; }

    /// <summary>The stream's own journal, if it is durable (tests).</summary>
    internal StreamJournal? Journal => journal;

    /// <summary>
    /// Makes the stream durable with <paramref name="streamJournal"/> (a new one, or the one it was rebuilt from): starts
    /// its writer, writes every shard's watermark, then deletes the segments retention has passed. Cold path.
    /// </summary>
    public void AttachJournal(DurableStore durableStore, StreamJournal streamJournal)
    {
        store = durableStore;
        journal = streamJournal; // set first: if what follows fails, Delete closes it
        durableStore.StartStreamJournal(streamJournal, SegmentRolled);
        var append = streamJournal.AppendWatermarksAsync(Watermarks());
        if (!append.IsCompletedSuccessfully)
        {
            append.AsTask().GetAwaiter().GetResult(); // a cold path: creating or recovering the stream
        }

        streamJournal.DeleteExpiredSegments(NowMs(), RetentionMs, Volatile.Read(ref expiredUpToMs));
    }

    /// <summary>
    /// Puts the journaled records of one shard back: those retention has passed are left out, from the oldest on; the
    /// next position is past every record, every watermark and, for a closed shard, its final count.
    /// </summary>
    private void RestoreLog(StreamShard shard, ShardState state, StreamLogRecovery log, long nowMs)
    {
        var journaled = log.Records.GetValueOrDefault(state.Index) ?? [];
        journaled.Sort(static (a, b) => a.Position.CompareTo(b.Position));
        var next = Math.Max(log.Watermarks.GetValueOrDefault(state.Index), Math.Max(state.FinalCount, 0));
        if (journaled.Count > 0)
        {
            next = Math.Max(next, journaled[^1].Position + 1);
        }

        // As ShardLog.Trim does: the expired prefix goes, in position order.
        var first = 0;
        while (first < journaled.Count && IsExpired(journaled[first].ArrivalMs, nowMs))
        {
            first++;
        }

        var records = new List<ShardLog.RestoredRecord>(journaled.Count - first);
        for (var i = first; i < journaled.Count; i++)
        {
            var record = journaled[i];
            if (records.Count > 0 && records[^1].Position == record.Position)
            {
                continue; // written twice cannot happen, but one copy is what a reader may see
            }

            records.Add(new ShardLog.RestoredRecord(record.Position, record.Data, partitionKeys.Get(record.PartitionKey), record.ArrivalMs));
        }

        var horizon = first < journaled.Count ? journaled[first].Position : next;
        var emptyArrival = state.ClosedAtMs >= 0 ? state.ClosedAtMs : state.CreatedAtMs;
        shard.Log.Restore(horizon, next, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(records), emptyArrival);
        RestoredRecords += records.Count;
    }

    private bool IsExpired(long arrivalMs, long nowMs) => arrivalMs + RetentionMs <= nowMs || arrivalMs <= Volatile.Read(ref expiredUpToMs);

    /// <summary>Every shard's reserved count: no later record can take a position below it.</summary>
    private (int ShardIndex, long Reserved)[] Watermarks() => [.. Shards.All.Select(static s => (s.Index, s.Log.Reserved))];

    /// <summary>
    /// On the stream journal's writer loop, when a segment fills: the new segment gets the watermarks, and segments whose
    /// newest record has expired are deleted. A failure here loses nothing (the segments stay; the next roll tries again).
    /// </summary>
    private void SegmentRolled()
    {
        if (journal is not { } durable || IsDeleted)
        {
            return;
        }

        try
        {
            durable.AppendWatermarks(Watermarks());
            durable.DeleteExpiredSegments(NowMs(), RetentionMs, Volatile.Read(ref expiredUpToMs));
        }
#pragma warning disable CA1031 // deleting expired segments is housekeeping: it must never fail the writer loop
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// Cold path, under <see cref="coldLock"/>: the shard table for the broker's journal, as it is or, given a
    /// <paramref name="plan"/>, as the plan will leave it. A shard the plan closes is recorded closed with its children
    /// but without a final count (−1: it still takes puts until the plan commits); recovery then takes its count from
    /// the records and watermarks its own journal holds, which hold every put it acknowledged.
    /// </summary>
    private void RecordShards(ReshardPlan? plan = null)
    {
        if (store is null)
        {
            return;
        }

        var shardsNow = plan?.ByIndex ?? Shards.ByIndex;
        var table = new ShardState?[shardsNow.Count];
        foreach (var shard in shardsNow)
        {
            if (shard is null)
            {
                continue;
            }

            var closing = plan?.ChildrenOf(shard);
            table[shard.Index] = new ShardState(shard.Index, shard.Start, shard.End, shard.ParentShardId, shard.AdjacentParentShardId, shard.CreatedAtMs)
            {
                ClosedAtMs = closing is null ? shard.ClosedAtMs : plan!.NowMs,
                FinalCount = closing is null ? shard.Log.FinalCount : plan!.IsNew(shard) ? 0 : -1,
                Children = closing ?? shard.Children,
            };
        }

        store.ShardsChanged(Name, table, [.. scalingTimes]);
    }

    /// <summary>Cold path, under <see cref="coldLock"/>: retention or the maximum record size changed.</summary>
    private void RecordSettings() =>
        store?.StreamSettingsChanged(Name, RetentionMs, Volatile.Read(ref maxRecordBytes), Volatile.Read(ref expiredUpToMs));

    /// <summary>
    /// A durable PutRecord: the position is reserved; the record is journaled, and only once it is as durable as the
    /// policy says is it published to readers and acknowledged. If the journal fails, the position becomes a skip marker
    /// (so the shard's later records still publish) and the caller gets the journal's <c>InternalFailure</c>.
    /// </summary>
    private async ValueTask<PutRecordResult> PutDurablyAsync(StreamJournal durable, StreamShard shard, long position, ArraySegment<byte> data, PartitionKeyInfo key, int size, long nowMs)
    {
        try
        {
            await AppendPut(durable, shard, position, data, key, nowMs).ConfigureAwait(false);
        }
        catch (ObjectDisposedException) when (IsDeleted)
        {
            shard.Log.Skip(position, nowMs);
            throw StreamErrors.StreamNotFound(Name, account); // deleted (or the broker disposed) while the put was under way
        }
        catch
        {
            shard.Log.Skip(position, nowMs);
            throw;
        }

        Publish(shard, position, data, key, nowMs);
        CountIncoming(1, size);
        return new PutRecordResult(shard.Id, SequenceNumbers.Format(shard.Index, position));
    }

    private static ValueTask AppendPut(StreamJournal durable, StreamShard shard, long position, ArraySegment<byte> data, PartitionKeyInfo key, long nowMs)
    {
        durable.Arriving(nowMs);
        return durable.AppendPut([new PutEntry(shard.Index, position, nowMs, key.Key, data)], data.Count + key.ByteCount);
    }

    /// <summary>
    /// A durable PutRecords: every stored entry's position is reserved, one journal record names them all, and they are
    /// published and acknowledged once it is durable. If the journal fails, each of them becomes a skip marker and its
    /// entry fails with <c>InternalFailure</c>, as Kinesis reports a record it could not store.
    /// </summary>
    private async ValueTask<PutRecordsResult> PutRecordsDurablyAsync(
        StreamJournal durable, PutRecordsResultList results, List<Reservation> reserved, int failed, long nowMs)
    {
        var entries = new PutEntry[reserved.Count];
        var bytes = 0;
        for (var i = 0; i < reserved.Count; i++)
        {
            var r = reserved[i];
            entries[i] = new PutEntry(r.Shard.Index, r.Position, nowMs, r.Key.Key, r.Data);
            bytes += r.Size;
        }

        Exception? error = null;
        try
        {
            durable.Arriving(nowMs);
            await durable.AppendPut(entries, bytes).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // whatever the failure, the reserved positions must be skipped before it is reported
        catch (Exception failure)
#pragma warning restore CA1031
        {
            error = failure;
        }

        long storedBytes = 0;
        foreach (var r in reserved)
        {
            if (error is null)
            {
                Publish(r.Shard, r.Position, r.Data, r.Key, nowMs);
                results.SetStored(r.Entry, r.Shard, r.Position);
                storedBytes += r.Size;
            }
            else
            {
                r.Shard.Log.Skip(r.Position, nowMs);
                results.SetFailed(r.Entry, new PutRecordsResultEntry(null, null, BrokerErrorCodes.InternalFailure, error.Message));
            }
        }

        if (error is ObjectDisposedException && IsDeleted)
        {
            throw StreamErrors.StreamNotFound(Name, account); // deleted (or the broker disposed) while the put was under way
        }

        if (error is not null and not BrokerException)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }

        if (error is not null)
        {
            failed += reserved.Count;
        }
        else
        {
            CountIncoming(reserved.Count, storedBytes);
        }

        return new PutRecordsResult(failed, results);
    }

    /// <summary>A position a durable PutRecords reserved for one of its entries.</summary>
    private readonly record struct Reservation(int Entry, StreamShard Shard, long Position, ArraySegment<byte> Data, PartitionKeyInfo Key, int Size);
}
