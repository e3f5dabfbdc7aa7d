namespace Broker.Streams;

/// <summary>Which shards <see cref="IDataStream.ListShards(ShardFilter?)"/> returns (Kinesis: ShardFilter).</summary>
/// <param name="Type">The kind of filter.</param>
/// <param name="ShardId">The exclusive start for <see cref="ShardFilterType.AfterShardId"/> (required there, ignored elsewhere).</param>
/// <param name="Timestamp">The time for <see cref="ShardFilterType.AtTimestamp"/> and <see cref="ShardFilterType.FromTimestamp"/> (required there, ignored elsewhere).</param>
public sealed record ShardFilter(ShardFilterType Type, string? ShardId = null, DateTimeOffset? Timestamp = null);

/// <summary>The kinds of <see cref="ShardFilter"/>. Expired shards are never listed.</summary>
public enum ShardFilterType
{
    /// <summary>Shards whose id comes after <see cref="ShardFilter.ShardId"/> (exclusive) (Kinesis: <c>AFTER_SHARD_ID</c>).</summary>
    AfterShardId,

    /// <summary>Shards that were open at the trim horizon (Kinesis: <c>AT_TRIM_HORIZON</c>).</summary>
    AtTrimHorizon,

    /// <summary>Every shard inside the retention period, open or closed; the default (Kinesis: <c>FROM_TRIM_HORIZON</c>).</summary>
    FromTrimHorizon,

    /// <summary>Only the shards open now (Kinesis: <c>AT_LATEST</c>).</summary>
    AtLatest,

    /// <summary>Shards open at <see cref="ShardFilter.Timestamp"/>: created at or before it and still open or closed at or after it (Kinesis: <c>AT_TIMESTAMP</c>).</summary>
    AtTimestamp,

    /// <summary>Shards closed at or after <see cref="ShardFilter.Timestamp"/> (clamped to the trim horizon), and every open shard (Kinesis: <c>FROM_TIMESTAMP</c>).</summary>
    FromTimestamp,
}
