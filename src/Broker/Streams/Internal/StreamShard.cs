using Broker.Queues.Internal;

namespace Broker.Streams.Internal;

/// <summary>
/// A shard: its identity and hash range (fixed at creation), its log, and its lineage. Only the stream's cold-path
/// lock changes <see cref="Children"/> and <see cref="ClosedAtMs"/>, and it sets both before closing the log, so a
/// reader that sees the log closed also sees the children.
/// </summary>
internal sealed class StreamShard
{
    private IReadOnlyList<ChildShard> children = [];
    private long closedAtMs = -1;
    private ThroughputWindow? writeWindow;
    private ThroughputWindow? readWindow;

    public StreamShard(int index, UInt128 start, UInt128 end, string? parent, string? adjacentParent, long createdAtMs)
    {
        Index = index;
        Id = FormatId(index);
        Start = start;
        End = end;
        ParentShardId = parent;
        AdjacentParentShardId = adjacentParent;
        CreatedAtMs = createdAtMs;
        Log = new ShardLog(createdAtMs);
        HashKeyRange = new HashKeyRange(HashKeys.Format(start), HashKeys.Format(end));
        StartingSequenceNumber = SequenceNumbers.Format(index, 0);
    }

    public int Index { get; }

    public string Id { get; }

    public UInt128 Start { get; }

    public UInt128 End { get; }

    public string? ParentShardId { get; }

    public string? AdjacentParentShardId { get; }

    public long CreatedAtMs { get; }

    public HashKeyRange HashKeyRange { get; }

    public string StartingSequenceNumber { get; }

    public ShardLog Log { get; }

    /// <summary>Subscriptions parked until a record arrives; the writer wakes them.</summary>
    public WaiterList Waiters { get; } = new();

    public IReadOnlyList<ChildShard> Children => Volatile.Read(ref children);

    /// <summary>When the shard was closed by a split or merge, or −1 while open.</summary>
    public long ClosedAtMs => Volatile.Read(ref closedAtMs);

    public bool IsOpen => ClosedAtMs < 0;

    public ThroughputWindow WriteWindow => writeWindow ?? Interlocked.CompareExchange(ref writeWindow, new ThroughputWindow(), null) ?? writeWindow;

    public ThroughputWindow ReadWindow => readWindow ?? Interlocked.CompareExchange(ref readWindow, new ThroughputWindow(), null) ?? readWindow;

    public static string FormatId(int index) => "shardId-" + index.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Cold path, under the stream's lock: records the children, then stops appends.</summary>
    public void Close(IReadOnlyList<ChildShard> childShards, long nowMs)
    {
        Volatile.Write(ref children, childShards);
        Volatile.Write(ref closedAtMs, nowMs);
        Log.Close();
        Waiters.WakeAll();
    }

    /// <summary>
    /// Closed, and past retention: its youngest record (or, for a shard closed empty, its closing) is older than the
    /// retention period. Expired shards are no longer listed or readable.
    /// </summary>
    public bool IsExpired(long nowMs, long retentionMs)
    {
        var closed = ClosedAtMs;
        if (closed < 0)
        {
            return false;
        }

        var view = Log.Snapshot();
        var last = view.Published > 0 && view.Published > view.Horizon ? Log.LatestArrivalMs : -1;
        if (last < 0 && view.Published > 0)
        {
            return true; // every record it had was trimmed
        }

        return (last >= 0 ? last : closed) + retentionMs <= nowMs;
    }

    public string? EndingSequenceNumber()
    {
        var final = Log.FinalCount;
        return final < 0 ? null : SequenceNumbers.Format(Index, Math.Max(final - 1, 0));
    }

    public Shard ToShard() =>
        new(Id, ParentShardId, AdjacentParentShardId, HashKeyRange, new SequenceNumberRange(StartingSequenceNumber, EndingSequenceNumber()));
}
