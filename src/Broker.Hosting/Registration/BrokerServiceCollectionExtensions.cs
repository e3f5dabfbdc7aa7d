using Broker;
using Broker.Hosting;
using Broker.Hosting.Configuration;
using Broker.Hosting.Internal;
using Broker.Hosting.Serialization;
using Broker.Queues;
using Broker.Streams;
using Broker.Topics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an in-process <see cref="MessageBroker"/>, its declared resources and typed producers in a service collection.</summary>
public static class BrokerServiceCollectionExtensions
{
    /// <summary>
    /// Registers a broker and declares its queues, topics and streams in code. Calling it again (or
    /// <see cref="AddBroker(IServiceCollection, IConfiguration, Action{BrokerBuilder}?)"/>) configures the same broker.
    /// </summary>
    /// <remarks>
    /// <para>Registers:</para>
    /// <list type="bullet">
    /// <item><see cref="MessageBroker"/>, a singleton created with the declared <see cref="BrokerOptions"/> and DI's
    /// <see cref="TimeProvider"/> when one is registered (else <see cref="TimeProvider.System"/>), and disposed with the
    /// container; or the instance given to <see cref="BrokerBuilder.UseBroker"/>, which the container never disposes.</item>
    /// <item><see cref="IMessageSerializer"/>, a singleton (<see cref="SystemTextJsonMessageSerializer"/> unless one is
    /// registered or chosen with <see cref="BrokerBuilder.UseSerializer"/>).</item>
    /// <item>Keyed transient services whose key is a resource name, for any name (<see cref="KeyedService.AnyKey"/>), so a
    /// resource created at run time resolves too, and a deleted and re-created one resolves to the new one:
    /// <see cref="IMessageQueue"/>, <see cref="ITopic"/>, <see cref="IDataStream"/>, <see cref="IQueue{T}"/>,
    /// <see cref="ITopic{T}"/> and <see cref="IStreamProducer{T}"/>, for example <c>[FromKeyedServices("orders")] IQueue&lt;Order&gt; orders</c>.
    /// Resolving a missing resource throws the broker's <see cref="BrokerException"/> (<c>QueueDoesNotExist</c>,
    /// <c>NotFound</c>, <c>ResourceNotFoundException</c>).</item>
    /// <item>A hosted service, placed before every other hosted service, that applies the declarations when the host
    /// starts: a bad declaration fails the start with one <see cref="Options.OptionsValidationException"/> listing every
    /// problem, each prefixed with its configuration path or builder call. Without a host, resolving any resource
    /// applies them first.</item>
    /// </list>
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Declares options, serializer and resources; <see langword="null"/> for none.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddBroker(this IServiceCollection services, Action<BrokerBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = GetOrAddBuilder(services);
        configure?.Invoke(builder);
        return services;
    }

