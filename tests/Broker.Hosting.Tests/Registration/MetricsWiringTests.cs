using System.Diagnostics.Metrics;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;

namespace Broker.Hosting.Tests.Registration;

/// <summary>AddBroker hands the host's IMeterFactory to the broker it makes, so each host sees its own measurements.</summary>
public sealed class MetricsWiringTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Broker_made_by_AddBroker_measures_through_the_hosts_meter_factory()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddMetrics();
        builder.Services.AddBroker(b => b.WithOptions(new BrokerOptions { Region = "eu-west-1" }).AddQueue("orders"));
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(Bound);
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        using var sent = new MetricCollector<long>(meterFactory, "Broker", "broker.queue.messages_sent");

        await host.Services.GetRequiredKeyedService<IMessageQueue>("orders").SendAsync("hello");

        var measurement = Assert.Single(sent.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal("orders", measurement.Tags["queue"]);
        Assert.Same(meterFactory, host.Services.GetRequiredService<MessageBroker>().Options.MeterFactory);
        await host.StopAsync().WaitAsync(Bound);
    }
}
