using System.Diagnostics;
using Broker.Hosting.Serialization;
using Broker.Queues;

namespace Broker.Hosting.Internal;

/// <summary>What every handler invocation shares: deserializing, the context, the handler's token, and the outcome.</summary>
internal abstract partial class QueueConsumer
{
    /// <summary>The invocation every handler shares when there is no handler timeout (see <see cref="StartInvocation"/>).</summary>
    private HandlerInvocation? untimedInvocation;

    /// <summary>Deserializes a body; on failure reports it (log, metric, health, trace) and returns false.</summary>
    protected bool TryDeserialize<TMessage>(ReceivedMessage message, Activity? activity, out TMessage value)
    {
        try
        {
            value = Serializer.Deserialize<TMessage>(message.Body);
            return true;
        }
        catch (MessageDeserializationException exception)
        {
            Log.QueueMessageNotDeserialized(Logger, exception, QueueName, message.MessageId, message.ApproximateReceiveCount, typeof(TMessage).Name);
            Metrics.DeserializationFailures.Add(1, ConsumerTag);
            State.RecordFailure();
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            value = default!;
            return false;
        }
    }

    /// <summary>The context of one message; <paramref name="services"/> is its scope (the batch's for a batch handler).</summary>
    protected MessageContext CreateContext(ReceivedMessage message, IServiceProvider services, VisibilityKeeper? keeper) =>
        new(message, QueueName, services, keeper ?? (IVisibilityExtender)this);

    /// <summary>A handler's extension when no keeper holds its message: straight to the queue.</summary>
    ValueTask IVisibilityExtender.ExtendAsync(ReceivedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken) =>
        Queue.ChangeVisibilityAsync(message, visibilityTimeout, cancellationToken);

    /// <summary>The token of one handler invocation: the host's shutdown, and the handler timeout when there is one.</summary>
    /// <remarks>Without a handler timeout the invocation owns nothing and is the same object for every message.</remarks>
    protected HandlerInvocation StartInvocation()
    {
        if (Options.HandlerTimeout != Timeout.InfiniteTimeSpan)
        {
            return new HandlerInvocation(Options.HandlerTimeout, Time, HandlerStopToken);
        }

        var shared = untimedInvocation;
        if (shared is null || shared.Token != HandlerStopToken)
        {
            shared = new HandlerInvocation(Timeout.InfiniteTimeSpan, Time, HandlerStopToken);
            untimedInvocation = shared;
        }

        return shared;
    }

    /// <summary>The start of a handler's run on the broker's clock, or -1 when nobody listens to the duration histogram.</summary>
    protected long StartTiming() => Metrics.HandlerDuration.Enabled ? Time.GetTimestamp() : -1;

    /// <summary>Records how long a handler ran, on the broker's clock (when <see cref="StartTiming"/> read it).</summary>
    protected void RecordDuration(long startedAt)
    {
        if (startedAt >= 0)
        {
            Metrics.HandlerDuration.Record(Time.GetElapsedTime(startedAt).TotalSeconds, ConsumerTag);
        }
    }

    /// <summary>Reports failed handler deliveries: metric, health, log, trace.</summary>
    protected void ReportFailure(ReceivedMessage message, Exception? exception, bool timedOut, Activity? activity, int count = 1)
    {
        Metrics.HandlerFailures.Add(count, ConsumerTag);
        State.RecordFailure();
        if (timedOut)
        {
            Log.QueueHandlerTimedOut(Logger, QueueName, Options.HandlerTimeout, message.MessageId, message.ApproximateReceiveCount);
            activity?.SetStatus(ActivityStatusCode.Error, "The handler timed out.");
        }
        else if (exception is OperationCanceledException && HandlerStopToken.IsCancellationRequested)
        {
            Log.QueueHandlerCancelledByShutdown(Logger, QueueName, message.MessageId);
            activity?.SetStatus(ActivityStatusCode.Error, "The host stopped.");
        }
        else if (exception is not null)
        {
            Log.QueueHandlerFailed(Logger, exception, QueueName, message.MessageId, message.ApproximateReceiveCount);
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity?.AddException(exception);
        }
    }

    /// <summary>Reports handled messages: metric, health.</summary>
    protected void ReportSuccess(int count)
    {
        Metrics.MessagesHandled.Add(count, ConsumerTag);
        State.RecordSuccess();
    }

    /// <summary>A handled message: deleted.</summary>
    protected async ValueTask DeleteAsync(ReceivedMessage message, VisibilityKeeper? keeper)
    {
        if (keeper is not null)
        {
            await keeper.ForgetAsync(message).ConfigureAwait(false);
        }

        try
        {
            await Queue.DeleteAsync(message).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is BrokerException or ObjectDisposedException)
        {
            Log.QueueDeleteFailed(Logger, exception, QueueName, message.MessageId);
        }
    }

