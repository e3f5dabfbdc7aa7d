using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Hosting.Internal;

/// <summary>A hosted queue consumer that calls an <see cref="IMessageHandler{TMessage}"/> once per message, in a scope of its own.</summary>
internal sealed class MessageQueueConsumer<TMessage, THandler> : QueueConsumer
    where THandler : class, IMessageHandler<TMessage>
{
    public MessageQueueConsumer(IServiceProvider services, string queueName, QueueConsumerOptions options)
        : base(services, queueName, options, typeof(THandler))
    {
    }

    protected override async Task HandleReceivedAsync(IReadOnlyList<ReceivedMessage> messages, VisibilityKeeper? keeper)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (IsStopping)
            {
                await ReleaseAsync(messages, i, keeper).ConfigureAwait(false);
                return;
            }

            if (!await HandleAsync(messages[i], keeper).ConfigureAwait(false) && IsFifo)
            {
                // The group's order: what follows a failed message waits until it is delivered again.
                await ReleaseAsync(messages, i + 1, keeper).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>One message: deserialize, a scope, the handler under its token, then delete or fail. True when handled.</summary>
    private async Task<bool> HandleAsync(ReceivedMessage message, VisibilityKeeper? keeper)
    {
        using var activity = BrokerTracing.StartConsumer(QueueName, message.MessageAttributes);
        if (!TryDeserialize<TMessage>(message, activity, out var body))
        {
            await LeaveAsync(message, keeper).ConfigureAwait(false);
            return false;
        }

        Exception? failure = null;
        bool timedOut;
        var startedAt = StartTiming();
        var scope = ScopeFactory.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            using var invocation = StartInvocation();
            try
            {
                var handler = scope.ServiceProvider.GetRequiredService<THandler>();
                await handler.HandleAsync(body, CreateContext(message, scope.ServiceProvider, keeper), invocation.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                failure = exception;
            }

            RecordDuration(startedAt);
            timedOut = invocation.TimedOut;
        }

        if (failure is null && !timedOut)
        {
            await DeleteAsync(message, keeper).ConfigureAwait(false);
            ReportSuccess(1);
            return true;
        }

        ReportFailure(message, failure, timedOut, activity);
        await FailAsync(message, keeper).ConfigureAwait(false);
        return false;
    }
}
