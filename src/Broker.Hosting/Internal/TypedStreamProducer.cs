using Broker.Hosting.Serialization;
using Broker.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Hosting.Internal;

/// <summary>A typed writer of one stream. Records carry no attributes, so only the producer activity is started.</summary>
internal sealed class TypedStreamProducer<T> : IStreamProducer<T>
{
    private readonly IMessageSerializer serializer;

    /// <summary>The keyed-service constructor: the key is the stream's name.</summary>
    public TypedStreamProducer(BrokerRuntime runtime, [ServiceKey] object? serviceKey)
        : this(runtime.Broker.GetStream(ServiceKeys.Name(serviceKey, "stream")), runtime.Serializer)
    {
    }

    internal TypedStreamProducer(IDataStream stream, IMessageSerializer serializer)
    {
        Stream = stream;
        this.serializer = serializer;
    }

    public IDataStream Stream { get; }

    public async ValueTask<PutRecordResult> PutAsync(string partitionKey, T record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        using var activity = BrokerTracing.StartProducer(Stream.Name, "send");
        try
        {
            var result = await Stream.PutRecordAsync(new PutRecordRequest(partitionKey, serializer.Serialize(record)), cancellationToken).ConfigureAwait(false);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag("messaging.destination.partition.id", result.ShardId);
                activity.SetTag("messaging.message.id", result.SequenceNumber);
            }

            return result;
        }
        catch (Exception exception) when (ProducerActivity.Failed(activity, exception))
        {
            throw;
        }
    }

    public async ValueTask<PutRecordsResult> PutBatchAsync(IReadOnlyList<KeyValuePair<string, T>> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var activity = BrokerTracing.StartProducer(Stream.Name, "send");
        try
        {
            var entries = new PutRecordsRequestEntry[records.Count];
            for (var i = 0; i < entries.Length; i++)
            {
                var (partitionKey, record) = records[i];
                entries[i] = new PutRecordsRequestEntry(partitionKey, serializer.Serialize(record));
            }

            return await Stream.PutRecordsAsync(entries, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ProducerActivity.Failed(activity, exception))
        {
            throw;
        }
    }
}
