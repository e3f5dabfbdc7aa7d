namespace Broker.Hosting;

/// <summary>
/// A stream record with its data deserialized, as an <see cref="IStreamRecordHandler{TRecord}"/> receives it (the
/// <c>kinesis</c> part of a Lambda Kinesis event record).
/// </summary>
/// <typeparam name="TRecord">The type of the record's data.</typeparam>
public sealed class StreamItem<TRecord>
{
    /// <summary>Creates an item. Hosted stream consumers create these; tests of handlers may too.</summary>
    /// <param name="data">The deserialized data.</param>
    /// <param name="partitionKey">The partition key the producer gave.</param>
    /// <param name="sequenceNumber">The record's sequence number in its shard.</param>
    /// <param name="approximateArrivalTimestamp">When the broker accepted the record, on its clock.</param>
    public StreamItem(TRecord data, string partitionKey, string sequenceNumber, DateTimeOffset approximateArrivalTimestamp)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        ArgumentNullException.ThrowIfNull(sequenceNumber);
        Data = data;
        PartitionKey = partitionKey;
        SequenceNumber = sequenceNumber;
        ApproximateArrivalTimestamp = approximateArrivalTimestamp;
    }

    /// <summary>The record's data, deserialized with the host's serializer.</summary>
    public TRecord Data { get; }

    /// <summary>The partition key the producer gave (it chose the shard).</summary>
    public string PartitionKey { get; }

    /// <summary>The record's sequence number: a decimal string that increases within its shard.</summary>
    public string SequenceNumber { get; }

    /// <summary>When the broker accepted the record, on its clock, to the millisecond (Kinesis: <c>ApproximateArrivalTimestamp</c>).</summary>
    public DateTimeOffset ApproximateArrivalTimestamp { get; }
}
