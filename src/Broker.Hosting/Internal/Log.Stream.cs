using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Internal;

/// <summary>
/// Source-generated log messages of the topic subscriber (event ids 300-349) and the stream consumer (350-399).
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information,
        Message = "Topic subscriber {Handler} subscribed to topic {Topic} ({SubscriptionArn})")]
    public static partial void TopicSubscribed(ILogger logger, string handler, string topic, string subscriptionArn);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information,
        Message = "Topic subscriber {Handler} unsubscribed from topic {Topic}; waiting for {InFlight} handler invocation(s) to finish")]
    public static partial void TopicUnsubscribed(ILogger logger, string handler, string topic, int inFlight);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning,
        Message = "Topic subscriber {Handler} of topic {Topic}: the host's shutdown timeout ended with {InFlight} handler invocation(s) running; their tokens were cancelled")]
    public static partial void TopicStopTimedOut(ILogger logger, string handler, string topic, int inFlight);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning,
        Message = "Handler {Handler} failed on message {MessageId} of topic {Topic} (attempt {Attempt}); the subscription's delivery policy retries it, then its dead-letter queue takes it")]
    public static partial void TopicHandlerFailed(ILogger logger, Exception exception, string handler, string messageId, string topic, int attempt);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error,
        Message = "Message {MessageId} of topic {Topic} (attempt {Attempt}) is not a valid {MessageType}; it is failed back to the subscription, whose delivery policy retries it and whose dead-letter queue then takes it")]
    public static partial void TopicDeserializationFailed(ILogger logger, Exception exception, string messageId, string topic, int attempt, string messageType);

    [LoggerMessage(EventId = 350, Level = LogLevel.Information,
        Message = "Stream consumer {Handler} started on stream {Stream} as consumer group {ConsumerGroup} (worker {WorkerId})")]
    public static partial void StreamConsumerStarted(ILogger logger, string handler, string stream, string consumerGroup, string workerId);

    [LoggerMessage(EventId = 351, Level = LogLevel.Information,
        Message = "Stream consumer {Handler} of stream {Stream} is stopping; in-flight batches finish, then the leases are released")]
    public static partial void StreamConsumerStopping(ILogger logger, string handler, string stream);

    [LoggerMessage(EventId = 352, Level = LogLevel.Warning,
        Message = "Stream consumer {Handler} of stream {Stream}: the host's shutdown timeout ended before every shard stopped; running handlers were cancelled")]
    public static partial void StreamStopTimedOut(ILogger logger, string handler, string stream);

    [LoggerMessage(EventId = 353, Level = LogLevel.Debug,
        Message = "Stream consumer of stream {Stream} took shard {ShardId}; it resumes after {Checkpoint}")]
    public static partial void StreamShardStarted(ILogger logger, string stream, string shardId, string checkpoint);

    [LoggerMessage(EventId = 354, Level = LogLevel.Warning,
        Message = "Handler {Handler} failed on {Count} record(s) of shard {ShardId} of stream {Stream}, {FirstSequenceNumber} to {LastSequenceNumber} (attempt {Attempt})")]
    public static partial void StreamBatchFailed(ILogger logger, Exception exception, string handler, int count, string shardId, string stream, string firstSequenceNumber, string lastSequenceNumber, int attempt);

    [LoggerMessage(EventId = 355, Level = LogLevel.Error,
        Message = "Record {SequenceNumber} of shard {ShardId} of stream {Stream} is not a valid {RecordType}; its batch fails")]
    public static partial void StreamDeserializationFailed(ILogger logger, Exception exception, string sequenceNumber, string shardId, string stream, string recordType);

    [LoggerMessage(EventId = 356, Level = LogLevel.Information,
        Message = "Bisecting a failed batch of {Count} record(s) of shard {ShardId} of stream {Stream} into {FirstHalf} and {SecondHalf}")]
    public static partial void StreamBatchBisected(ILogger logger, int count, string shardId, string stream, int firstHalf, int secondHalf);

    [LoggerMessage(EventId = 357, Level = LogLevel.Error,
        Message = "Gave up on {Count} record(s) of shard {ShardId} of stream {Stream}, {FirstSequenceNumber} to {LastSequenceNumber}, after {Invocations} invocation(s) ({Condition}); described in on-failure queue {Queue}, then skipped")]
    public static partial void StreamBatchSentToOnFailureQueue(ILogger logger, int count, string shardId, string stream, string firstSequenceNumber, string lastSequenceNumber, int invocations, string condition, string queue);

    [LoggerMessage(EventId = 358, Level = LogLevel.Error,
        Message = "Gave up on {Count} record(s) of shard {ShardId} of stream {Stream}, {FirstSequenceNumber} to {LastSequenceNumber}, after {Invocations} invocation(s) ({Condition}); no OnFailureQueue is set, so they are skipped")]
    public static partial void StreamBatchDiscarded(ILogger logger, int count, string shardId, string stream, string firstSequenceNumber, string lastSequenceNumber, int invocations, string condition);

    [LoggerMessage(EventId = 359, Level = LogLevel.Error,
        Message = "Could not send the description of a failed batch of shard {ShardId} of stream {Stream} to on-failure queue {Queue}; the shard is read again from its last checkpoint")]
    public static partial void StreamOnFailureSendFailed(ILogger logger, Exception exception, string shardId, string stream, string queue);

    [LoggerMessage(EventId = 360, Level = LogLevel.Information,
        Message = "Stream consumer of stream {Stream} lost the lease of shard {ShardId} to another worker; records after the last checkpoint go to the new owner")]
    public static partial void StreamShardLeaseLost(ILogger logger, string stream, string shardId);

    [LoggerMessage(EventId = 361, Level = LogLevel.Information,
        Message = "Shard {ShardId} of stream {Stream} is closed and fully handled; its child shards start next")]
    public static partial void StreamShardEnded(ILogger logger, string shardId, string stream);

    [LoggerMessage(EventId = 362, Level = LogLevel.Error,
        Message = "A batch of shard {ShardId} of stream {Stream} whose batching window ended could not be completed; it is tried again after {RetryDelay}")]
    public static partial void StreamWindowFlushFailed(ILogger logger, Exception exception, string shardId, string stream, TimeSpan retryDelay);
}
