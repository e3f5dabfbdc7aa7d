using System.Buffers;
using Broker.Internal;

namespace Broker.Streams.Internal;

/// <summary>PutRecord and PutRecords: validate, route by hash key over the current shard snapshot, append lock-free.</summary>
internal sealed partial class DataStream
{
    private const long TrimEvery = 63;

    public ValueTask<PutRecordResult> PutRecordAsync(PutRecordRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDeleted();
        var key = PartitionKey(request.PartitionKey);
        var hash = request.ExplicitHashKey is { } explicitKey ? ExplicitHash(explicitKey) : key.Hash;
        var size = CheckSize(request.Data.Length, key);
        if (request.SequenceNumberForOrdering is { } ordering && !SequenceNumbers.IsWellFormed(ordering))
        {
            throw StreamErrors.Invalid($"SequenceNumberForOrdering '{ordering}' is not a sequence number: it must match 0|([1-9]\\d{{0,128}}). Pass the SequenceNumber of the previous PutRecord result.");
        }

        var nowMs = NowMs();
        var data = Copy(request.Data);
        var (shard, position) = Reserve(hash, size, nowMs);
        if (shard is null)
        {
            throw StreamErrors.Throughput(Shards.Route(hash).Id, Name, account);
        }

        if (journal is { } durable)
        {
            return PutDurablyAsync(durable, shard, position, data, key, size, nowMs);
        }

        Publish(shard, position, data, key, nowMs);
        CountIncoming(1, size);
        return new ValueTask<PutRecordResult>(new PutRecordResult(shard.Id, SequenceNumbers.Format(shard.Index, position)));
    }

    public ValueTask<PutRecordsResult> PutRecordsAsync(IReadOnlyList<PutRecordsRequestEntry> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDeleted();
        var count = records.Count;
        if (count is 0 or > StreamDefaults.MaxPutRecordsEntries)
        {
            throw StreamErrors.Invalid($"1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and 500 (got {count}). Send at most 500 records per PutRecords call.");
        }

        // Validate every entry before writing any: a bad entry fails the whole request, as AWS validates requests.
        var keys = ArrayPool<PartitionKeyInfo>.Shared.Rent(count);
        var hashes = ArrayPool<UInt128>.Shared.Rent(count);
        var sizes = ArrayPool<int>.Shared.Rent(count);
        try
        {
            long total = 0;
            var packer = default(DataPacker);
            for (var i = 0; i < count; i++)
            {
                var entry = records[i] ?? throw StreamErrors.Invalid($"Record {i} of the PutRecords request is null.");
                var key = PartitionKey(entry.PartitionKey);
                keys[i] = key;
                hashes[i] = entry.ExplicitHashKey is { } explicitKey ? ExplicitHash(explicitKey) : key.Hash;
                sizes[i] = CheckSize(entry.Data.Length, key);
                total += sizes[i];
                packer.Plan(entry.Data.Length);
            }

            if (total > StreamDefaults.MaxRequestBytes)
            {
                throw StreamErrors.Invalid($"The PutRecords request is {total} bytes of data and partition keys; the limit is 10 MiB ({StreamDefaults.MaxRequestBytes} bytes). Split it into smaller requests.");
            }

            var nowMs = NowMs();
            var results = new PutRecordsResultList(count);
            if (journal is null && !EnforceThroughputLimits)
            {
                PutInRanges(records, keys, hashes, ref packer, results, nowMs);
                CountIncoming(count, total);
                return new ValueTask<PutRecordsResult>(new PutRecordsResult(0, results));
            }

            var failed = 0;
            long storedBytes = 0;
            var durable = journal;
            var reserved = durable is null ? null : new List<Reservation>(count);
            for (var i = 0; i < count; i++)
            {
                var data = packer.Copy(records[i].Data);
                var (shard, position) = Reserve(hashes[i], sizes[i], nowMs);
                if (shard is not null && reserved is not null)
                {
                    reserved.Add(new Reservation(i, shard, position, data, keys[i], sizes[i]));
                }
                else if (shard is not null)
                {
                    Publish(shard, position, data, keys[i], nowMs);
                }

                if (shard is null)
                {
                    failed++;
                    results.SetFailed(i, new PutRecordsResultEntry(
                        null,
                        null,
                        BrokerErrorCodes.ProvisionedThroughputExceededException,
                        StreamErrors.ThroughputMessage(Shards.Route(hashes[i]).Id, Name, account)));
                }
                else if (reserved is null)
                {
                    results.SetStored(i, shard, position);
                    storedBytes += sizes[i];
                }
            }

            if (durable is not null && reserved is { Count: > 0 })
            {
                return PutRecordsDurablyAsync(durable, results, reserved, failed, nowMs);
            }

            CountIncoming(count - failed, storedBytes);

            return new ValueTask<PutRecordsResult>(new PutRecordsResult(failed, results));
        }
        finally
        {
            ArrayPool<PartitionKeyInfo>.Shared.Return(keys, clearArray: true);
            ArrayPool<UInt128>.Shared.Return(hashes);
            ArrayPool<int>.Shared.Return(sizes);
        }
    }

