using Broker.Hosting.Serialization;

namespace Broker.Hosting.Internal;

/// <summary>
/// What every hosted piece needs, resolved once from DI: the broker with every declared resource created, the
/// serializer, and the clock. Consumers resolve this instead of <see cref="MessageBroker"/> so that declarations are
/// always applied before a consumer touches a queue.
/// </summary>
internal sealed class BrokerRuntime
{
    public BrokerRuntime(MessageBroker broker, IMessageSerializer serializer)
    {
        Broker = broker;
        Serializer = serializer;
    }

    /// <summary>The broker, with every resource declared through <c>AddBroker</c> created.</summary>
    public MessageBroker Broker { get; }

    /// <summary>The host's message serializer.</summary>
    public IMessageSerializer Serializer { get; }

    /// <summary>The broker's clock: every timer of the hosting layer runs on it.</summary>
    public TimeProvider TimeProvider => Broker.TimeProvider;
}
