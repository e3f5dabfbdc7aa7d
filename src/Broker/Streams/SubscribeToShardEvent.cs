namespace Broker.Streams;

/// <summary>One push of an enhanced fan-out subscription (Kinesis: SubscribeToShardEvent).</summary>
/// <param name="Records">The records that arrived since the previous event, oldest first.</param>
/// <param name="ContinuationSequenceNumber">The sequence number to resume from with <see cref="ShardIteratorType.AfterSequenceNumber"/>
/// (the last record delivered); use it for checkpointing.</param>
/// <param name="MillisBehindLatest">How far the last record is behind the shard's newest, in milliseconds; 0 when caught up.</param>
/// <param name="ChildShards">The children of a closed shard, in the last event once its end is reached; otherwise empty.</param>
public sealed record SubscribeToShardEvent(IReadOnlyList<StreamRecord> Records, string ContinuationSequenceNumber, long MillisBehindLatest, IReadOnlyList<ChildShard> ChildShards);
