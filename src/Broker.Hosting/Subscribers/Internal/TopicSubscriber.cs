using System.Diagnostics;
using System.Text;
using Broker.Hosting.Serialization;
using Broker.Topics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Internal;

/// <summary>
/// The hosted service behind <c>AddTopicSubscriber</c>: subscribes a handler to the topic when the host starts and
/// unsubscribes when it stops. Each notification gets a DI scope, a typed message and a consumer activity; a failure is
/// thrown back to the broker so the subscription's delivery policy retries it and its dead-letter queue takes it at last.
/// </summary>
/// <remarks>
/// Stopping: the subscription is deleted first, then <see cref="stopping"/> is set, then <see cref="inFlight"/> is read;
/// an invocation raises <see cref="inFlight"/>, then reads <see cref="stopping"/> (every step a full fence). So either the
/// stop sees the invocation and waits for it, or the invocation sees the stop and refuses to start; it refuses only once
/// the subscription is inactive, when the broker drops an invocation's cancellation silently instead of retrying it.
/// Invocations already running finish, and <see cref="drained"/> completes when the last one leaves. The handlers' token is <see cref="handlerCancellation"/>, cancelled only when the
/// host's shutdown token fires, not the subscription's own token (which the broker cancels at unsubscribe).
/// </remarks>
internal sealed class TopicSubscriber<TMessage, THandler> : IHostedService, IDisposable
    where THandler : class, IMessageHandler<TMessage>
{
    private static readonly string HandlerName = typeof(THandler).Name;

    private readonly IServiceProvider services;
    private readonly string topicName;
    private readonly string? filterPolicy;
    private readonly TopicSubscriberOptions options;
    private readonly ILogger logger;
    private readonly CancellationTokenSource handlerCancellation = new();
    private readonly CancellationToken handlerToken;
    private readonly TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly KeyValuePair<string, object?> consumerTag;
    private BrokerRuntime? runtime;
    private HostingMetrics? metrics;
    private ISubscription? subscription;

    /// <summary>Invocations running now; changed only with Interlocked.</summary>
    private int inFlight;

    /// <summary>1 once the subscription is deleted; written with Interlocked (a full fence before reading <see cref="inFlight"/>).</summary>
    private int stopping;

    /// <summary>1 once <see cref="StopAsync"/> ran (it runs once).</summary>
    private int stopRequested;

    public TopicSubscriber(IServiceProvider services, string topicName, string? filterPolicy, TopicSubscriberOptions options, ILogger logger)
    {
        this.services = services;
        this.topicName = topicName;
        this.filterPolicy = filterPolicy;
        this.options = options;
        this.logger = logger;
        consumerTag = HostingMetrics.Consumer(topicName);
        handlerToken = handlerCancellation.Token;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        runtime = services.GetRequiredService<BrokerRuntime>();
        metrics = services.GetRequiredService<HostingMetrics>();
        var topic = runtime.Broker.GetTopic(topicName);
        subscription = topic.Subscribe(HandleNotificationAsync, new SubscriptionOptions
        {
            FilterPolicy = filterPolicy,
            FilterPolicyScope = options.FilterPolicyScope,
            MaxConcurrency = options.MaxConcurrency,
            DeliveryPolicy = options.DeliveryPolicy,
            RedrivePolicy = options.DeadLetterQueue is { } deadLetterQueue ? new SubscriptionRedrivePolicy(deadLetterQueue) : null,
        });
        Log.TopicSubscribed(logger, HandlerName, topicName, subscription.Arn);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (subscription is null || Interlocked.Exchange(ref stopRequested, 1) == 1)
        {
            return;
        }

        subscription.Unsubscribe();
        Interlocked.Exchange(ref stopping, 1);
        var running = Volatile.Read(ref inFlight);
        if (running == 0)
        {
            drained.TrySetResult();
        }

        Log.TopicUnsubscribed(logger, HandlerName, topicName, running);
        try
        {
            await drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.TopicStopTimedOut(logger, HandlerName, topicName, Volatile.Read(ref inFlight));
            await handlerCancellation.CancelAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        subscription?.Unsubscribe();
        Interlocked.Exchange(ref stopping, 1);
        handlerCancellation.Dispose();
    }

    /// <summary>One delivery attempt of the subscription. Throws to fail it (the broker retries, then dead-letters).</summary>
    private async ValueTask HandleNotificationAsync(Notification notification, CancellationToken subscriptionToken)
    {
        Interlocked.Increment(ref inFlight);
        try
        {
            if (Volatile.Read(ref stopping) == 1)
            {
                // Dequeued by the broker just before the unsubscribe; the subscription is inactive now, so the broker
                // drops this cancellation instead of retrying or dead-lettering the notification.
                throw new OperationCanceledException("The topic subscriber is stopping.", subscriptionToken);
            }

            await InvokeAsync(notification).ConfigureAwait(false);
        }
        finally
        {
            if (Interlocked.Decrement(ref inFlight) == 0 && Volatile.Read(ref stopping) == 1)
            {
                drained.TrySetResult();
            }
        }
    }

    private async ValueTask InvokeAsync(Notification notification)
    {
        var metrics = this.metrics!;
        using var activity = BrokerTracing.StartConsumer(topicName, notification.MessageAttributes);
        activity?.SetTag("messaging.message.id", notification.MessageId);

        TMessage message;
        try
        {
            message = runtime!.Serializer.Deserialize<TMessage>(Encoding.UTF8.GetBytes(notification.Message));
        }
        catch (MessageDeserializationException error)
        {
            // Handler subscriptions have no non-retryable failure in SNS (or the broker): the delivery policy retries the
            // notification, then the dead-letter queue takes it. Throwing is what sends it there.
            if (metrics.DeserializationFailures.Enabled)
            {
                metrics.DeserializationFailures.Add(1, consumerTag);
            }

            Log.TopicDeserializationFailed(logger, error, notification.MessageId, topicName, notification.DeliveryAttempt, typeof(TMessage).Name);
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            throw;
        }

        var time = runtime.TimeProvider;
        var started = time.GetTimestamp();
        metrics.Concurrency.Add(1, consumerTag);
        try
        {
            var scope = services.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var context = new MessageContext(
                    notification.MessageId, topicName, notification.DeliveryAttempt, notification.MessageAttributes, scope.ServiceProvider)
                {
                    Notification = notification,
                };
                var handler = scope.ServiceProvider.GetRequiredService<THandler>();
                await handler.HandleAsync(message, context, handlerToken).ConfigureAwait(false);
            }

            if (metrics.MessagesHandled.Enabled)
            {
                metrics.MessagesHandled.Add(1, consumerTag);
            }
        }
        catch (Exception error)
        {
            if (metrics.HandlerFailures.Enabled)
            {
                metrics.HandlerFailures.Add(1, consumerTag);
            }

            Log.TopicHandlerFailed(logger, error, HandlerName, notification.MessageId, topicName, notification.DeliveryAttempt);
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            throw;
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
}
