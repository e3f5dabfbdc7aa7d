namespace Broker.Streams.Internal;

/// <summary>
/// A reshard worked out on a private copy of the shard set (under the stream's cold-path lock), then committed:
/// shards made and unmade within the plan are closed first, the new snapshot is published, and only then are the
/// original parents closed, so a writer refused by a closed parent always finds its child when it routes again.
/// </summary>
internal sealed class ReshardPlan
{
    private readonly int firstNewIndex;
    private readonly long nowMs;
    private readonly List<StreamShard?> byIndex;
    private readonly List<StreamShard> open;
    private readonly Dictionary<StreamShard, List<ChildShard>> children = [];

    public ReshardPlan(ShardSet set, long nowMs)
    {
        firstNewIndex = set.ByIndex.Length;
        this.nowMs = nowMs;
        byIndex = [.. set.ByIndex];
        open = [.. set.Open];
    }

    /// <summary>The open shards as the plan stands, in hash order.</summary>
    public IReadOnlyList<StreamShard> Open => open;

    public int OpenCount => open.Count;

    /// <summary>Splits an open shard at <paramref name="newStartingHashKey"/>: the lower child gets the next id.</summary>
    public (StreamShard Lower, StreamShard Upper) Split(StreamShard parent, UInt128 newStartingHashKey)
    {
        var lower = Add(parent.Start, newStartingHashKey - 1, parent.Id, null);
        var upper = Add(newStartingHashKey, parent.End, parent.Id, null);
        Replace([parent], [lower, upper]);
        children[parent] = [ChildOf(lower, parent.Id), ChildOf(upper, parent.Id)];
        return (lower, upper);
    }

    /// <summary>Merges two adjacent open shards into one child whose parent is <paramref name="shard"/>.</summary>
    public StreamShard Merge(StreamShard shard, StreamShard adjacent)
    {
        var child = Add(UInt128.Min(shard.Start, adjacent.Start), UInt128.Max(shard.End, adjacent.End), shard.Id, adjacent.Id);
        Replace([shard, adjacent], [child]);
        var entry = new ChildShard(child.Id, [shard.Id, adjacent.Id], child.HashKeyRange);
        children[shard] = [entry];
        children[adjacent] = [entry];
        return child;
    }

    /// <summary>Every shard by index as the plan stands, the new ones included (null where an expired shard was dropped).</summary>
    public IReadOnlyList<StreamShard?> ByIndex => byIndex;

    /// <summary>When the plan was made: the time it closes shards at.</summary>
    public long NowMs => nowMs;

    /// <summary>The children the plan gives <paramref name="shard"/> when it closes it, or null when it leaves it as it is.</summary>
    public IReadOnlyList<ChildShard>? ChildrenOf(StreamShard shard) => children.GetValueOrDefault(shard);

    /// <summary>Whether the plan made <paramref name="shard"/>.</summary>
    public bool IsNew(StreamShard shard) => shard.Index >= firstNewIndex;

    /// <summary>Publishes the plan; shards that expired meanwhile are dropped from the snapshot.</summary>
    public ShardSet Commit(Action<ShardSet> publish, long retentionMs)
    {
        foreach (var (shard, list) in children)
        {
            if (shard.Index >= firstNewIndex)
            {
                shard.Close(list, nowMs); // an intermediate shard: never open to writers
            }
        }

        for (var i = 0; i < firstNewIndex; i++)
        {
            if (byIndex[i] is { } shard && !children.ContainsKey(shard) && shard.IsExpired(nowMs, retentionMs))
            {
                byIndex[i] = null;
            }
        }

        var set = new ShardSet([.. byIndex], open);
        publish(set);
        foreach (var (shard, list) in children)
        {
            if (shard.Index < firstNewIndex)
            {
                shard.Close(list, nowMs);
            }
        }

        return set;
    }

    private static ChildShard ChildOf(StreamShard child, string parentId) => new(child.Id, [parentId], child.HashKeyRange);

    private StreamShard Add(UInt128 start, UInt128 end, string parent, string? adjacentParent)
    {
        var shard = new StreamShard(byIndex.Count, start, end, parent, adjacentParent, nowMs);
        byIndex.Add(shard);
        return shard;
    }

    private void Replace(StreamShard[] parents, StreamShard[] created)
    {
        foreach (var parent in parents)
        {
            open.Remove(parent);
        }

        open.AddRange(created);
        open.Sort(static (a, b) => a.Start.CompareTo(b.Start));
    }
}
