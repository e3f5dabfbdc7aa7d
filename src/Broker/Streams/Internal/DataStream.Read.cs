using Broker.Internal;

namespace Broker.Streams.Internal;

/// <summary>GetShardIterator and GetRecords: resolve a starting position, read a batch from a log view, lock-free.</summary>
internal sealed partial class DataStream
{
    public string GetShardIterator(string shardId, ShardIteratorType type, string? startingSequenceNumber = null, DateTimeOffset? timestamp = null)
    {
        ThrowIfDeleted();
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var shard = FindShard(shardId, nowMs);
        var position = ResolvePosition(shard, type, startingSequenceNumber, timestamp, nowMs, "GetShardIterator");
        return ShardIteratorCodec.Format(new ShardIteratorData(StreamId, shard.Index, position, now.UtcTicks), iteratorKey);
    }

    public ValueTask<GetRecordsResult> GetRecordsAsync(string shardIterator, int limit = 10_000, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDeleted();
        if (limit is < 1 or > StreamDefaults.MaxGetRecordsLimit)
        {
            throw StreamErrors.Invalid($"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000.");
        }

        if (!ShardIteratorCodec.TryParse(shardIterator, iteratorKey, out var iterator) || iterator.StreamId != StreamId)
        {
            throw StreamErrors.Invalid($"Invalid ShardIterator: it was not issued by stream {Name} (or was changed). Get one with GetShardIterator.");
        }

        var now = time.GetUtcNow();
        if (now.UtcTicks - iterator.IssuedTicks >= StreamDefaults.IteratorLifetime.Ticks)
        {
            throw StreamErrors.ExpiredIterator();
        }

        var nowMs = now.ToUnixTimeMilliseconds();
        var shard = Shards.Find(iterator.ShardIndex);
        if (shard is null || shard.IsExpired(nowMs, RetentionMs))
        {
            // The shard expired after the iterator was issued: nothing is left to read, and its children take over.
            if (metrics.IteratorAge.Enabled)
            {
                RecordIteratorAge(shard?.Id ?? StreamShard.FormatId(iterator.ShardIndex), 0);
            }

            return new ValueTask<GetRecordsResult>(new GetRecordsResult([], null, 0, shard?.Children ?? []));
        }

        if (EnforceThroughputLimits
            && (!shard.ReadWindow.TryTake(nowMs, 1, 0, StreamDefaults.ReadCallsPerSecond, long.MaxValue)
                || shard.ReadWindow.BytesSpent(nowMs, StreamDefaults.ReadBytesPerSecond)))
        {
            throw StreamErrors.Throughput(shard.Id, Name, account);
        }

        var batch = ReadBatch(shard, iterator.Position, limit, nowMs);
        if (EnforceThroughputLimits)
        {
            shard.ReadWindow.AddBytes(nowMs, batch.Bytes);
        }

        if (metrics.IteratorAge.Enabled)
        {
            RecordIteratorAge(shard.Id, batch.Records.Count == 0 ? 0 : Math.Max(0, nowMs - batch.Records[^1].ArrivalMs));
        }

        var next = batch.AtEnd
            ? null
            : ShardIteratorCodec.Format(new ShardIteratorData(StreamId, shard.Index, batch.Next, now.UtcTicks), iteratorKey);
        return new ValueTask<GetRecordsResult>(new GetRecordsResult(batch.Records, next, batch.MillisBehindLatest, batch.AtEnd ? shard.Children : []));
    }

    /// <summary>
    /// Kinesis's GetRecords.IteratorAgeMilliseconds: how long ago the last record a call returned arrived, 0 for a call
    /// that returned none (it read up to the tip). The caller checks that anyone listens.
    /// </summary>
    private void RecordIteratorAge(string shardId, long ageMs) =>
        metrics.IteratorAge.Record(
            ageMs,
            new KeyValuePair<string, object?>(BrokerMetrics.StreamTag, Name),
            new KeyValuePair<string, object?>(BrokerMetrics.ShardTag, shardId));

    /// <summary>A batch read from one shard, shared by GetRecords and enhanced fan-out.</summary>
    internal readonly record struct Batch(List<StreamRecord> Records, long Next, long MillisBehindLatest, bool AtEnd, long Bytes);

