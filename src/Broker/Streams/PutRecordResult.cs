namespace Broker.Streams;

/// <summary>Where a record was written (Kinesis: PutRecordOutput).</summary>
/// <param name="ShardId">The shard that holds the record.</param>
/// <param name="SequenceNumber">The record's sequence number: a decimal string, increasing within the shard.</param>
public readonly record struct PutRecordResult(string ShardId, string SequenceNumber);
