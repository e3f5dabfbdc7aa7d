using Broker.Hosting;
using Broker.Hosting.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

// The class's summary is on the queue consumers' part (Consumers/BrokerConsumerServiceCollectionExtensions.Queues.cs).
public static partial class BrokerConsumerServiceCollectionExtensions
{
    /// <summary>
    /// Runs <typeparamref name="THandler"/> as an in-process subscriber of a topic, the analogue of a Lambda function
    /// subscribed to an SNS topic. When the host starts, a handler subscription (SNS protocol <c>lambda</c>) is made with
    /// <paramref name="filterPolicy"/> and the <see cref="TopicSubscriberOptions"/>; when it stops, the subscription is
    /// deleted (later publishes do not reach it, scheduled retries are dropped) and the invocations already running finish,
    /// until the host's shutdown timeout cancels their token. One of those that fails is not retried: its subscription is
    /// gone, as after an SNS Unsubscribe.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Each notification gets a new DI scope, <typeparamref name="THandler"/> resolved from it, its body
    /// (<see cref="Broker.Topics.Notification.Message"/>, UTF-8) deserialized into <typeparamref name="TMessage"/> with the host's
    /// serializer, a <see cref="MessageContext"/> (<see cref="MessageContext.Source"/> is the topic name,
    /// <see cref="MessageContext.DeliveryAttempt"/> the subscription's attempt, <see cref="MessageContext.Notification"/> the
    /// raw notification), and a consumer activity that continues the publisher's trace when the message carries a
    /// <c>traceparent</c> attribute.
    /// </para>
    /// <para>
    /// Failures: a handler that throws fails the delivery attempt; the subscription's
    /// <see cref="TopicSubscriberOptions.DeliveryPolicy"/> retries it, and after the last retry the notification goes to
    /// <see cref="TopicSubscriberOptions.DeadLetterQueue"/> (or is dropped without one). A body that is not a valid
    /// <typeparamref name="TMessage"/> is logged, counted (<c>broker.consumer.deserialization_failures</c>) and failed the
    /// same way: SNS, and the broker, treat every failure of a function subscriber as retryable, so such a message is
    /// retried under the delivery policy before it reaches the dead-letter queue; a short delivery policy gets it there sooner.
    /// </para>
    /// <para>
    /// Registers <typeparamref name="THandler"/> as transient (resolved once from each new scope) unless it is registered already. The broker (with the topic and
    /// any dead-letter queue) must be registered with <c>AddBroker</c>; a missing topic or queue, or a filter policy the
    /// broker rejects, fails the host's start with the broker's <see cref="Broker.BrokerException"/>. Call it again to subscribe
    /// more handlers, or the same handler to more topics.
    /// </para>
    /// </remarks>
    /// <typeparam name="TMessage">The type published messages are deserialized into.</typeparam>
    /// <typeparam name="THandler">The handler.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="topicName">The topic's name or ARN.</param>
    /// <param name="filterPolicy">An SNS filter policy (JSON); only messages it matches reach the handler. <see langword="null"/> (the default) receives every message.</param>
    /// <param name="configure">Changes the <see cref="TopicSubscriberOptions"/>; <see langword="null"/> keeps the defaults.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentException"><paramref name="topicName"/> is empty.</exception>
    /// <exception cref="OptionsValidationException">A setting is out of range (every problem is listed).</exception>
    public static IServiceCollection AddTopicSubscriber<TMessage, THandler>(
        this IServiceCollection services, string topicName, string? filterPolicy = null, Action<TopicSubscriberOptions>? configure = null)
        where THandler : class, IMessageHandler<TMessage>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(topicName);
        var options = new TopicSubscriberOptions();
        configure?.Invoke(options);
        var failures = TopicSubscriberDefaults.Validate(topicName, options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(topicName, typeof(TopicSubscriberOptions), failures);
        }

        options = options.Snapshot();
        services.TryAddSingleton(sp => new HostingMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddTransient<THandler>();
        services.AddSingleton<IHostedService>(sp => new TopicSubscriber<TMessage, THandler>(
            sp, topicName, filterPolicy, options, HostedLogger(sp, "Broker.Hosting.TopicSubscriber")));
        return services;
    }

    /// <summary>A logger of the category, or a null logger when the host has no logging.</summary>
    private static ILogger HostedLogger(IServiceProvider services, string category) =>
        services.GetService<ILoggerFactory>()?.CreateLogger(category) ?? NullLogger.Instance;
}
