using Broker.Streams.Internal;

namespace Broker.Streams;

/// <summary>A record read from a shard (Kinesis: Record). Its data is an immutable copy no producer can change.</summary>
public sealed class StreamRecord
{
    private readonly int shardIndex;
    private readonly long position;
    private readonly ReadOnlyMemory<byte> data;
    private readonly long arrivalMs;
    private string? sequenceNumber;

    /// <summary>A record with the given values (for tests and adapters; the broker creates its own).</summary>
    /// <param name="sequenceNumber">The record's sequence number.</param>
    /// <param name="partitionKey">The record's partition key.</param>
    /// <param name="data">The record's bytes.</param>
    /// <param name="approximateArrivalTimestamp">When the broker accepted it.</param>
    public StreamRecord(string sequenceNumber, string partitionKey, ReadOnlyMemory<byte> data, DateTimeOffset approximateArrivalTimestamp)
    {
        ArgumentNullException.ThrowIfNull(sequenceNumber);
        ArgumentNullException.ThrowIfNull(partitionKey);
        this.sequenceNumber = sequenceNumber;
        PartitionKey = partitionKey;
        this.data = data.ToArray();
        arrivalMs = approximateArrivalTimestamp.ToUnixTimeMilliseconds();
    }

    /// <summary>
    /// A stored record as a read returns it: the log's own data (a range of an array never written again) and its arrival
    /// in Unix milliseconds; its sequence number is formatted on first use.
    /// </summary>
    internal StreamRecord(int shardIndex, long position, string partitionKey, ReadOnlyMemory<byte> data, long arrivalMs)
    {
        this.shardIndex = shardIndex;
        this.position = position;
        PartitionKey = partitionKey;
        this.data = data;
        this.arrivalMs = arrivalMs;
    }

    /// <summary>
    /// The record's sequence number: a decimal string that increases within its shard. Compare sequence numbers
    /// numerically and only within one shard; across shards they have no order.
    /// </summary>
    public string SequenceNumber => sequenceNumber ??= SequenceNumbers.Format(shardIndex, position);

    /// <summary>The partition key the producer gave.</summary>
    public string PartitionKey { get; }

    /// <summary>The record's bytes, exactly as written.</summary>
    public ReadOnlyMemory<byte> Data => data;

    /// <summary>
    /// When the broker accepted the record, on its clock, to the millisecond. As on Kinesis, it is approximate: do not
    /// rely on it increasing within a shard.
    /// </summary>
    public DateTimeOffset ApproximateArrivalTimestamp => DateTimeOffset.FromUnixTimeMilliseconds(arrivalMs);

    /// <summary>The arrival time in Unix milliseconds, as stored.</summary>
    internal long ArrivalMs => arrivalMs;
}
