using Broker.Hosting.Serialization;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Hosting.Tests.Registration;

/// <summary>AddBroker in a real generic host: start-up, clock, ownership of the broker, serializer.</summary>
public sealed class HostTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TimeProvider_registered_in_DI_is_the_brokers_clock()
    {
        var clock = new FakeTimeProvider();
        var builder = NewHostBuilder();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddBroker(b => b.AddQueue("later", q => q with { Delay = TimeSpan.FromSeconds(10) }));
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(Bound);
        var queue = host.Services.GetRequiredKeyedService<IMessageQueue>("later");
        await queue.SendAsync("hello");

        clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.Empty(await queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.Zero }));
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal("hello", Assert.Single(await queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.Zero })).GetBodyAsString());

        Assert.Same(clock, host.Services.GetRequiredService<MessageBroker>().TimeProvider);
        await host.StopAsync().WaitAsync(Bound);
    }

    [Fact]
    public async Task Bad_declaration_fails_the_hosts_start()
    {
        var builder = NewHostBuilder();
        builder.Services.AddBroker(b => b.AddQueue("orders", q => q with { VisibilityTimeout = TimeSpan.FromHours(13) }));
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Bound));

        Assert.StartsWith("AddQueue(\"orders\"): InvalidAttributeValue: ", Assert.Single(exception.Failures));
    }

    [Fact]
    public async Task Declarations_are_applied_before_hosted_services_registered_earlier_start()
    {
        var builder = NewHostBuilder();
        var sawQueue = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        builder.Services.AddHostedService(sp => new QueueWatcher(sp.GetRequiredService<MessageBroker>(), sawQueue));
        builder.Services.AddBroker(b => b.AddQueue("orders"));
        using var host = builder.Build();

        await host.StartAsync().WaitAsync(Bound);

        Assert.True(await sawQueue.Task.WaitAsync(Bound));
        await host.StopAsync().WaitAsync(Bound);
    }

    [Fact]
    public async Task Broker_given_to_UseBroker_outlives_the_host_and_keeps_its_messages_for_the_next_host()
    {
        using var broker = new MessageBroker();
        using (var first = BuildHost(broker))
        {
            await first.StartAsync().WaitAsync(Bound);
            await first.Services.GetRequiredKeyedService<IQueue<string>>("orders").SendAsync("kept");
            await first.StopAsync().WaitAsync(Bound);
        }

        using var second = BuildHost(broker);
        await second.StartAsync().WaitAsync(Bound);
        var received = await second.Services.GetRequiredKeyedService<IQueue<string>>("orders").ReceiveAsync();

        Assert.Equal("kept", Assert.Single(received).Message);
        Assert.Same(broker, second.Services.GetRequiredService<MessageBroker>());
        await second.StopAsync().WaitAsync(Bound);

        static IHost BuildHost(MessageBroker broker)
        {
            var builder = NewHostBuilder();
            builder.Services.AddBroker(b => b.UseBroker(broker).AddQueue("orders"));
            return builder.Build();
        }
    }

    [Fact]
    public async Task Broker_the_container_created_is_disposed_with_the_host()
    {
        var builder = NewHostBuilder();
        builder.Services.AddBroker(b => b.AddQueue("orders"));
        MessageBroker broker;
        using (var host = builder.Build())
        {
            await host.StartAsync().WaitAsync(Bound);
            broker = host.Services.GetRequiredService<MessageBroker>();
            await host.StopAsync().WaitAsync(Bound);
        }

        Assert.Throws<ObjectDisposedException>(() => broker.CreateQueue("after"));
    }

    [Fact]
    public void Default_serializer_is_System_Text_Json_and_one_registered_before_is_kept()
    {
        using var defaults = new ServiceCollection().AddBroker().BuildServiceProvider();
        var mine = new SystemTextJsonMessageSerializer();
        var services = new ServiceCollection().AddSingleton<IMessageSerializer>(mine).AddBroker();
        using var registered = services.BuildServiceProvider();

        Assert.IsType<SystemTextJsonMessageSerializer>(defaults.GetRequiredService<IMessageSerializer>());
        Assert.Same(mine, registered.GetRequiredService<IMessageSerializer>());
    }

    [Fact]
    public void UseSerializer_replaces_the_serializer()
    {
        var mine = new SystemTextJsonMessageSerializer();
        using var provider = new ServiceCollection().AddBroker(b => b.UseSerializer(mine)).BuildServiceProvider();

        Assert.Same(mine, provider.GetRequiredService<IMessageSerializer>());
        Assert.Single(provider.GetServices<IMessageSerializer>());
    }

    private static HostApplicationBuilder NewHostBuilder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>A hosted service that records, when it starts, whether the declared queue already exists.</summary>
    private sealed class QueueWatcher(MessageBroker broker, TaskCompletionSource<bool> sawQueue) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            sawQueue.TrySetResult(broker.TryGetQueue("orders", out _));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
