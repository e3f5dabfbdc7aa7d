using Broker.Hosting.Internal;
using Broker.Hosting.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Tests.Subscribers;

/// <summary>A real generic host over a test's broker, registered as the contract says consumers find it.</summary>
public static class TestHost
{
    /// <summary>The bound of every wait on a signal (real time, generous: the suite runs in parallel on 2 cores).</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static IHost Build(MessageBroker broker, LogSignals logs, Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton(new BrokerRuntime(broker, new SystemTextJsonMessageSerializer()));
        configure(builder.Services);
        return builder.Build();
    }
}
