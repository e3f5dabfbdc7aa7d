using Broker.Queues;
using Broker.Streams;
using Broker.Topics;

namespace Broker.Hosting.Internal;

/// <summary>
/// Everything <c>AddBroker</c> calls declared, kept as one instance in the service collection so that a second
/// <c>AddBroker</c> adds to the first. Read once, when <see cref="BrokerRuntime"/> is resolved. Not thread-safe: the
/// service collection is built on one thread.
/// </summary>
internal sealed class BrokerDeclarations
{
    /// <summary>The options the broker is created with; <see cref="OptionsDeclared"/> says whether anyone set them.</summary>
    public BrokerOptions Options { get; set; } = new();

    /// <summary>Whether <c>WithOptions</c> or configuration set <see cref="Options"/>.</summary>
    public bool OptionsDeclared { get; set; }

    /// <summary>
    /// Where <see cref="BrokerOptions.Storage"/> was declared (the configuration path of <c>Storage</c>, or
    /// <c>WithOptions</c>), so that a storage setting the broker refuses is reported there; null when nobody declared it.
    /// </summary>
    public string? StorageSource { get; set; }

    /// <summary>Problems found while reading configuration, reported with the others at start-up.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Queues by name, in declaration order.</summary>
    public OrderedDictionary<string, QueueDeclaration> Queues { get; } = new(StringComparer.Ordinal);

    /// <summary>Topics by name, in declaration order.</summary>
    public OrderedDictionary<string, TopicBuilder> Topics { get; } = new(StringComparer.Ordinal);

    /// <summary>Streams by name, in declaration order.</summary>
    public OrderedDictionary<string, StreamDeclaration> Streams { get; } = new(StringComparer.Ordinal);

    /// <summary>The builder every <c>AddBroker</c> call on this service collection shares.</summary>
    public BrokerBuilder? Builder { get; set; }

    public QueueDeclaration Queue(string name, DeclarationSource source)
    {
        if (!Queues.TryGetValue(name, out var queue))
        {
            queue = new QueueDeclaration(name, source);
            Queues.Add(name, queue);
        }

        return queue;
    }

    public TopicBuilder Topic(string name, DeclarationSource source)
    {
        if (!Topics.TryGetValue(name, out var topic))
        {
            topic = new TopicBuilder(name, source);
            Topics.Add(name, topic);
        }

        return topic;
    }

    public StreamDeclaration Stream(string name, DeclarationSource source)
    {
        if (!Streams.TryGetValue(name, out var stream))
        {
            stream = new StreamDeclaration(name, source);
            Streams.Add(name, stream);
        }

        return stream;
    }
}

/// <summary>A declared queue.</summary>
internal sealed class QueueDeclaration(string name, DeclarationSource source)
{
    public string Name { get; } = name;

    public DeclarationSource Source { get; } = source;

    public QueueOptions Options { get; set; } = new();

    /// <summary>Configuration problems were reported for it: it is not created (and nothing that depends on it is).</summary>
    public bool Invalid { get; set; }
}

/// <summary>A declared stream.</summary>
internal sealed class StreamDeclaration(string name, DeclarationSource source)
{
    public string Name { get; } = name;

    public DeclarationSource Source { get; } = source;

    public StreamOptions Options { get; set; } = new();

    /// <summary>Configuration problems were reported for it: it is not created.</summary>
    public bool Invalid { get; set; }
}

/// <summary>A declared queue subscription of a topic.</summary>
internal sealed class SubscriptionDeclaration(string queueName, DeclarationSource source, SubscriptionOptions options)
{
    public string QueueName { get; } = queueName;

    public DeclarationSource Source { get; } = source;

    public SubscriptionOptions Options { get; set; } = options;

    /// <summary>Configuration problems were reported for it: it is not made.</summary>
    public bool Invalid { get; set; }
}