    /// <summary>Handled messages of a batch: deleted together.</summary>
    protected async ValueTask DeleteAsync(IReadOnlyList<ReceivedMessage> messages, VisibilityKeeper? keeper)
    {
        if (messages.Count == 0)
        {
            return;
        }

        if (keeper is not null)
        {
            await keeper.ForgetAsync(messages).ConfigureAwait(false);
        }

        var entries = new DeleteMessageBatchEntry[messages.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new DeleteMessageBatchEntry(BatchEntryIds.Ids[i], messages[i]);
        }

        try
        {
            var result = await Queue.DeleteBatchAsync(entries).ConfigureAwait(false);
            foreach (var failure in result.Failed)
            {
                var message = messages[BatchEntryIds.IndexOf(failure.Id)];
                Log.QueueDeleteFailed(Logger, new BrokerException(failure.Code, failure.Message), QueueName, message.MessageId);
            }
        }
        catch (Exception exception) when (exception is BrokerException or ObjectDisposedException)
        {
            Log.QueueDeleteFailed(Logger, exception, QueueName, messages[0].MessageId);
        }
    }

    /// <summary>
    /// A failed message: left in flight, so it returns when its visibility timeout ends, or sooner with
    /// <see cref="QueueConsumerOptions.RetryDelay"/>. Each return counts toward the queue's MaxReceiveCount.
    /// </summary>
    protected async ValueTask FailAsync(ReceivedMessage message, VisibilityKeeper? keeper)
    {
        await LeaveAsync(message, keeper).ConfigureAwait(false);
        if (Options.RetryDelay is not { } retryDelay)
        {
            return;
        }

        try
        {
            var delay = QueueConsumerLimits.ToVisibilityTimeout(retryDelay(message.ApproximateReceiveCount));
            await Queue.ChangeVisibilityAsync(message, delay).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The user's delay function threw, the message is gone, or the delay passes 12 hours from the receive.
            Log.QueueRetryDelayFailed(Logger, exception, QueueName, message.MessageId);
        }
    }

    /// <summary>A message left as it is (a body that did not deserialize): the keeper lets it go, nothing else changes.</summary>
    protected static ValueTask LeaveAsync(ReceivedMessage message, VisibilityKeeper? keeper) =>
        keeper is null ? default : keeper.ForgetAsync(message);

    /// <summary>Messages received but not started (the consumer stops, or a FIFO batch broke off): visible again at once.</summary>
    protected async ValueTask ReleaseAsync(IReadOnlyList<ReceivedMessage> messages, int from, VisibilityKeeper? keeper)
    {
        var count = messages.Count - from;
        if (count <= 0)
        {
            return;
        }

        var released = new ReceivedMessage[count];
        var entries = new ChangeVisibilityBatchEntry[count];
        for (var i = 0; i < count; i++)
        {
            released[i] = messages[from + i];
            entries[i] = new ChangeVisibilityBatchEntry(BatchEntryIds.Ids[i], released[i], TimeSpan.Zero);
        }

        if (keeper is not null)
        {
            await keeper.ForgetAsync(released).ConfigureAwait(false);
        }

        try
        {
            var result = await Queue.ChangeVisibilityBatchAsync(entries).ConfigureAwait(false);
            Log.QueueMessagesReleased(Logger, QueueName, result.Successful.Count);
        }
        catch (Exception exception) when (exception is BrokerException or ObjectDisposedException)
        {
            Log.QueueReleaseFailed(Logger, exception, QueueName, count);
        }
    }

    /// <summary>
    /// The cancellation of one handler invocation: the consumer's shutdown token, linked with a timeout on the broker's
    /// clock when <see cref="QueueConsumerOptions.HandlerTimeout"/> is set.
    /// </summary>
    protected sealed class HandlerInvocation : IDisposable
    {
        private readonly CancellationTokenSource? timeout;
        private readonly CancellationTokenSource? linked;

        public HandlerInvocation(TimeSpan handlerTimeout, TimeProvider time, CancellationToken stopToken)
        {
            if (handlerTimeout == Timeout.InfiniteTimeSpan)
            {
                Token = stopToken;
                return;
            }

            timeout = new CancellationTokenSource(handlerTimeout, time);
            linked = CancellationTokenSource.CreateLinkedTokenSource(stopToken, timeout.Token);
            Token = linked.Token;
        }

        public CancellationToken Token { get; }

        /// <summary>Whether the handler timeout elapsed (read it once the handler returned).</summary>
        public bool TimedOut => timeout?.IsCancellationRequested == true;

        public void Dispose()
        {
            linked?.Dispose();
            timeout?.Dispose();
        }
    }
}
