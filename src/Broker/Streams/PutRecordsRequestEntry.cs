namespace Broker.Streams;

/// <summary>One entry of a <see cref="IDataStream.PutRecordsAsync"/> request (Kinesis: PutRecordsRequestEntry).</summary>
public sealed class PutRecordsRequestEntry
{
    /// <summary>An entry for the shard that owns the MD5 hash of <paramref name="partitionKey"/>.</summary>
    /// <param name="partitionKey">1 to 256 characters; its UTF-8 bytes are hashed with MD5 to choose the shard.</param>
    /// <param name="data">The record's bytes; the broker copies them, so the caller may reuse the buffer.</param>
    public PutRecordsRequestEntry(string partitionKey, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        PartitionKey = partitionKey;
        Data = data;
    }

    /// <summary>The partition key: 1 to 256 characters.</summary>
    public string PartitionKey { get; }

    /// <summary>The record's bytes. Data plus the partition key's UTF-8 bytes may not exceed the stream's maximum record size.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>A decimal hash key from 0 to 2^128 − 1 that overrides the partition key's hash. Default <see langword="null"/>.</summary>
    public string? ExplicitHashKey { get; init; }
}
