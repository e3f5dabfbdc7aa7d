using Broker.Hosting.Internal;
using Broker.Topics;

namespace Broker.Hosting;

/// <summary>
/// Declares a topic's settings and its queue subscriptions, inside
/// <see cref="BrokerBuilder.AddTopic(string, Action{TopicBuilder}?)"/>. The topic and its subscriptions are created when
/// the host starts, after every declared queue, so a subscription may name a queue declared anywhere.
/// </summary>
/// <remarks>
/// Handler subscriptions (in-process code rather than a queue) are registered with
/// <c>AddTopicSubscriber&lt;TMessage, THandler&gt;</c>, not here.
/// </remarks>
public sealed class TopicBuilder
{
    private readonly OrderedDictionary<string, SubscriptionDeclaration> subscriptions = new(StringComparer.Ordinal);

    internal TopicBuilder(string name, DeclarationSource source)
    {
        Name = name;
        Source = source;
    }

    /// <summary>The topic's name.</summary>
    public string Name { get; }

    /// <summary>Where the topic was first declared.</summary>
    internal DeclarationSource Source { get; }

    /// <summary>The settings the topic is created with. Default: a standard topic with SNS's defaults.</summary>
    internal TopicOptions Options { get; set; } = new();

    /// <summary>Configuration problems were reported for the topic: it is not created.</summary>
    internal bool Invalid { get; set; }

    /// <summary>The queue subscriptions, by queue name, in declaration order.</summary>
    internal IEnumerable<SubscriptionDeclaration> Subscriptions => subscriptions.Values;

    /// <summary>
    /// Changes the topic's settings, starting from the ones declared so far (SNS's defaults at first), for example
    /// <c>t =&gt; t with { FifoTopic = true }</c>.
    /// </summary>
    /// <param name="configure">Returns the new settings; validated by the broker when the host starts.</param>
    /// <returns>This builder.</returns>
    public TopicBuilder Configure(Func<TopicOptions, TopicOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Options = configure(Options) ?? throw new InvalidOperationException($"The configure callback of topic '{Name}' returned null.");
        return this;
    }

    /// <summary>
    /// Subscribes a queue (SNS protocol <c>sqs</c>). Subscribing the same queue again replaces its declared settings.
    /// </summary>
    /// <param name="queueName">The queue's name (or ARN); declared with <see cref="BrokerBuilder.AddQueue(string, Queues.QueueOptions?)"/>
    /// or created on the broker before the host starts.</param>
    /// <param name="filterPolicy">An SNS filter policy (JSON) matched against the message attributes; <see langword="null"/>
    /// (the default) delivers every message.</param>
    /// <param name="rawMessageDelivery">Deliver the published body and attributes as they are instead of the SNS JSON
    /// envelope. Default <see langword="false"/>.</param>
    /// <returns>This builder.</returns>
    public TopicBuilder SubscribeQueue(string queueName, string? filterPolicy = null, bool rawMessageDelivery = false) =>
        SubscribeQueue(queueName, new SubscriptionOptions { FilterPolicy = filterPolicy, RawMessageDelivery = rawMessageDelivery });

    /// <summary>
    /// Subscribes a queue (SNS protocol <c>sqs</c>) with every subscription setting: filter policy and its scope, raw
    /// delivery, delivery policy, dead-letter queue. Subscribing the same queue again replaces its declared settings.
    /// </summary>
    /// <param name="queueName">The queue's name (or ARN).</param>
    /// <param name="options">The subscription's settings, validated by the broker when the host starts.</param>
    /// <returns>This builder.</returns>
    public TopicBuilder SubscribeQueue(string queueName, SubscriptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(queueName);
        ArgumentNullException.ThrowIfNull(options);
        Subscribe(queueName, DeclarationSource.Code($"AddTopic(\"{Name}\").SubscribeQueue(\"{queueName}\")"), options);
        return this;
    }

    /// <summary>Declares (or replaces) the subscription of <paramref name="queueName"/>.</summary>
    internal SubscriptionDeclaration Subscribe(string queueName, DeclarationSource source, SubscriptionOptions options)
    {
        if (subscriptions.TryGetValue(queueName, out var existing))
        {
            existing.Options = options;
            existing.Invalid = false;
            return existing;
        }

        var subscription = new SubscriptionDeclaration(queueName, source, options);
        subscriptions.Add(queueName, subscription);
        return subscription;
    }
}
