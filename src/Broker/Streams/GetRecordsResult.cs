namespace Broker.Streams;

/// <summary>A page of records from one shard (Kinesis: GetRecordsOutput).</summary>
/// <param name="Records">The records, oldest first; empty is normal (loop on <paramref name="NextShardIterator"/>).</param>
/// <param name="NextShardIterator">The iterator for the next call, or <see langword="null"/> once a closed shard has been read to its end.</param>
/// <param name="MillisBehindLatest">How far the last returned record is behind the shard's newest record, in milliseconds of
/// arrival time on the broker's clock; 0 when caught up.</param>
/// <param name="ChildShards">The shards that replaced a closed shard, set only when its end was reached; otherwise empty.</param>
public sealed record GetRecordsResult(IReadOnlyList<StreamRecord> Records, string? NextShardIterator, long MillisBehindLatest, IReadOnlyList<ChildShard> ChildShards);
