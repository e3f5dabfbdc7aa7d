using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Broker.Hosting.Internal;

/// <summary>
/// The first hosted service of a host with <c>AddBroker</c>: resolving <see cref="BrokerRuntime"/> applies every
/// declaration, so a bad declaration fails the host's start before any consumer runs.
/// </summary>
internal sealed class BrokerStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<BrokerRuntime>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
