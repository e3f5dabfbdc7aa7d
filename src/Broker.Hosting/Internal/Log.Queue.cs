using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Internal;

/// <summary>Source-generated log messages of the hosted queue consumers (event ids 200 to 299).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information,
        Message = "Queue consumer {Handler} started on queue '{Queue}' with {MinConcurrency} to {MaxConcurrency} workers.")]
    public static partial void QueueConsumerStarted(ILogger logger, string queue, string handler, int minConcurrency, int maxConcurrency);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information,
        Message = "Queue consumer on '{Queue}' is stopping: receives are cancelled and {Workers} workers finish the messages they started.")]
    public static partial void QueueConsumerStopping(ILogger logger, string queue, int workers);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Queue consumer on '{Queue}' stopped.")]
    public static partial void QueueConsumerStopped(ILogger logger, string queue);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning,
        Message = "The shutdown timeout ended before the handlers of queue '{Queue}' finished: their cancellation tokens are cancelled, and their messages return after their visibility timeout.")]
    public static partial void QueueHandlersCancelled(ILogger logger, string queue);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning,
        Message = "Handler for queue '{Queue}' failed on message {MessageId} (delivery {DeliveryAttempt}); the message stays in the queue.")]
    public static partial void QueueHandlerFailed(ILogger logger, Exception exception, string queue, string messageId, int deliveryAttempt);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning,
        Message = "Handler for queue '{Queue}' ran past its timeout of {HandlerTimeout} on message {MessageId} (delivery {DeliveryAttempt}); its token was cancelled and the delivery counts as failed.")]
    public static partial void QueueHandlerTimedOut(ILogger logger, string queue, TimeSpan handlerTimeout, string messageId, int deliveryAttempt);

    [LoggerMessage(EventId = 206, Level = LogLevel.Information,
        Message = "Handler for queue '{Queue}' was cancelled by the host's shutdown on message {MessageId}; the message returns after its visibility timeout.")]
    public static partial void QueueHandlerCancelledByShutdown(ILogger logger, string queue, string messageId);

    [LoggerMessage(EventId = 207, Level = LogLevel.Error,
        Message = "Message {MessageId} from queue '{Queue}' (delivery {DeliveryAttempt}) could not be deserialized into {MessageType}; it is left to the queue's redrive policy.")]
    public static partial void QueueMessageNotDeserialized(ILogger logger, Exception exception, string queue, string messageId, int deliveryAttempt, string messageType);

    [LoggerMessage(EventId = 208, Level = LogLevel.Warning,
        Message = "Batch handler for queue '{Queue}' failed {Failed} of {Count} messages.")]
    public static partial void QueueBatchItemsFailed(ILogger logger, string queue, int failed, int count);

    [LoggerMessage(EventId = 209, Level = LogLevel.Warning,
        Message = "Batch handler for queue '{Queue}' failed on {Count} messages; none is deleted.")]
    public static partial void QueueBatchHandlerFailed(ILogger logger, Exception exception, string queue, int count);

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning,
        Message = "Batch handler for queue '{Queue}' reported failed message ids that are not in its batch ({UnknownIds}); the whole batch counts as failed.")]
    public static partial void QueueBatchResultUnknownIds(ILogger logger, string queue, string unknownIds);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error,
        Message = "Receive from queue '{Queue}' failed; the consumer tries again in {RetryIn}.")]
    public static partial void QueueReceiveFailed(ILogger logger, Exception exception, string queue, TimeSpan retryIn);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning,
        Message = "Deleting handled message {MessageId} from queue '{Queue}' failed; it will be delivered again.")]
    public static partial void QueueDeleteFailed(ILogger logger, Exception exception, string queue, string messageId);

    [LoggerMessage(EventId = 213, Level = LogLevel.Warning,
        Message = "Extending the visibility of message {MessageId} of queue '{Queue}' failed ({Reason}); it may be delivered again while its handler runs.")]
    public static partial void QueueVisibilityNotExtended(ILogger logger, string queue, string messageId, string reason);

    [LoggerMessage(EventId = 214, Level = LogLevel.Warning,
        Message = "Setting the retry delay of failed message {MessageId} of queue '{Queue}' failed; it returns after its visibility timeout.")]
    public static partial void QueueRetryDelayFailed(ILogger logger, Exception exception, string queue, string messageId);

    [LoggerMessage(EventId = 215, Level = LogLevel.Information,
        Message = "Released {Count} messages of queue '{Queue}' that were received but not started; they are visible again.")]
    public static partial void QueueMessagesReleased(ILogger logger, string queue, int count);

    [LoggerMessage(EventId = 216, Level = LogLevel.Warning,
        Message = "Releasing {Count} received messages of queue '{Queue}' failed; they return after their visibility timeout.")]
    public static partial void QueueReleaseFailed(ILogger logger, Exception exception, string queue, int count);

    [LoggerMessage(EventId = 217, Level = LogLevel.Debug,
        Message = "Queue consumer on '{Queue}' started {Added} workers ({Workers} running, {VisibleMessages} messages visible).")]
    public static partial void QueueConsumerScaledUp(ILogger logger, string queue, int added, int workers, long visibleMessages);

    [LoggerMessage(EventId = 218, Level = LogLevel.Debug,
        Message = "A worker of the queue consumer on '{Queue}' stopped after an empty receive ({Workers} running).")]
    public static partial void QueueConsumerScaledDown(ILogger logger, string queue, int workers);

    [LoggerMessage(EventId = 219, Level = LogLevel.Error,
        Message = "A worker of the queue consumer on '{Queue}' failed unexpectedly; the messages it held return after their visibility timeout.")]
    public static partial void QueueWorkerFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning,
        Message = "Reading the load of queue '{Queue}' for scaling failed.")]
    public static partial void QueueLoadNotRead(ILogger logger, Exception exception, string queue);

    [LoggerMessage(EventId = 221, Level = LogLevel.Warning,
        Message = "Batch handler for queue '{Queue}' ran past its timeout of {HandlerTimeout} on {Count} messages; its token was cancelled and none is deleted.")]
    public static partial void QueueBatchHandlerTimedOut(ILogger logger, string queue, TimeSpan handlerTimeout, int count);

    [LoggerMessage(EventId = 222, Level = LogLevel.Information,
        Message = "Batch handler for queue '{Queue}' was cancelled by the host's shutdown on {Count} messages; they return after their visibility timeout.")]
    public static partial void QueueBatchHandlerCancelledByShutdown(ILogger logger, string queue, int count);
}
