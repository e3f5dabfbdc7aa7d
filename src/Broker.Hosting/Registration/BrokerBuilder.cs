using System.Text.Json;
using System.Text.Json.Serialization;
using Broker.Hosting.Internal;
using Broker.Hosting.Serialization;
using Broker.Queues;
using Broker.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Broker.Hosting;

/// <summary>
/// Declares the broker of a host: its options (or an existing broker), the message serializer, and the queues, topics
/// and streams that must exist before anything uses them. Given to the callback of
/// <see cref="BrokerServiceCollectionExtensions.AddBroker(IServiceCollection, Action{BrokerBuilder}?)"/>; every
/// <c>AddBroker</c> call on one service collection configures the same builder.
/// </summary>
/// <remarks>
/// <para>
/// Declarations are applied when the host starts (or when <see cref="MessageBroker"/>'s runtime is first resolved), in
/// dependency order: queues, dead-letter queues before the queues that name them; then topics and their subscriptions;
/// then streams. Applying is idempotent: a queue or topic that already exists with equal settings is kept, a stream that
/// already exists is kept as it is (it may have been resharded). Every problem (an invalid setting, a missing dead-letter
/// queue, a broker error) is collected and reported together as one
/// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>, which fails the host's start.
/// </para>
/// <para>
/// Declaring a name again updates its declaration: the overloads that take a <see cref="Func{T, TResult}"/> start from
/// the options declared so far (for example by configuration), the overloads that take options replace them.
/// </para>
/// </remarks>
public sealed class BrokerBuilder
{
    private readonly BrokerDeclarations declarations;

    internal BrokerBuilder(IServiceCollection services, BrokerDeclarations declarations)
    {
        Services = services;
        this.declarations = declarations;
    }

    /// <summary>The service collection the broker is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Sets the options the broker is created with (Region, account id, cool-downs, durable
    /// <see cref="BrokerOptions.Storage"/>), replacing the ones declared so far. Default: <see cref="BrokerOptions"/>'s
    /// defaults, with configuration's <c>Region</c>, <c>AccountId</c>, <c>QueueDeletionCooldown</c>,
    /// <c>PurgeCooldown</c> and <c>Storage</c> when given. A storage setting the broker refuses is reported at start-up
    /// with the other problems.
    /// </summary>
    /// <param name="options">The options.</param>
    /// <returns>This builder.</returns>
    public BrokerBuilder WithOptions(BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Storage != declarations.Options.Storage)
        {
            declarations.StorageSource = "WithOptions";
        }

