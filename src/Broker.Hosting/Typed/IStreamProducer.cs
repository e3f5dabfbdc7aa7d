using Broker.Hosting.Serialization;
using Broker.Streams;

namespace Broker.Hosting;

/// <summary>
/// Writes <typeparamref name="T"/> records to a data stream, serialized with the host's <see cref="IMessageSerializer"/>.
/// Resolve it as a keyed service named by the stream (<c>[FromKeyedServices("clicks")] IStreamProducer&lt;Click&gt;</c>),
/// or wrap a stream with <see cref="TypedProducerExtensions.AsTyped{T}(IDataStream, IMessageSerializer?)"/>.
/// </summary>
/// <remarks>
/// Each put starts a producer activity named <c>{stream} send</c> on the <c>Broker</c> activity source. Kinesis records
/// carry no attributes, so the trace context is not written into the record.
/// </remarks>
/// <typeparam name="T">The record type.</typeparam>
public interface IStreamProducer<T>
{
    /// <summary>The byte-level stream, for reading, resharding and retention.</summary>
    IDataStream Stream { get; }

    /// <summary>Serializes and writes one record to the shard that owns its partition key (Kinesis: PutRecord).</summary>
    /// <param name="partitionKey">1 to 256 characters; records with the same key go to the same shard, in order.</param>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels before the record is accepted.</param>
    /// <returns>The shard and sequence number.</returns>
    /// <exception cref="BrokerException">As <see cref="IDataStream.PutRecordAsync"/>: too large, throughput exceeded, a deleted stream.</exception>
    ValueTask<PutRecordResult> PutAsync(string partitionKey, T record, CancellationToken cancellationToken = default);

    /// <summary>
    /// Serializes and writes 1 to 500 records (Kinesis: PutRecords). An entry can fail on its own (throughput); the
    /// result says which, in the order given.
    /// </summary>
    /// <param name="records">Partition keys and records.</param>
    /// <param name="cancellationToken">Cancels before the first record is accepted.</param>
    /// <returns>Each record's outcome, in order.</returns>
    /// <exception cref="BrokerException">As <see cref="IDataStream.PutRecordsAsync"/>.</exception>
    ValueTask<PutRecordsResult> PutBatchAsync(IReadOnlyList<KeyValuePair<string, T>> records, CancellationToken cancellationToken = default);
}
