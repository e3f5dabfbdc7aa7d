using Broker.Queues;
using Broker.Testing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Testing.Tests.Hosting;

/// <summary>AddBrokerTestHarness puts the host's broker on the harness clock and records it, wherever it is called.</summary>
public sealed class RegistrationTests
{
    public static TheoryData<bool> Orders => new() { true, false };

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task The_broker_AddBroker_builds_runs_on_the_harness_clock_and_is_recorded(bool harnessFirst)
    {
        await using var host = await TestHost.StartAsync(services =>
        {
            if (harnessFirst)
            {
                services.AddBrokerTestHarness();
            }

            services.AddBroker(b => b.AddQueue("orders"));
            if (!harnessFirst)
            {
                services.AddBrokerTestHarness();
            }
        });
        var harness = host.Harness;

        Assert.Same(harness.Time, harness.Broker.TimeProvider);
        Assert.Same(harness.Time, host.Services.GetRequiredService<TimeProvider>());
        Assert.Same(host.Services.GetRequiredService<MessageBroker>(), harness.Broker);
        await host.Services.GetRequiredKeyedService<IMessageQueue>("orders").SendAsync(new SendMessageRequest("hello"));
        Assert.Equal("hello", Assert.Single(harness.Sent("orders")).BodyText);
    }

    [Fact]
    public async Task A_time_provider_registered_before_the_harness_is_replaced_by_the_harness_clock()
    {
        await using var host = await TestHost.StartAsync(services => services
            .AddSingleton(TimeProvider.System)
            .AddBroker(b => b.AddQueue("orders"))
            .AddBrokerTestHarness());

        Assert.Same(host.Harness.Time, host.Harness.Broker.TimeProvider);
    }

    [Fact]
    public async Task A_broker_given_to_UseBroker_cannot_be_recorded_and_the_harness_says_so()
    {
        using var own = new MessageBroker();
        await using var host = await TestHost.StartAsync(services => services
            .AddBroker(b => b.UseBroker(own))
            .AddBrokerTestHarness());

        var error = Assert.Throws<InvalidOperationException>(() => host.Harness.Broker);
        Assert.Contains("UseBroker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BrokerTestHarness(new BrokerTestHarnessOptions { IdleTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BrokerTestHarness(new BrokerTestHarnessOptions { AdvanceStep = TimeSpan.Zero }));
    }

    [Fact]
    public async Task The_clock_starts_where_the_options_say()
    {
        var start = new DateTimeOffset(2030, 5, 1, 12, 0, 0, TimeSpan.Zero);
        await using var harness = new BrokerTestHarness(new BrokerTestHarnessOptions { StartTime = start });

        Assert.Equal(start, harness.Broker.TimeProvider.GetUtcNow());
    }
}
