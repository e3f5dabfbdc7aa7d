namespace Broker.Streams;

/// <summary>One record to write with <see cref="IDataStream.PutRecordAsync"/> (Kinesis: PutRecord).</summary>
public sealed class PutRecordRequest
{
    /// <summary>A record for the shard that owns the MD5 hash of <paramref name="partitionKey"/>.</summary>
    /// <param name="partitionKey">1 to 256 characters; its UTF-8 bytes are hashed with MD5 to choose the shard.</param>
    /// <param name="data">The record's bytes; the broker copies them, so the caller may reuse the buffer.</param>
    public PutRecordRequest(string partitionKey, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        PartitionKey = partitionKey;
        Data = data;
    }

    /// <summary>The partition key: 1 to 256 characters. Records with the same key go to the same (open) shard.</summary>
    public string PartitionKey { get; }

    /// <summary>The record's bytes. Data plus the partition key's UTF-8 bytes may not exceed the stream's maximum record size.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>
    /// A decimal hash key from 0 to 2^128 − 1 that chooses the shard instead of the partition key's hash. Default
    /// <see langword="null"/> (route by the partition key).
    /// </summary>
    public string? ExplicitHashKey { get; init; }

    /// <summary>
    /// The sequence number of the previous record of the same client and partition key, so that this one gets a
    /// greater number. Validated as a decimal sequence number; the broker's per-shard numbers always increase, so it
    /// needs no further effect. Default <see langword="null"/>.
    /// </summary>
    public string? SequenceNumberForOrdering { get; init; }
}
