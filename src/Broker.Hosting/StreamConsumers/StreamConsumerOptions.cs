using Broker.Streams.Processing;

namespace Broker.Hosting;

/// <summary>
/// The settings of a hosted stream consumer (<c>AddStreamConsumer</c>), named and defaulted as the settings of a Lambda
/// Kinesis event source mapping. Validated when the consumer is registered
/// (<see cref="Microsoft.Extensions.Options.OptionsValidationException"/>, one message per problem).
/// </summary>
public sealed class StreamConsumerOptions
{
    /// <summary>
    /// The most records handed to the handler at once, all from one shard (Lambda: <c>BatchSize</c>). Default 100;
    /// 1 to 10,000.
    /// </summary>
    public int BatchSize { get; set; } = StreamConsumerDefaults.BatchSize;

    /// <summary>
    /// How long to gather records before invoking the handler with fewer than <see cref="BatchSize"/> (Lambda:
    /// <c>MaximumBatchingWindowInSeconds</c>): the window opens when the first record of a batch is read, and the handler
    /// runs when the batch is full or the window ends, on the broker's clock. Default <see cref="TimeSpan.Zero"/> (invoke
    /// with whatever one read returned); 0 to 300 seconds.
    /// </summary>
    public TimeSpan MaximumBatchingWindow { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How many times a failed batch is retried before it is given up (Lambda: <c>MaximumRetryAttempts</c>): its
    /// description goes to <see cref="OnFailureQueue"/>, its last record is checkpointed, and the shard moves on. Default -1:
    /// retry until the batch's oldest record is older than the stream's retention period, as Lambda does; -1 or 0 to 10,000.
    /// </summary>
    public int MaximumRetryAttempts { get; set; } = StreamConsumerDefaults.MaximumRetryAttempts;

    /// <summary>
    /// Whether a failed batch of more than one record is split in two halves, each then handled on its own (first the
    /// older half), which isolates a bad record (Lambda: <c>BisectBatchOnFunctionError</c>). A half that succeeds is
    /// checkpointed. Splitting does not count as a retry, as in Lambda: only a batch that can no longer be split uses
    /// <see cref="MaximumRetryAttempts"/>. Default <see langword="false"/>.
    /// </summary>
    public bool BisectBatchOnHandlerError { get; set; }

    /// <summary>
    /// The name of a queue that receives a JSON description of each batch that is given up (Lambda's on-failure
    /// destination): <c>requestContext</c> (<c>requestId</c>, <c>functionArn</c> holding the consumer group,
    /// <c>condition</c> <c>RetryAttemptsExhausted</c> or <c>RecordAgeExceeded</c>, <c>approximateInvokeCount</c>),
    /// <c>responseContext</c>, <c>version</c>, <c>timestamp</c> and <c>KinesisBatchInfo</c> (<c>shardId</c>,
    /// <c>startSequenceNumber</c>, <c>endSequenceNumber</c>, the arrival times of the first and last record,
    /// <c>batchSize</c>, <c>streamArn</c>). The records themselves are not included: read them from the stream with the
    /// sequence numbers while they are retained. In-process addition: an <c>ErrorMessage</c> message attribute names the
    /// last error. <see langword="null"/> (the default) skips given-up batches with only a log entry. The queue must exist
    /// when the host starts; if sending to it fails, the shard is read again from its last checkpoint.
    /// </summary>
    public string? OnFailureQueue { get; set; }

    /// <summary>
    /// Where a consumer group with no checkpoints yet starts (Lambda: <c>StartingPosition</c>). Default
    /// <see cref="InitialPosition.Latest"/>, the Kinesis Client Library's default: only records put after the group first
    /// started. Ignored once the group has checkpoints in the lease store.
    /// </summary>
    public InitialPosition InitialPosition { get; set; } = InitialPosition.Latest;

    /// <summary>
    /// With <see cref="InitialPosition.AtTimestamp"/>, the time to start at (Lambda: <c>StartingPositionTimestamp</c>);
    /// required then, ignored otherwise. Default <see langword="null"/>.
    /// </summary>
    public DateTimeOffset? InitialTimestamp { get; set; }

    /// <summary>
    /// How long to wait before retry <c>n</c> (1 for the first retry) of a failed batch, on the broker's clock; a negative
    /// result counts as zero. <see langword="null"/> (the default) waits 1 second before the first retry, doubling for each
    /// further one, at most 1 minute. Lambda does not document its delay; a delay keeps a failing handler from spinning.
    /// Bisected halves are handed over at once, without a delay.
    /// </summary>
    public Func<int, TimeSpan>? RetryDelay { get; set; }

    /// <summary>A copy, taken once validated, so later changes to the configured instance cannot bypass validation.</summary>
    internal StreamConsumerOptions Snapshot() => (StreamConsumerOptions)MemberwiseClone();
}
