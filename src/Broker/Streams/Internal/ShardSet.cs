namespace Broker.Streams.Internal;

/// <summary>
/// An immutable snapshot of a stream's shards: every shard by index (expired ones removed) and the open ones sorted by
/// hash range for routing. Writers and readers read the current snapshot without a lock; resharding replaces it.
/// </summary>
internal sealed class ShardSet
{
    private readonly UInt128[] openStarts;

    /// <summary>A snapshot; <paramref name="open"/> is given explicitly because a reshard publishes the new set before it closes the parents.</summary>
    public ShardSet(StreamShard?[] byIndex, IEnumerable<StreamShard> open)
    {
        ByIndex = byIndex;
        Open = [.. open.OrderBy(static s => s.Start)];
        openStarts = [.. Open.Select(static s => s.Start)];
    }

    /// <summary>Shards by index; null where a shard expired and was dropped.</summary>
    public StreamShard?[] ByIndex { get; }

    /// <summary>The open shards in hash order; together they cover 0 to 2^128 − 1.</summary>
    public StreamShard[] Open { get; }

    public IEnumerable<StreamShard> All => ByIndex.OfType<StreamShard>();

    /// <summary>The open shard that owns a hash key.</summary>
    public StreamShard Route(UInt128 hashKey) => Open[RouteOrdinal(hashKey)];

    /// <summary>The place in <see cref="Open"/> of the open shard that owns a hash key.</summary>
    public int RouteOrdinal(UInt128 hashKey)
    {
        var found = Array.BinarySearch(openStarts, hashKey);
        return found >= 0 ? found : ~found - 1;
    }

    public StreamShard? Find(string shardId)
    {
        if (shardId.Length == 20 && shardId.StartsWith("shardId-", StringComparison.Ordinal)
            && int.TryParse(shardId.AsSpan(8), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            && index < ByIndex.Length)
        {
            return ByIndex[index];
        }

        return null;
    }

    public StreamShard? Find(int index) => index >= 0 && index < ByIndex.Length ? ByIndex[index] : null;
}