    /// <summary>
    /// Registers a broker whose options and resources are read from a configuration section (usually
    /// <c>configuration.GetSection("Broker")</c>), then lets code add to them. Registers what
    /// <see cref="AddBroker(IServiceCollection, Action{BrokerBuilder}?)"/> registers.
    /// </summary>
    /// <remarks>
    /// <para>The section is read once, now, without the configuration binder. Its shape (keys are case-insensitive):</para>
    /// <code>
    /// { "Region": "eu-west-1", "AccountId": "123456789012", "QueueDeletionCooldown": "00:01:00", "PurgeCooldown": "00:01:00",
    ///   "Queues":  { "orders-dlq": {},
    ///                "orders": { "VisibilityTimeout": "00:02:00", "DelaySeconds": 5, "FifoQueue": false,
    ///                            "RedrivePolicy": { "DeadLetterTarget": "orders-dlq", "MaxReceiveCount": 5 } } },
    ///   "Topics":  { "video-uploaded": { "FifoTopic": false,
    ///                "Subscriptions": [ { "Queue": "orders", "FilterPolicy": "{\"resolution\":[\"720p\"]}", "RawMessageDelivery": true } ] } },
    ///   "Streams": { "clicks": { "ShardCount": 4, "RetentionPeriod": "1.00:00:00" } } }
    /// </code>
    /// <list type="bullet">
    /// <item>A queue takes the <see cref="QueueOptions"/> property names; a duration is a <see cref="TimeSpan"/> in the
    /// constant format (<c>[d.]hh:mm:ss</c>) or whole seconds, and SQS's attribute names <c>DelaySeconds</c> and
    /// <c>ReceiveMessageWaitTimeSeconds</c> are accepted too. <c>RedrivePolicy</c> is a section with
    /// <c>DeadLetterTarget</c> (or SQS's <c>deadLetterTargetArn</c>) and <c>MaxReceiveCount</c> (default 10);
    /// <c>RedriveAllowPolicy</c> a section with <c>RedrivePermission</c> and <c>SourceQueueArns</c>.</item>
    /// <item>A topic takes the <see cref="TopicOptions"/> property names and <c>Subscriptions</c>, a list whose entries are a
    /// queue name, or a section with <c>Queue</c> and the <see cref="SubscriptionOptions"/> property names:
    /// <c>FilterPolicy</c> (a JSON string, or a nested section), <c>FilterPolicyScope</c>, <c>RawMessageDelivery</c>,
    /// <c>RedrivePolicy</c> (<c>DeadLetterTarget</c>) and <c>DeliveryPolicy</c> (the <see cref="DeliveryPolicy"/> property names).</item>
    /// <item>A stream takes the <see cref="StreamOptions"/> property names; <c>RetentionPeriod</c> is a TimeSpan, or give
    /// Kinesis's <c>RetentionPeriodHours</c>.</item>
    /// <item><c>Storage</c> makes the broker durable (<see cref="BrokerOptions.Storage"/>): a section with <c>Directory</c>
    /// (required), <c>Policy</c> (<c>Always</c>, <c>Batched</c> or <c>None</c>), <c>FlushInterval</c> (a TimeSpan),
    /// <c>SegmentSize</c> and <c>CompactAfterBytes</c> (bytes). A queue's or stream's <c>Durable</c>: <c>false</c> keeps it
    /// out of the journal.</item>
    /// <item>Enumerations are written by name. An unknown key, a value of the wrong kind, or two keys that set the same
    /// thing are problems reported at start-up with the others, each naming its path and the valid keys or format.</item>
    /// </list>
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The broker's configuration section; a missing section declares nothing.</param>
    /// <param name="configure">Declares more in code, after the configuration; <see langword="null"/> for nothing more.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddBroker(this IServiceCollection services, IConfiguration configuration, Action<BrokerBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = GetOrAddBuilder(services);
        BrokerConfigurationReader.Read(configuration, GetDeclarations(services)!);
        configure?.Invoke(builder);
        return services;
    }

    private static BrokerDeclarations? GetDeclarations(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(BrokerDeclarations) && !descriptor.IsKeyedService)
            {
                return (BrokerDeclarations?)descriptor.ImplementationInstance;
            }
        }

        return null;
    }

    private static BrokerBuilder GetOrAddBuilder(IServiceCollection services)
    {
        if (GetDeclarations(services) is { Builder: { } existing })
        {
            return existing;
        }

        var declarations = new BrokerDeclarations();
        var builder = new BrokerBuilder(services, declarations);
        declarations.Builder = builder;
        services.AddSingleton(declarations);
        services.TryAddSingleton(sp => BrokerRuntimeFactory.CreateBroker(sp, declarations));
        services.TryAddSingleton<IMessageSerializer>(static _ => new SystemTextJsonMessageSerializer());
        services.TryAddSingleton(sp => BrokerRuntimeFactory.CreateRuntime(sp, declarations));
        AddStartupFirst(services);

        services.TryAddKeyedTransient<IMessageQueue>(KeyedService.AnyKey, static (sp, key) =>
            sp.GetRequiredService<BrokerRuntime>().Broker.GetQueue(ServiceKeys.Name(key, "queue")));
        services.TryAddKeyedTransient<ITopic>(KeyedService.AnyKey, static (sp, key) =>
            sp.GetRequiredService<BrokerRuntime>().Broker.GetTopic(ServiceKeys.Name(key, "topic")));
        services.TryAddKeyedTransient<IDataStream>(KeyedService.AnyKey, static (sp, key) =>
            sp.GetRequiredService<BrokerRuntime>().Broker.GetStream(ServiceKeys.Name(key, "stream")));
        services.TryAdd(ServiceDescriptor.KeyedTransient(typeof(IQueue<>), KeyedService.AnyKey, typeof(TypedQueue<>)));
        services.TryAdd(ServiceDescriptor.KeyedTransient(typeof(ITopic<>), KeyedService.AnyKey, typeof(TypedTopic<>)));
        services.TryAdd(ServiceDescriptor.KeyedTransient(typeof(IStreamProducer<>), KeyedService.AnyKey, typeof(TypedStreamProducer<>)));
        return builder;
    }

    /// <summary>Registers <see cref="BrokerStartup"/> before every hosted service already registered, so it starts first.</summary>
    private static void AddStartupFirst(IServiceCollection services)
    {
        var startup = ServiceDescriptor.Singleton<IHostedService, BrokerStartup>();
        for (var i = 0; i < services.Count; i++)
        {
            if (services[i].ServiceType == typeof(IHostedService))
            {
                services.Insert(i, startup);
                return;
            }
        }

        services.Add(startup);
    }
}
