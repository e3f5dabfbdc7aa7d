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
/// <remarks>The sequence number is formatted when first read, so a producer that never reads it does not pay for the string.</remarks>
public sealed class PutRecordsResultEntry
{
    private readonly int shardIndex;
    private readonly long position;
    private string? sequenceNumber;

    /// <summary>An entry with every field given.</summary>
    /// <param name="shardId">The shard that holds the record, or <see langword="null"/> when the entry failed.</param>
    /// <param name="sequenceNumber">The record's sequence number, or <see langword="null"/> when the entry failed.</param>
    /// <param name="errorCode"><c>ProvisionedThroughputExceededException</c> when the shard's throughput was exceeded, or <see langword="null"/> on success.</param>
    /// <param name="errorMessage">What went wrong, naming the account, stream and shard; <see langword="null"/> on success.</param>
    public PutRecordsResultEntry(string? shardId, string? sequenceNumber, string? errorCode, string? errorMessage)
    {
        ShardId = shardId;
        this.sequenceNumber = sequenceNumber;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        position = -1;
    }

    /// <summary>A stored record: its sequence number is made from the shard and position when read.</summary>
    internal PutRecordsResultEntry(string shardId, int shardIndex, long position)
    {
        ShardId = shardId;
        this.shardIndex = shardIndex;
        this.position = position;
    }

    /// <summary>The shard that holds the record, or <see langword="null"/> when the entry failed.</summary>
    public string? ShardId { get; }

    /// <summary>The record's sequence number, or <see langword="null"/> when the entry failed.</summary>
    public string? SequenceNumber => sequenceNumber ??= position < 0 ? null : Internal.SequenceNumbers.Format(shardIndex, position);

    /// <summary><c>ProvisionedThroughputExceededException</c> when the shard's throughput was exceeded, or <see langword="null"/> on success.</summary>
    public string? ErrorCode { get; }

    /// <summary>What went wrong, naming the account, stream and shard; <see langword="null"/> on success.</summary>
    public string? ErrorMessage { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        ErrorCode is null ? $"{ShardId} {SequenceNumber}" : $"{ErrorCode}: {ErrorMessage}";
}
