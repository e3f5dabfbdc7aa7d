using System.Diagnostics;
using Broker.Hosting.Serialization;
using Broker.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Internal;

/// <summary>
/// Invokes <typeparamref name="THandler"/> for a batch: a DI scope per batch, the records deserialized into
/// <typeparamref name="TRecord"/>, a consumer activity with no parent (stream records carry no attributes, so no trace
/// context), and the hosting metrics. Every instrument counts records, not invocations, except the duration.
/// </summary>
internal sealed class StreamBatchInvoker<TRecord, THandler>(
    IServiceProvider services, BrokerRuntime runtime, HostingMetrics metrics, string streamName, string consumerGroup, ILogger logger)
    : IStreamBatchInvoker
    where THandler : class, IStreamRecordHandler<TRecord>
{
    private static readonly string HandlerName = typeof(THandler).Name;

    private readonly KeyValuePair<string, object?> consumerTag = HostingMetrics.Consumer(streamName);

    public async ValueTask<Exception?> InvokeAsync(
        ArraySegment<StreamRecord> records, string shardId, int attempt, long millisBehindLatest, CancellationToken cancellationToken)
    {
        // Each batch starts a trace of its own: whatever activity the processor's task inherited is not its parent.
        Activity.Current = null;
        using var activity = BrokerTracing.StartConsumer(streamName, null);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.destination.partition.id", shardId);
            activity.SetTag("messaging.consumer.group.name", consumerGroup);
            activity.SetTag("messaging.batch.message_count", records.Count);
        }

        var items = Deserialize(records, shardId, out var invalid);
        if (invalid is not null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, invalid.Message);
            return invalid;
        }

        var time = runtime.TimeProvider;
        var started = time.GetTimestamp();
        metrics.Concurrency.Add(1, consumerTag);
        try
        {
            var scope = services.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var context = new StreamBatchContext(streamName, shardId, consumerGroup, attempt, millisBehindLatest, scope.ServiceProvider);
                var handler = scope.ServiceProvider.GetRequiredService<THandler>();
                await handler.HandleAsync(items, context, cancellationToken).ConfigureAwait(false);
            }

            if (metrics.MessagesHandled.Enabled)
            {
                metrics.MessagesHandled.Add(records.Count, consumerTag);
            }

            return null;
        }
#pragma warning disable CA1031 // Whatever the handler threw fails the batch; the batcher retries, bisects or gives it up.
        catch (Exception error)
#pragma warning restore CA1031
        {
            if (metrics.HandlerFailures.Enabled)
            {
                metrics.HandlerFailures.Add(records.Count, consumerTag);
            }

            Log.StreamBatchFailed(logger, error, HandlerName, records.Count, shardId, streamName, records[0].SequenceNumber, records[^1].SequenceNumber, attempt);
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            return error;
        }
        finally
        {
            metrics.Concurrency.Add(-1, consumerTag);
            if (metrics.HandlerDuration.Enabled)
            {
                metrics.HandlerDuration.Record(time.GetElapsedTime(started).TotalSeconds, consumerTag);
            }
        }
    }

    /// <summary>Deserializes every record; counts and logs each that fails, and returns the first failure.</summary>
    private StreamItem<TRecord>[] Deserialize(ArraySegment<StreamRecord> records, string shardId, out Exception? invalid)
    {
        invalid = null;
        var items = new StreamItem<TRecord>[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            try
            {
                var data = runtime.Serializer.Deserialize<TRecord>(record.Data);
                items[i] = new StreamItem<TRecord>(data, record.PartitionKey, record.SequenceNumber, record.ApproximateArrivalTimestamp);
            }
            catch (MessageDeserializationException error)
            {
                invalid ??= error;
                if (metrics.DeserializationFailures.Enabled)
                {
                    metrics.DeserializationFailures.Add(1, consumerTag);
                }

                Log.StreamDeserializationFailed(logger, error, record.SequenceNumber, shardId, streamName, typeof(TRecord).Name);
            }
        }

        return items;
    }
}
