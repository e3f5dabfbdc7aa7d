using System.Diagnostics;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Hosting.Internal;

/// <summary>
/// A hosted queue consumer that calls an <see cref="IBatchMessageHandler{TMessage}"/> once per receive, in one scope for
/// the batch, and deletes what the handler did not report as failed (Lambda's <c>ReportBatchItemFailures</c>).
/// </summary>
internal sealed class BatchQueueConsumer<TMessage, THandler> : QueueConsumer
    where THandler : class, IBatchMessageHandler<TMessage>
{
    public BatchQueueConsumer(IServiceProvider services, string queueName, QueueConsumerOptions options)
        : base(services, queueName, options, typeof(THandler))
    {
    }

    protected override async Task HandleReceivedAsync(IReadOnlyList<ReceivedMessage> messages, VisibilityKeeper? keeper)
    {
        if (IsStopping)
        {
            await ReleaseAsync(messages, 0, keeper).ConfigureAwait(false);
            return;
        }

        using var activity = StartActivity(messages);
        var scope = ScopeFactory.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var items = new List<BatchItem<TMessage>>(messages.Count);
            var delivered = new List<ReceivedMessage>(messages.Count);
            foreach (var message in messages)
            {
                if (TryDeserialize<TMessage>(message, activity, out var body))
                {
                    items.Add(new BatchItem<TMessage>(body, CreateContext(message, scope.ServiceProvider, keeper)));
                    delivered.Add(message);
                }
                else
                {
                    await LeaveAsync(message, keeper).ConfigureAwait(false);
                }
            }

            if (items.Count == 0)
            {
                return;
            }

            BatchHandlerResult? result = null;
            Exception? failure = null;
            bool timedOut;
            var startedAt = StartTiming();
            using (var invocation = StartInvocation())
            {
                try
                {
                    var handler = scope.ServiceProvider.GetRequiredService<THandler>();
                    result = await handler.HandleAsync(items, invocation.Token).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    failure = exception;
                }

                RecordDuration(startedAt);
                timedOut = invocation.TimedOut;
            }

            await CompleteAsync(delivered, FailedOf(delivered, failure is null && !timedOut ? result : null), failure, timedOut, activity, keeper)
                .ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the messages that did not fail, fails the others, and reports both.</summary>
    private async Task CompleteAsync(
        List<ReceivedMessage> delivered, HashSet<ReceivedMessage>? failed, Exception? failure, bool timedOut, Activity? activity, VisibilityKeeper? keeper)
    {
        var handled = failed is null ? delivered : delivered.FindAll(m => !failed.Contains(m));
        await DeleteAsync(handled, keeper).ConfigureAwait(false);
        if (handled.Count > 0)
        {
            Metrics.MessagesHandled.Add(handled.Count, ConsumerTag);
        }

        if (failed is null)
        {
            State.RecordSuccess();
            return;
        }

        Metrics.HandlerFailures.Add(failed.Count, ConsumerTag);
        State.RecordFailure();
        if (timedOut)
        {
            Log.QueueBatchHandlerTimedOut(Logger, QueueName, Options.HandlerTimeout, delivered.Count);
            activity?.SetStatus(ActivityStatusCode.Error, "The handler timed out.");
        }
        else if (failure is OperationCanceledException && HandlerStopToken.IsCancellationRequested)
        {
            Log.QueueBatchHandlerCancelledByShutdown(Logger, QueueName, delivered.Count);
            activity?.SetStatus(ActivityStatusCode.Error, "The host stopped.");
        }
        else if (failure is not null)
        {
            Log.QueueBatchHandlerFailed(Logger, failure, QueueName, delivered.Count);
            activity?.SetStatus(ActivityStatusCode.Error, failure.Message);
            activity?.AddException(failure);
        }
        else
        {
            Log.QueueBatchItemsFailed(Logger, QueueName, failed.Count, delivered.Count);
            activity?.SetStatus(ActivityStatusCode.Error, $"{failed.Count} of {delivered.Count} messages failed.");
        }

        foreach (var message in delivered)
        {
            if (failed.Contains(message))
            {
                await FailAsync(message, keeper).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The messages that failed: every one when the handler threw or timed out (<paramref name="result"/> null), or when
    /// it named an id that is not in the batch; else the ones it named; null when none did.
    /// </summary>
    private HashSet<ReceivedMessage>? FailedOf(List<ReceivedMessage> delivered, BatchHandlerResult? result)
    {
        if (result is not null && result.FailedMessageIds.Count == 0)
        {
            return null;
        }

        if (result is not null)
        {
            var byId = new Dictionary<string, ReceivedMessage>(delivered.Count, StringComparer.Ordinal);
            foreach (var message in delivered)
            {
                byId[message.MessageId] = message;
            }

            var named = new HashSet<ReceivedMessage>();
            List<string>? unknown = null;
            foreach (var id in result.FailedMessageIds)
            {
                if (id is not null && byId.TryGetValue(id, out var message))
                {
                    named.Add(message);
                }
                else
                {
                    (unknown ??= []).Add(id ?? "null");
                }
            }

            if (unknown is null)
            {
                return named;
            }

            Log.QueueBatchResultUnknownIds(Logger, QueueName, string.Join(", ", unknown));
        }

        return [.. delivered];
    }

    /// <summary>
    /// One consumer activity for the batch: a single message's producer context is its parent; with several messages,
    /// each one's producer context is a link (OpenTelemetry's convention for batch processing).
    /// </summary>
    private Activity? StartActivity(IReadOnlyList<ReceivedMessage> messages)
    {
        if (messages.Count == 1 || !BrokerTracing.Source.HasListeners())
        {
            return BrokerTracing.StartConsumer(QueueName, messages[0].MessageAttributes);
        }

        List<ActivityLink>? links = null;
        foreach (var message in messages)
        {
            if (BrokerTracing.TryExtract(message.MessageAttributes, out var context))
            {
                (links ??= []).Add(new ActivityLink(context));
            }
        }

        var activity = BrokerTracing.Source.StartActivity(ActivityKind.Consumer, default(ActivityContext), links: links, name: $"{QueueName} process");
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "broker");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", QueueName);
            activity.SetTag("messaging.batch.message_count", messages.Count);
        }

        return activity;
    }
}
