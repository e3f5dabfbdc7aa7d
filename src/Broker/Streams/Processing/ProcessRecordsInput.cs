namespace Broker.Streams.Processing;

/// <summary>A batch of records for a <see cref="IRecordProcessor"/> (KCL: <c>ProcessRecordsInput</c>).</summary>
/// <param name="Records">The records, in sequence-number order, never empty.</param>
/// <param name="MillisBehindLatest">How far the last record is behind the newest record of the shard, in milliseconds (0 when caught up).</param>
/// <param name="Checkpointer">Records progress in the shard's lease.</param>
public sealed record ProcessRecordsInput(IReadOnlyList<StreamRecord> Records, long MillisBehindLatest, ICheckpointer Checkpointer);
