namespace Broker.Hosting.Internal;

/// <summary>
/// A DI singleton that, when present, makes the broker <c>AddBroker</c> owns instead of <c>new MessageBroker(...)</c>:
/// Broker.Testing's <c>AddBrokerTestHarness</c> registers one to build the broker on its clock with its observer.
/// A seam for that harness only, and internal; a broker given to <c>UseBroker</c> is not made here.
/// </summary>
/// <param name="create">Makes the broker from the declared options (with DI's meter factory) and DI's clock.</param>
internal sealed class BrokerFactoryOverride(Func<BrokerOptions, TimeProvider, MessageBroker> create)
{
    /// <summary>Makes the broker.</summary>
    public MessageBroker Create(BrokerOptions options, TimeProvider time) => create(options, time);
}