        declarations.Options = options;
        declarations.OptionsDeclared = true;
        return this;
    }

    /// <summary>
    /// Changes the options the broker is created with, starting from the ones declared so far, for example
    /// <c>o =&gt; o with { QueueDeletionCooldown = TimeSpan.Zero }</c>.
    /// </summary>
    /// <param name="configure">Returns the new options.</param>
    /// <returns>This builder.</returns>
    public BrokerBuilder WithOptions(Func<BrokerOptions, BrokerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return WithOptions(configure(declarations.Options));
    }

    /// <summary>
    /// Uses a broker created and owned by the caller instead of creating one. The container never disposes it, so its
    /// messages outlive the host: a host stopped and a new host built in the same process, both given this broker, see
    /// the same queues, topics and streams. Declarations are applied to it like to a new broker (an existing queue or
    /// topic with equal settings is kept; one with other settings is reported). Options declared with
    /// <see cref="WithOptions(BrokerOptions)"/> or configuration must then equal the broker's own, or start-up reports it.
    /// </summary>
    /// <param name="broker">The broker; its <see cref="MessageBroker.TimeProvider"/> is the clock of everything hosted.</param>
    /// <returns>This builder.</returns>
    public BrokerBuilder UseBroker(MessageBroker broker)
    {
        ArgumentNullException.ThrowIfNull(broker);
        Services.RemoveAll<MessageBroker>();

        // An instance registration: the container disposes only what it created.
        Services.AddSingleton(broker);
        return this;
    }

    /// <summary>
    /// Uses <paramref name="serializer"/> for every typed queue, topic, stream and handler of the host, replacing the
    /// default (<see cref="SystemTextJsonMessageSerializer"/> with System.Text.Json's web defaults) or an earlier choice.
    /// </summary>
    /// <param name="serializer">The serializer; it must be thread-safe.</param>
    /// <returns>This builder.</returns>
    public BrokerBuilder UseSerializer(IMessageSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        Services.RemoveAll<IMessageSerializer>();
        Services.AddSingleton(serializer);
        return this;
    }

    /// <summary>Uses System.Text.Json with <paramref name="options"/> (which become read-only) as the serializer.</summary>
    /// <param name="options">The JSON options.</param>
    /// <returns>This builder.</returns>
    public BrokerBuilder UseJson(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return UseSerializer(new SystemTextJsonMessageSerializer(options));
    }

    /// <summary>
    /// Uses System.Text.Json with a source-generated <paramref name="context"/> as the serializer: no reflection, so it
    /// works trimmed and with native AOT. A message type the context does not know fails with <see cref="NotSupportedException"/>.
    /// </summary>
    /// <param name="context">The source-generated context.</param>
    /// <returns>This builder.</returns>
    public BrokerBuilder UseJson(JsonSerializerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return UseSerializer(new SystemTextJsonMessageSerializer(context));
    }

    /// <summary>
    /// Declares a queue with <paramref name="options"/>, or SQS's defaults when <see langword="null"/>. A queue with a
    /// <see cref="QueueOptions.RedrivePolicy"/> is created after its dead-letter queue, whatever the declaration order;
    /// the dead-letter queue must be declared too, or exist on the broker.
    /// </summary>
    /// <param name="name">1 to 80 letters, digits, '-' and '_' (a FIFO queue's name ends in <c>.fifo</c>); checked at start-up.</param>
    /// <param name="options">The settings; <see langword="null"/> keeps the ones declared so far (SQS's defaults at first).</param>
    /// <returns>This builder.</returns>
    public BrokerBuilder AddQueue(string name, QueueOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var queue = declarations.Queue(name, DeclarationSource.Code($"AddQueue(\"{name}\")"));
        if (options is not null)
        {
            queue.Options = options;
            queue.Invalid = false;
        }

        return this;
    }

    /// <summary>
    /// Declares a queue, or changes a declared one, starting from the settings declared so far (SQS's defaults at
    /// first), for example <c>q =&gt; q with { VisibilityTimeout = TimeSpan.FromMinutes(2) }</c>.
    /// </summary>
    /// <param name="name">1 to 80 letters, digits, '-' and '_' (a FIFO queue's name ends in <c>.fifo</c>); checked at start-up.</param>
    /// <param name="configure">Returns the queue's settings.</param>
    /// <returns>This builder.</returns>
    public BrokerBuilder AddQueue(string name, Func<QueueOptions, QueueOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configure);
        var queue = declarations.Queue(name, DeclarationSource.Code($"AddQueue(\"{name}\")"));
        queue.Options = configure(queue.Options) ?? throw new InvalidOperationException($"The configure callback of queue '{name}' returned null.");
        return this;
    }

    /// <summary>
    /// Declares a topic, or adds to a declared one: its settings and queue subscriptions. The topic is created after
    /// every declared queue.
    /// </summary>
    /// <param name="name">1 to 256 letters, digits, '-' and '_' (a FIFO topic's name ends in <c>.fifo</c>); checked at start-up.</param>
    /// <param name="configure">Declares settings and subscriptions; <see langword="null"/> for a standard topic with no subscription.</param>
    /// <returns>This builder.</returns>
    public BrokerBuilder AddTopic(string name, Action<TopicBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var topic = declarations.Topic(name, DeclarationSource.Code($"AddTopic(\"{name}\")"));
        configure?.Invoke(topic);
        return this;
    }

    /// <summary>
    /// Declares a data stream with <paramref name="options"/>, or Kinesis's defaults (4 shards, 24 hours) when
    /// <see langword="null"/>. A stream that already exists on the broker is kept as it is.
    /// </summary>
    /// <param name="name">1 to 128 letters, digits, '_', '.' and '-'; checked at start-up.</param>
    /// <param name="options">The settings; <see langword="null"/> keeps the ones declared so far.</param>
    /// <returns>This builder.</returns>
    public BrokerBuilder AddStream(string name, StreamOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var stream = declarations.Stream(name, DeclarationSource.Code($"AddStream(\"{name}\")"));
        if (options is not null)
        {
            stream.Options = options;
            stream.Invalid = false;
        }

        return this;
    }

    /// <summary>
    /// Declares a data stream, or changes a declared one, starting from the settings declared so far (Kinesis's
    /// defaults at first), for example <c>s =&gt; s with { ShardCount = 8 }</c>.
    /// </summary>
    /// <param name="name">1 to 128 letters, digits, '_', '.' and '-'; checked at start-up.</param>
    /// <param name="configure">Returns the stream's settings.</param>
    /// <returns>This builder.</returns>
    public BrokerBuilder AddStream(string name, Func<StreamOptions, StreamOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configure);
        var stream = declarations.Stream(name, DeclarationSource.Code($"AddStream(\"{name}\")"));
        stream.Options = configure(stream.Options) ?? throw new InvalidOperationException($"The configure callback of stream '{name}' returned null.");
        return this;
    }
}
