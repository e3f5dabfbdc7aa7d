namespace Broker.Streams;

/// <summary>A page of a stream's shards, as Kinesis's ListShards takes it.</summary>
public sealed class ListShardsRequest
{
    /// <summary>
    /// The most shards to return: 1 to 10,000, of which at most 1,000 come back per page (as Kinesis). Default 1,000.
    /// </summary>
    public int MaxResults { get; init; } = 1000;

    /// <summary>
    /// The <see cref="ListShardsResult.NextToken"/> of the previous page, or <see langword="null"/> for the first. A token
    /// is valid for 5 minutes, for the stream that issued it, and cannot be combined with
    /// <see cref="ExclusiveStartShardId"/> or <see cref="ShardFilter"/> (the token carries the filter of its first page).
    /// </summary>
    public string? NextToken { get; init; }

    /// <summary>List only the shards whose id comes after this one (exclusive). Default: from the first shard.</summary>
    public string? ExclusiveStartShardId { get; init; }

    /// <summary>Which shards; <see langword="null"/> for <see cref="ShardFilterType.FromTrimHorizon"/>.</summary>
    public ShardFilter? ShardFilter { get; init; }
}

/// <summary>A page of shards.</summary>
public sealed class ListShardsResult
{
    internal ListShardsResult(IReadOnlyList<Shard> shards, string? nextToken)
    {
        Shards = shards;
        NextToken = nextToken;
    }

    /// <summary>The shards on this page, in id order.</summary>
    public IReadOnlyList<Shard> Shards { get; }

    /// <summary>
    /// Pass as <see cref="ListShardsRequest.NextToken"/> within 5 minutes to get the next page; <see langword="null"/> on the
    /// last page.
    /// </summary>
    public string? NextToken { get; }
}