    /// <summary>
    /// Stores a validated PutRecords request in memory with one reservation per shard instead of one per record: routes
    /// every record, reserves each shard's records as one range of positions, fills the ranges in request order and
    /// completes each range at once. Records whose shard a reshard closed meanwhile are routed again, to its children.
    /// </summary>
    private void PutInRanges(IReadOnlyList<PutRecordsRequestEntry> records, PartitionKeyInfo[] keys, UInt128[] hashes, ref DataPacker packer, PutRecordsResultList results, long nowMs)
    {
        var count = records.Count;
        var route = ArrayPool<int>.Shared.Rent(count); // per record: its shard's place in the snapshot, or −1 once stored
        var stored = observer is null ? null : ArrayPool<ArraySegment<byte>>.Shared.Rent(count);
        var left = count;
        try
        {
            route.AsSpan(0, count).Clear();
            while (left > 0)
            {
                ThrowIfDeleted();
                var set = Shards;
                var open = set.Open;
                var next = ArrayPool<long>.Shared.Rent(open.Length); // per shard: records routed to it, then its next position
                var firsts = ArrayPool<long>.Shared.Rent(open.Length);
                try
                {
                    next.AsSpan(0, open.Length).Clear();
                    for (var i = 0; i < count; i++)
                    {
                        if (route[i] >= 0)
                        {
                            route[i] = set.RouteOrdinal(hashes[i]);
                            next[route[i]]++;
                        }
                    }

                    for (var s = 0; s < open.Length; s++)
                    {
                        firsts[s] = next[s] == 0 ? -1 : open[s].Log.TryReserve((int)next[s]);
                        next[s] = firsts[s];
                    }

                    for (var i = 0; i < count; i++)
                    {
                        var s = route[i];
                        if (s < 0 || next[s] < 0)
                        {
                            continue; // stored already, or its shard closed: routed again next round
                        }

                        var data = packer.Copy(records[i].Data);
                        var position = next[s]++;
                        open[s].Log.Fill(position, data, keys[i]);
                        results.SetStored(i, open[s], position);
                        if (stored is not null)
                        {
                            stored[i] = data;
                        }

                        route[i] = -1;
                        left--;
                    }

                    for (var s = 0; s < open.Length; s++)
                    {
                        if (firsts[s] >= 0)
                        {
                            PublishRange(open[s], firsts[s], (int)(next[s] - firsts[s]), nowMs);
                        }
                    }
                }
                finally
                {
                    ArrayPool<long>.Shared.Return(next);
                    ArrayPool<long>.Shared.Return(firsts);
                }
            }

            if (stored is not null)
            {
                for (var i = 0; i < count; i++)
                {
                    var (shard, position) = results.StoredAt(i);
                    observer!.RecordPut(this, shard, position, stored[i], keys[i].Key);
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(route);
            if (stored is not null)
            {
                ArrayPool<ArraySegment<byte>>.Shared.Return(stored, clearArray: true);
            }
        }
    }

    /// <summary>Completes a range of filled positions, which makes them readable once every position before them is, and wakes readers.</summary>
    private void PublishRange(StreamShard shard, long first, int count, long nowMs)
    {
        shard.Log.CompleteRange(first, count, nowMs);
        if (((first + TrimEvery) & ~TrimEvery) < first + count)
        {
            shard.Log.Trim(nowMs, RetentionMs); // lazily, when the range holds a position Publish would trim on
        }

        shard.Waiters.WakeAll();
    }

    /// <summary>
    /// Reserves a position in the open shard owning the hash key, routing again if a reshard closed it meanwhile.
    /// Returns a null shard when throughput limits are on and the shard's write budget for this second is spent. The
    /// caller must <see cref="Publish"/> the position (or, if its record is lost, skip it).
    /// </summary>
    private (StreamShard? Shard, long Position) Reserve(UInt128 hash, int size, long nowMs)
    {
        while (true)
        {
            ThrowIfDeleted();
            var shard = Shards.Route(hash);
            if (EnforceThroughputLimits
                && !shard.WriteWindow.TryTake(nowMs, 1, size, StreamDefaults.WriteRecordsPerSecond, StreamDefaults.WriteBytesPerSecond))
            {
                return (null, -1);
            }

            var position = shard.Log.TryReserve();
            if (position >= 0)
            {
                return (shard, position);
            }
        }
    }

    /// <summary>Fills a reserved position, which makes it readable once every position before it is, and wakes readers.</summary>
    private void Publish(StreamShard shard, long position, ArraySegment<byte> data, PartitionKeyInfo key, long nowMs)
    {
        shard.Log.Complete(position, data, key, nowMs);
        if ((position & TrimEvery) == 0)
        {
            shard.Log.Trim(nowMs, RetentionMs); // lazily, on one put in 64; every read trims first anyway
        }

        shard.Waiters.WakeAll(); // returns at once, behind its fence, when nobody waits

        observer?.RecordPut(this, shard, position, data, key.Key);
    }

    /// <summary>Records and bytes (data plus UTF-8 partition key, what the write limits count) a put stored, if anyone listens.</summary>
    private void CountIncoming(long records, long bytes)
    {
        if (records == 0)
        {
            return;
        }

        var tag = new KeyValuePair<string, object?>(BrokerMetrics.StreamTag, Name);
        if (metrics.IncomingRecords.Enabled)
        {
            metrics.IncomingRecords.Add(records, tag);
        }

        if (metrics.IncomingBytes.Enabled)
        {
            metrics.IncomingBytes.Add(bytes, tag);
        }
    }

    private PartitionKeyInfo PartitionKey(string partitionKey)
    {
        if (partitionKey is not { Length: > 0 and <= StreamDefaults.MaxPartitionKeyLength })
        {
            throw StreamErrors.Invalid($"1 validation error detected: Value at 'partitionKey' failed to satisfy constraint: Member must have length between 1 and 256 (got {partitionKey?.Length ?? 0}).");
        }

        return partitionKeys.Get(partitionKey);
    }

    private static UInt128 ExplicitHash(string explicitHashKey) =>
        HashKeys.TryParse(explicitHashKey, out var hash)
            ? hash
            : throw StreamErrors.Invalid($"Invalid ExplicitHashKey '{explicitHashKey}'. ExplicitHashKey must be in the range: [0, 2^128-1], written in decimal without leading zeros.");

    private int CheckSize(int dataLength, PartitionKeyInfo key)
    {
        var size = dataLength + key.ByteCount;
        var limit = Volatile.Read(ref maxRecordBytes);
        return size <= limit
            ? size
            : throw StreamErrors.Invalid($"Record size {size} bytes (data plus UTF-8 partition key) exceeds the stream's maximum record size of {limit / 1024} KiB. Send smaller records, or raise the limit with UpdateMaxRecordSize (up to 10,240 KiB).");
    }
}
