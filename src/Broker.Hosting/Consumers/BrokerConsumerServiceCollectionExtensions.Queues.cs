using Broker.Hosting;
using Broker.Hosting.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers hosted consumers: queue consumers (<c>AddQueueConsumer</c>, <c>AddQueueBatchConsumer</c>), topic
/// subscribers and stream consumers. Each call adds one <see cref="IHostedService"/> that starts with the host and stops
/// gracefully with it; handlers are resolved from a new DI scope per message (per batch for batch handlers). The broker
/// itself comes from <c>AddBroker</c>, which must also be called.
/// </summary>
public static partial class BrokerConsumerServiceCollectionExtensions
{
    /// <summary>
    /// Adds a hosted consumer that long-polls <paramref name="queueName"/> and calls <typeparamref name="THandler"/> once per
    /// message, the in-process analogue of a worker fleet (or a Lambda function with an SQS trigger and batch size 1).
    /// A message is deleted when its handler returns; when the handler throws or times out it returns after its
    /// visibility timeout (or <see cref="QueueConsumerOptions.RetryDelay"/>) until the queue's redrive policy moves it to
    /// the dead-letter queue. Workers scale between <see cref="QueueConsumerOptions.MinConcurrency"/> and
    /// <see cref="QueueConsumerOptions.MaxConcurrency"/> with the queue's load (see <see cref="QueueConsumerOptions"/>).
    /// </summary>
    /// <typeparam name="TMessage">The message type the bodies are deserialized into with the host's serializer.</typeparam>
    /// <typeparam name="THandler">The handler; registered as transient unless already registered (resolved once per message scope, so its scoped dependencies are the message's).</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="queueName">The queue to consume; it must exist when the host starts (declare it with <c>AddBroker</c>).</param>
    /// <param name="configure">Sets the consumer's options; null keeps every default.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="queueName"/> is empty.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range; the message names each one.</exception>
    public static IServiceCollection AddQueueConsumer<TMessage, THandler>(
        this IServiceCollection services, string queueName, Action<QueueConsumerOptions>? configure = null)
        where THandler : class, IMessageHandler<TMessage>
    {
        var options = PrepareQueueConsumer<THandler>(services, queueName, configure);
        services.AddSingleton<IHostedService>(sp => new MessageQueueConsumer<TMessage, THandler>(sp, queueName, options));
        return services;
    }

    /// <summary>
    /// Adds a hosted consumer that long-polls <paramref name="queueName"/> and calls <typeparamref name="THandler"/> once per
    /// receive with up to <see cref="QueueConsumerOptions.BatchSize"/> messages, as a Lambda function with an SQS trigger
    /// and <c>ReportBatchItemFailures</c>: the messages the handler does not report in
    /// <see cref="BatchHandlerResult.Failed(IEnumerable{string})"/> are deleted, the others return after their visibility timeout
    /// (or <see cref="QueueConsumerOptions.RetryDelay"/>); a handler that throws or times out fails the whole batch.
    /// Scaling and shutdown are those of <see cref="AddQueueConsumer{TMessage, THandler}"/>.
    /// </summary>
    /// <typeparam name="TMessage">The message type the bodies are deserialized into with the host's serializer.</typeparam>
    /// <typeparam name="THandler">The batch handler; registered as transient unless already registered (resolved once per batch scope, so its scoped dependencies are the batch's).</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="queueName">The queue to consume; it must exist when the host starts (declare it with <c>AddBroker</c>).</param>
    /// <param name="configure">Sets the consumer's options; null keeps every default.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="queueName"/> is empty.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range; the message names each one.</exception>
    public static IServiceCollection AddQueueBatchConsumer<TMessage, THandler>(
        this IServiceCollection services, string queueName, Action<QueueConsumerOptions>? configure = null)
        where THandler : class, IBatchMessageHandler<TMessage>
    {
        var options = PrepareQueueConsumer<THandler>(services, queueName, configure);
        services.AddSingleton<IHostedService>(sp => new BatchQueueConsumer<TMessage, THandler>(sp, queueName, options));
        return services;
    }

    private static QueueConsumerOptions PrepareQueueConsumer<THandler>(
        IServiceCollection services, string queueName, Action<QueueConsumerOptions>? configure)
        where THandler : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        var options = new QueueConsumerOptions();
        configure?.Invoke(options);
        options = options.Copy(); // what configure captured can no longer change the consumer
        QueueConsumerLimits.Validate(queueName, options);
        services.TryAddTransient<THandler>();
        services.TryAddSingleton<ConsumerRegistry>();
        services.TryAddSingleton(sp => new HostingMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        return options;
    }
}