    /// <summary>Reads from <paramref name="position"/> (or the trim horizon, if later): at most <paramref name="limit"/> records and 10 MiB.</summary>
    internal Batch ReadBatch(StreamShard shard, long position, int limit, long nowMs)
    {
        var log = shard.Log;
        log.Trim(nowMs, RetentionMs);
        var final = log.FinalCount;
        var view = log.Snapshot();
        var next = Math.Max(position, view.Horizon);
        // Sized once: at most `limit` (10,000 at the most, so the array stays off the large-object heap) or what is there.
        var records = new List<StreamRecord>((int)Math.Clamp(view.Published - next, 0, limit));
        long bytes = 0;
        var lastArrival = 0L;
        while (next < view.Published && records.Count < limit)
        {
            if (!view.TryRead(next, out var data, out var key, out var arrivalMs))
            {
                next++;
                continue; // trimmed by a concurrent reader or writer
            }

            if (records.Count > 0 && bytes + data.Length > StreamDefaults.MaxGetRecordsBytes)
            {
                break;
            }

            records.Add(new StreamRecord(shard.Index, next, key.Key, data, arrivalMs));
            bytes += data.Length;
            lastArrival = arrivalMs;
            next++;
        }

        var behind = records.Count == 0 ? 0 : Math.Max(0, view.ArrivalMs(view.Published - 1) - lastArrival);
        return new Batch(records, next, behind, final >= 0 && next >= final, bytes);
    }

    /// <summary>The log position a shard iterator or subscription of the given type starts at.</summary>
    internal long ResolvePosition(StreamShard shard, ShardIteratorType type, string? sequenceNumber, DateTimeOffset? timestamp, long nowMs, string operation)
    {
        var log = shard.Log;
        log.Trim(nowMs, RetentionMs);
        switch (type)
        {
            case ShardIteratorType.TrimHorizon:
                return log.Snapshot().Horizon;
            case ShardIteratorType.Latest:
                return log.FinalCount is >= 0 and var final ? final : log.Published;
            case ShardIteratorType.AtSequenceNumber:
            case ShardIteratorType.AfterSequenceNumber:
                return SequencePosition(shard, type, sequenceNumber, operation);
            case ShardIteratorType.AtTimestamp:
                if (timestamp is not { } at)
                {
                    throw StreamErrors.Invalid($"Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter ({operation}).");
                }

                return TimestampPosition(log, at.ToUnixTimeMilliseconds());
            default:
                throw StreamErrors.Invalid($"Unknown shard iterator type {type}. Use AtSequenceNumber, AfterSequenceNumber, TrimHorizon, Latest or AtTimestamp.");
        }
    }

    private long SequencePosition(StreamShard shard, ShardIteratorType type, string? sequenceNumber, string operation)
    {
        var name = type == ShardIteratorType.AtSequenceNumber ? "AT_SEQUENCE_NUMBER" : "AFTER_SEQUENCE_NUMBER";
        if (sequenceNumber is null)
        {
            throw StreamErrors.Invalid($"Must specify StartingSequenceNumber for iterator of type {name} ({operation}).");
        }

        // A number is issued once its position is below Reserved. AT also takes position 0 of an empty shard: that is
        // the shard's StartingSequenceNumber, which ListShards reports before any record arrives.
        var after = type == ShardIteratorType.AfterSequenceNumber;
        var reserved = shard.Log.Reserved;
        if (!SequenceNumbers.TryParse(sequenceNumber, out var index, out var position) || index != shard.Index
            || (after ? position >= reserved : position > reserved || (position == reserved && position != 0)))
        {
            throw StreamErrors.Invalid($"StartingSequenceNumber {sequenceNumber} used in {operation} on shard {shard.Id} in stream {Name} under account {account} is invalid because it did not come from this stream.");
        }

        return after ? position + 1 : position;
    }

    /// <summary>The first record that arrived at or after the time (arrivals are nearly sorted, so a binary search).</summary>
    private static long TimestampPosition(ShardLog log, long atMs)
    {
        var final = log.FinalCount;
        var view = log.Snapshot();
        long low = view.Horizon, high = view.Published;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (view.ArrivalMs(middle) < atMs)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low == view.Published && final >= 0 ? final : low;
    }
}
