using Broker.Hosting;
using Broker.Hosting.Internal;
using Broker.Streams.Processing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

// The class's summary is on the queue consumers' part (Consumers/BrokerConsumerServiceCollectionExtensions.Queues.cs).
public static partial class BrokerConsumerServiceCollectionExtensions
{
    /// <summary>
    /// Runs <typeparamref name="THandler"/> over a data stream as a member of a consumer group, the analogue of a Lambda
    /// function behind a Kinesis event source mapping, on the broker's KCL-style <see cref="StreamProcessor"/>: the
    /// consumers of one group (in this host or others sharing the lease store) split the stream's shards through leases,
    /// each shard's records reach the handler in order, one batch at a time, and each handled batch is checkpointed, so a
    /// restarted group resumes after it. Delivery is at least once: records after the last checkpoint are handed over again
    /// after a restart or a change of owner.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Batches: up to <see cref="StreamConsumerOptions.BatchSize"/> records of one shard, gathered for at most
    /// <see cref="StreamConsumerOptions.MaximumBatchingWindow"/> on the broker's clock. Each batch gets a new DI scope with
    /// <typeparamref name="THandler"/> resolved from it, every record's data deserialized into <typeparamref name="TRecord"/>
    /// with the host's serializer, and a consumer activity of its own (records carry no trace context). Shards are polled
    /// once per second when caught up, as Lambda does.
    /// </para>
    /// <para>
    /// Failures: a handler that throws, or a record that cannot be deserialized (logged and counted in
    /// <c>broker.consumer.deserialization_failures</c>), fails the whole batch. With
    /// <see cref="StreamConsumerOptions.BisectBatchOnHandlerError"/> the batch is split in halves, each handled on its own,
    /// which isolates a bad record; a batch that cannot be split is retried after
    /// <see cref="StreamConsumerOptions.RetryDelay"/> up to <see cref="StreamConsumerOptions.MaximumRetryAttempts"/> times
    /// (by default until its records expire). Then a JSON description of it goes to
    /// <see cref="StreamConsumerOptions.OnFailureQueue"/>, its last record is checkpointed and the shard moves on.
    /// </para>
    /// <para>
    /// Stopping: no new batch or retry starts; a batch in flight finishes and is checkpointed, and the leases are released
    /// for the group's other consumers. When the host's shutdown timeout ends first, the handler's token is cancelled.
    /// </para>
    /// <para>
    /// Leases live in the <see cref="ILeaseStore"/> registered in DI; unless one is registered, the broker's own
    /// <see cref="Broker.MessageBroker.LeaseStore"/> is, which lets a group resume where it checkpointed after a host restart
    /// within the process, and, with a durable broker (<see cref="Broker.BrokerOptions.Storage"/>), after the process restarts. Registers <typeparamref name="THandler"/> as transient (resolved once from each new scope) unless it is registered already. The broker (with the
    /// stream and any on-failure queue) must be registered with <c>AddBroker</c>; a missing stream or queue fails the host's
    /// start with the broker's <see cref="Broker.BrokerException"/>.
    /// </para>
    /// </remarks>
    /// <typeparam name="TRecord">The type each record's data is deserialized into.</typeparam>
    /// <typeparam name="THandler">The handler.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="streamName">The stream's name or ARN.</param>
    /// <param name="consumerGroup">
    /// The consumer group (the processor's application name): consumers with the same group and lease store share shards and
    /// checkpoints; another group reads the stream on its own.
    /// </param>
    /// <param name="configure">Changes the <see cref="StreamConsumerOptions"/>; <see langword="null"/> keeps the defaults.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentException"><paramref name="streamName"/> or <paramref name="consumerGroup"/> is empty.</exception>
    /// <exception cref="OptionsValidationException">A setting is out of range (every problem is listed).</exception>
    public static IServiceCollection AddStreamConsumer<TRecord, THandler>(
        this IServiceCollection services, string streamName, string consumerGroup, Action<StreamConsumerOptions>? configure = null)
        where THandler : class, IStreamRecordHandler<TRecord>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(streamName);
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerGroup);
        var options = new StreamConsumerOptions();
        configure?.Invoke(options);
        var failures = StreamConsumerDefaults.Validate(streamName, consumerGroup, options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException($"{streamName}:{consumerGroup}", typeof(StreamConsumerOptions), failures);
        }

        options = options.Snapshot();
        services.TryAddSingleton(sp => new HostingMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(static sp => sp.GetRequiredService<BrokerRuntime>().Broker.LeaseStore);
        services.TryAddTransient<THandler>();
        services.AddSingleton<IHostedService>(sp => new StreamConsumer<TRecord, THandler>(
            sp, streamName, consumerGroup, options, HostedLogger(sp, "Broker.Hosting.StreamConsumer")));
        return services;
    }
}
