namespace Broker.Streams.Internal;

/// <summary>ListShards with every ShardFilter and paging; retention and maximum record size changes (cold paths, under <see cref="coldLock"/>).</summary>
internal sealed partial class DataStream
{
    public IReadOnlyList<Shard> ListShards(ShardFilter? filter = null)
    {
        ThrowIfDeleted();
        return [.. SelectShards(filter).Select(static s => s.ToShard())];
    }

    public ListShardsResult ListShards(ListShardsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfDeleted();
        if (request.MaxResults is < 1 or > StreamDefaults.MaxListShardsResults)
        {
            throw StreamErrors.Validation($"1 validation error detected: Value '{request.MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and {StreamDefaults.MaxListShardsResults}.");
        }

        var filter = request.ShardFilter;
        var after = request.ExclusiveStartShardId;
        if (request.NextToken is { } token)
        {
            if (after is not null || filter is not null)
            {
                throw StreamErrors.Invalid("NextToken and ExclusiveStartShardId or ShardFilter cannot be provided together: a NextToken carries the filter and position of its first page.");
            }

            (filter, after) = ShardListToken.Decode(token, this, NowMs());
        }

        var pageSize = Math.Min(request.MaxResults, StreamDefaults.ListShardsPageSize);
        var page = new List<Shard>(pageSize);
        string? next = null;
        var lastIndex = -1;
        foreach (var shard in SelectShards(filter))
        {
            if (after is not null && string.CompareOrdinal(shard.Id, after) <= 0)
            {
                continue;
            }

            if (page.Count == pageSize)
            {
                next = ShardListToken.Encode(this, filter, lastIndex, NowMs());
                break;
            }

            page.Add(shard.ToShard());
            lastIndex = shard.Index;
        }

        return new ListShardsResult(page, next);
    }

    /// <summary>The shards the filter selects, in id order, after trimming what retention has passed.</summary>
    private List<StreamShard> SelectShards(ShardFilter? filter)
    {
        var nowMs = NowMs();
        var retention = RetentionMs;
        var listed = new List<StreamShard>();
        foreach (var shard in Shards.All)
        {
            shard.Log.Trim(nowMs, retention);
            if (!shard.IsExpired(nowMs, retention))
            {
                listed.Add(shard);
            }
        }

        // The trim horizon as a time; while nothing has aged out, it is the stream's creation.
        var horizonMs = Math.Max(nowMs - retention, CreatedAtMs);
        IEnumerable<StreamShard> selected = (filter?.Type ?? ShardFilterType.FromTrimHorizon) switch
        {
            ShardFilterType.FromTrimHorizon => listed,
            ShardFilterType.AtLatest => listed.Where(static s => s.IsOpen),
            ShardFilterType.AfterShardId => listed.Where(s => string.CompareOrdinal(s.Id, RequireShardId(filter!)) > 0),
            ShardFilterType.AtTrimHorizon => OpenAt(listed, horizonMs),
            ShardFilterType.AtTimestamp => OpenAt(listed, Math.Max(RequireTimestamp(filter!), horizonMs)),
            ShardFilterType.FromTimestamp => FromTime(listed, Math.Max(RequireTimestamp(filter!), horizonMs)),
            var other => throw StreamErrors.Invalid($"Unknown ShardFilter type {other}."),
        };
        return [.. selected.OrderBy(static s => s.Index)];
    }

    public void IncreaseRetentionPeriod(TimeSpan retentionPeriod)
    {
        StreamErrors.CheckRetentionRange(retentionPeriod);
        lock (coldLock)
        {
            ThrowIfDeleted();
            var current = TimeSpan.FromMilliseconds(RetentionMs);
            if (retentionPeriod < current)
            {
                throw StreamErrors.Retention(retentionPeriod, current, increasing: true);
            }

            // Trim with the old period first: records that expired under it stay gone (no resurrection).
            var nowMs = NowMs();
            foreach (var shard in Shards.All)
            {
                shard.Log.Trim(nowMs, RetentionMs);
            }

            Volatile.Write(ref expiredUpToMs, Math.Max(expiredUpToMs, nowMs - RetentionMs)); // and stay gone after a restart
            Volatile.Write(ref retentionMs, (long)retentionPeriod.TotalMilliseconds);
            RecordSettings();
        }
    }

    public void DecreaseRetentionPeriod(TimeSpan retentionPeriod)
    {
        StreamErrors.CheckRetentionRange(retentionPeriod);
        lock (coldLock)
        {
            ThrowIfDeleted();
            var current = TimeSpan.FromMilliseconds(RetentionMs);
            if (retentionPeriod > current)
            {
                throw StreamErrors.Retention(retentionPeriod, current, increasing: false);
            }

            // Every read trims first with the current period, so older records are hidden from the next call on.
            Volatile.Write(ref retentionMs, (long)retentionPeriod.TotalMilliseconds);
            RecordSettings();
        }
    }

    public void UpdateMaxRecordSize(int maxRecordSizeInKiB)
    {
        StreamErrors.CheckMaxRecordSize(maxRecordSizeInKiB);
        lock (coldLock)
        {
            ThrowIfDeleted();
            Volatile.Write(ref maxRecordBytes, maxRecordSizeInKiB * 1024);
            RecordSettings();
        }
    }

    /// <summary>
    /// Shards open at a time. At the stream's creation time (the earliest a caller can ask about) that is the original
    /// shards, even when a reshard happened within the same millisecond.
    /// </summary>
    private IEnumerable<StreamShard> OpenAt(List<StreamShard> listed, long atMs) =>
        atMs <= CreatedAtMs
            ? listed.Where(static s => s.ParentShardId is null)
            : listed.Where(s => s.CreatedAtMs <= atMs && (s.IsOpen || s.ClosedAtMs >= atMs));

    private static IEnumerable<StreamShard> FromTime(List<StreamShard> listed, long fromMs) =>
        listed.Where(s => s.IsOpen || s.ClosedAtMs >= fromMs);

    private static string RequireShardId(ShardFilter filter) =>
        filter.ShardId ?? throw StreamErrors.Invalid("ShardFilter of type AFTER_SHARD_ID requires a ShardId.");

    private static long RequireTimestamp(ShardFilter filter) =>
        filter.Timestamp?.ToUnixTimeMilliseconds() ?? throw StreamErrors.Invalid($"ShardFilter of type {(filter.Type == ShardFilterType.AtTimestamp ? "AT_TIMESTAMP" : "FROM_TIMESTAMP")} requires a Timestamp.");
}
