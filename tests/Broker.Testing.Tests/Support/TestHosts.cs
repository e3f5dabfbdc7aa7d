using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Broker.Testing.Tests.Support;

/// <summary>Starts a generic host (no configuration files, no logging providers) and stops it within a bound.</summary>
public sealed class TestHost : IAsyncDisposable
{
    private TestHost(IHost host)
    {
        Host = host;
        Harness = host.Services.GetRequiredService<BrokerTestHarness>();
    }

    public IHost Host { get; }

    public BrokerTestHarness Harness { get; }

    public IServiceProvider Services => Host.Services;

    public static async Task<TestHost> StartAsync(Action<IServiceCollection> configure)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        configure(builder.Services);
        var host = builder.Build();
        await host.StartAsync().WaitAsync(Gate.Bound);
        return new TestHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        using var bound = new CancellationTokenSource(Gate.Bound);
        await Host.StopAsync(bound.Token);
        Host.Dispose();
    }
}
