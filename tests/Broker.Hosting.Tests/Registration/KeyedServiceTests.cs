using Broker.Queues;
using Broker.Streams;
using Broker.Topics;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Hosting.Tests.Registration;

/// <summary>Queues, topics, streams and their typed producers resolve as keyed services named by the resource.</summary>
public sealed class KeyedServiceTests
{
    [Fact]
    public void Declared_resources_resolve_by_name()
    {
        using var provider = Provider(b => b.AddQueue("orders").AddTopic("events").AddStream("clicks"));

        Assert.Equal("orders", provider.GetRequiredKeyedService<IMessageQueue>("orders").Name);
        Assert.Equal("events", provider.GetRequiredKeyedService<ITopic>("events").Name);
        Assert.Equal("clicks", provider.GetRequiredKeyedService<IDataStream>("clicks").Name);
    }

    [Fact]
    public void Typed_producers_resolve_by_name()
    {
        using var provider = Provider(b => b.AddQueue("orders").AddTopic("events").AddStream("clicks"));

        Assert.Equal("orders", provider.GetRequiredKeyedService<IQueue<string>>("orders").Queue.Name);
        Assert.Equal("events", provider.GetRequiredKeyedService<ITopic<string>>("events").Topic.Name);
        Assert.Equal("clicks", provider.GetRequiredKeyedService<IStreamProducer<string>>("clicks").Stream.Name);
    }

    [Fact]
    public void Constructor_parameters_marked_FromKeyedServices_get_the_named_resources()
    {
        var services = new ServiceCollection().AddBroker(b => b.AddQueue("orders").AddTopic("events"));
        services.AddTransient<OrderService>();
        using var provider = services.BuildServiceProvider();

        var service = provider.GetRequiredService<OrderService>();

        Assert.Equal("orders", service.Queue.Name);
        Assert.Equal("events", service.Events.Topic.Name);
    }

    [Fact]
    public void Queue_created_at_run_time_resolves_too()
    {
        using var provider = Provider(b => b.AddQueue("declared"));
        provider.GetRequiredService<MessageBroker>().CreateQueue("created-later");

        Assert.Equal("created-later", provider.GetRequiredKeyedService<IMessageQueue>("created-later").Name);
    }

    [Fact]
    public void Deleted_and_recreated_queue_resolves_to_the_new_queue()
    {
        using var provider = Provider(b => b.WithOptions(o => o with { QueueDeletionCooldown = TimeSpan.Zero }).AddQueue("orders"));
        var broker = provider.GetRequiredService<MessageBroker>();
        var before = provider.GetRequiredKeyedService<IMessageQueue>("orders");

        broker.DeleteQueue("orders");
        var recreated = broker.CreateQueue("orders");

        Assert.NotSame(before, recreated);
        Assert.Same(recreated, provider.GetRequiredKeyedService<IMessageQueue>("orders"));
        Assert.Same(recreated, provider.GetRequiredKeyedService<IQueue<string>>("orders").Queue);
    }

    [Fact]
    public void Missing_resources_fail_with_the_brokers_errors()
    {
        using var provider = Provider(b => { });

        Assert.Equal(BrokerErrorCodes.QueueDoesNotExist, Assert.Throws<BrokerException>(() => provider.GetRequiredKeyedService<IMessageQueue>("nope")).ErrorCode);
        Assert.Equal(BrokerErrorCodes.QueueDoesNotExist, Assert.Throws<BrokerException>(() => provider.GetRequiredKeyedService<IQueue<string>>("nope")).ErrorCode);
        Assert.Equal(BrokerErrorCodes.NotFound, Assert.Throws<BrokerException>(() => provider.GetRequiredKeyedService<ITopic>("nope")).ErrorCode);
        Assert.Equal(BrokerErrorCodes.NotFound, Assert.Throws<BrokerException>(() => provider.GetRequiredKeyedService<ITopic<string>>("nope")).ErrorCode);
        Assert.Equal(BrokerErrorCodes.ResourceNotFoundException, Assert.Throws<BrokerException>(() => provider.GetRequiredKeyedService<IDataStream>("nope")).ErrorCode);
        Assert.Equal(BrokerErrorCodes.ResourceNotFoundException, Assert.Throws<BrokerException>(() => provider.GetRequiredKeyedService<IStreamProducer<string>>("nope")).ErrorCode);
    }

    [Fact]
    public void Key_that_is_not_a_name_is_rejected()
    {
        using var provider = Provider(b => b.AddQueue("orders"));

        var exception = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredKeyedService<IMessageQueue>(42));

        Assert.Contains("must be a string, not Int32", exception.Message);
    }

    private static ServiceProvider Provider(Action<BrokerBuilder> configure) =>
        new ServiceCollection().AddBroker(configure).BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

    private sealed class OrderService([FromKeyedServices("orders")] IMessageQueue queue, [FromKeyedServices("events")] ITopic<string> events)
    {
        public IMessageQueue Queue { get; } = queue;

        public ITopic<string> Events { get; } = events;
    }
}
