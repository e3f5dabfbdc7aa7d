using Broker.Hosting.Internal;
using Broker.Testing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a <see cref="BrokerTestHarness"/> in a host (the counterpart of MassTransit's <c>AddMassTransitTestHarness</c>).</summary>
public static class BrokerTestHarnessServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="BrokerTestHarness"/> singleton and makes the broker that <c>AddBroker</c> builds run on its clock and
    /// report to it. Call it before or after <c>AddBroker</c>. The host's <see cref="TimeProvider"/> becomes the harness
    /// clock (registrations of <see cref="TimeProvider"/> made before this call are replaced), so every hosted consumer and
    /// anything else resolving the clock from DI moves with <see cref="BrokerTestHarness.AdvanceAsync"/>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets the harness's options (its <see cref="BrokerTestHarnessOptions.BrokerOptions"/> are not
    /// used: the host's broker takes those <c>AddBroker</c> declares).</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddBrokerTestHarness(this IServiceCollection services, Action<BrokerTestHarnessOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new BrokerTestHarnessOptions();
        configure?.Invoke(options);
        services.RemoveAll<BrokerTestHarness>();
        services.RemoveAll<BrokerFactoryOverride>();
        services.RemoveAll<TimeProvider>();
        services.AddSingleton(sp => new BrokerTestHarness(options, sp));
        services.AddSingleton<TimeProvider>(static sp => sp.GetRequiredService<BrokerTestHarness>().Time);
        services.AddSingleton(static sp => new BrokerFactoryOverride(
            (brokerOptions, _) => sp.GetRequiredService<BrokerTestHarness>().CreateBroker(brokerOptions)));
        return services;
    }
}
