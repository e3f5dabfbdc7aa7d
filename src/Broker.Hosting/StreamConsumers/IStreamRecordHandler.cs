namespace Broker.Hosting;

/// <summary>
/// Handles batches of typed records from one shard of a data stream for a hosted stream consumer
/// (<c>AddStreamConsumer</c>), the analogue of a Lambda function behind a Kinesis event source mapping. The host resolves
/// the handler from a new DI scope for every batch and hands it the shard's records in order, one batch at a time per shard.
/// Returning completes the batch (its last record is checkpointed); throwing fails the whole batch, which is retried
/// (and bisected, when that is on) until it succeeds or its retries are exhausted.
/// </summary>
/// <typeparam name="TRecord">The type each record's data is deserialized into.</typeparam>
public interface IStreamRecordHandler<TRecord>
{
    /// <summary>Handles a batch of records.</summary>
    /// <param name="records">The records, in sequence-number order, all from <see cref="StreamBatchContext.ShardId"/>; never empty.</param>
    /// <param name="context">The stream, shard, consumer group, attempt and DI scope of this batch.</param>
    /// <param name="cancellationToken">Cancelled when the host stops and its shutdown timeout ends.</param>
    /// <returns>A task that completes when the batch is handled.</returns>
    ValueTask HandleAsync(IReadOnlyList<StreamItem<TRecord>> records, StreamBatchContext context, CancellationToken cancellationToken);
}
