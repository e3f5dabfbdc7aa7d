namespace Broker.Streams;

/// <summary>
/// The outcome of <see cref="IDataStream.PutRecordsAsync"/> (Kinesis: PutRecordsOutput). PutRecords is not atomic:
/// each entry succeeds or fails on its own, and <see cref="Records"/> has the request's length and order.
/// </summary>
/// <param name="FailedRecordCount">How many entries failed (their <see cref="PutRecordsResultEntry.ErrorCode"/> is set).</param>
/// <param name="Records">One entry per request entry, in the request's order.</param>
public sealed record PutRecordsResult(int FailedRecordCount, IReadOnlyList<PutRecordsResultEntry> Records);

/// <summary>
/// The outcome of one PutRecords entry: either <see cref="ShardId"/> and <see cref="SequenceNumber"/>, or
/// <see cref="ErrorCode"/> and <see cref="ErrorMessage"/> (Kinesis: PutRecordsResultEntry).
/// </summary>
/// <param name="ShardId">The shard that holds the record, or <see langword="null"/> when the entry failed.</param>
/// <param name="SequenceNumber">The record's sequence number, or <see langword="null"/> when the entry failed.</param>
/// <param name="ErrorCode"><c>ProvisionedThroughputExceededException</c> when the shard's throughput was exceeded, or <see langword="null"/> on success.</param>
/// <param name="ErrorMessage">What went wrong, naming the account, stream and shard; <see langword="null"/> on success.</param>
public sealed record PutRecordsResultEntry(string? ShardId, string? SequenceNumber, string? ErrorCode, string? ErrorMessage);
