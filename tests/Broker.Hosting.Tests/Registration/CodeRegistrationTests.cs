using Broker.Hosting.Internal;
using Broker.Queues;
using Broker.Streams;
using Broker.Topics;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Hosting.Tests.Registration;

/// <summary>Resources declared in code with <c>AddBroker(b =&gt; ...)</c> exist once the runtime is resolved.</summary>
public sealed class CodeRegistrationTests
{
    [Fact]
    public void Queue_declared_before_its_dead_letter_queue_is_created_after_it()
    {
        using var provider = new ServiceCollection()
            .AddBroker(b => b
                .AddQueue("orders", q => q with { RedrivePolicy = new RedrivePolicy("orders-dlq", MaxReceiveCount: 3) })
                .AddQueue("orders-dlq"))
            .BuildServiceProvider();

        var broker = provider.GetRequiredService<BrokerRuntime>().Broker;

        Assert.Equal(new RedrivePolicy("orders-dlq", 3), broker.GetQueue("orders").GetAttributes().Options.RedrivePolicy);
        Assert.Equal(["orders"], broker.ListDeadLetterSourceQueues("orders-dlq").QueueNames);
    }

    [Fact]
    public void Chain_of_dead_letter_queues_is_created_from_its_end()
    {
        using var provider = new ServiceCollection()
            .AddBroker(b => b
                .AddQueue("a", q => q with { RedrivePolicy = new RedrivePolicy("b") })
                .AddQueue("b", q => q with { RedrivePolicy = new RedrivePolicy("c") })
                .AddQueue("c"))
            .BuildServiceProvider();

        var broker = provider.GetRequiredService<BrokerRuntime>().Broker;

        Assert.Equal(["a"], broker.ListDeadLetterSourceQueues("b").QueueNames);
        Assert.Equal(["b"], broker.ListDeadLetterSourceQueues("c").QueueNames);
    }

    [Fact]
    public async Task Topic_with_a_filtered_raw_queue_subscription_delivers_only_matching_messages_as_published()
    {
        const string Filter = """{"resolution":["720p"]}""";
        using var provider = new ServiceCollection()
            .AddBroker(b => b
                .AddTopic("video-uploaded", t => t.SubscribeQueue("transcode-720p", filterPolicy: Filter, rawMessageDelivery: true))
                .AddQueue("transcode-720p"))
            .BuildServiceProvider();
        var topic = provider.GetRequiredKeyedService<ITopic>("video-uploaded");
        var queue = provider.GetRequiredKeyedService<IMessageQueue>("transcode-720p");

        await topic.PublishAsync(new PublishRequest("hd") { MessageAttributes = Attributes("1080p") });
        await topic.PublishAsync(new PublishRequest("sd") { MessageAttributes = Attributes("720p") });

        var received = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.Zero });
        Assert.Equal("sd", Assert.Single(received).GetBodyAsString());

        static Dictionary<string, MessageAttributeValue> Attributes(string resolution) =>
            new() { ["resolution"] = MessageAttributeValue.FromString(resolution) };
    }

    [Fact]
    public void Topic_configure_sets_the_topic_options()
    {
        using var provider = new ServiceCollection()
            .AddBroker(b => b.AddTopic("events.fifo", t => t.Configure(o => o with { FifoTopic = true, ContentBasedDeduplication = true })))
            .BuildServiceProvider();

        var topic = provider.GetRequiredKeyedService<ITopic>("events.fifo");

        Assert.Equal(new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true }, topic.Options);
    }

    [Fact]
    public void Stream_is_created_with_the_declared_shard_count()
    {
        using var provider = new ServiceCollection()
            .AddBroker(b => b.AddStream("clicks", s => s with { ShardCount = 3 }))
            .BuildServiceProvider();

        var stream = provider.GetRequiredKeyedService<IDataStream>("clicks");

        Assert.Equal(3, stream.ListShards().Count);
    }

    [Fact]
    public void AddBroker_called_twice_declares_everything_on_one_broker()
    {
        var services = new ServiceCollection()
            .AddBroker(b => b.AddQueue("first"))
            .AddBroker(b => b.AddQueue("second"));
        using var provider = services.BuildServiceProvider();

        var broker = provider.GetRequiredService<BrokerRuntime>().Broker;

        Assert.Same(broker, provider.GetRequiredService<MessageBroker>());
        Assert.Equal(["first", "second"], broker.ListQueues().QueueNames);
        Assert.Single(services, d => d.ServiceType == typeof(MessageBroker));
    }

    [Fact]
    public void Declaring_a_queue_again_with_configure_starts_from_its_declared_options()
    {
        using var provider = new ServiceCollection()
            .AddBroker(b => b.AddQueue("orders", new QueueOptions { VisibilityTimeout = TimeSpan.FromMinutes(2) }))
            .AddBroker(b => b.AddQueue("orders", q => q with { Delay = TimeSpan.FromSeconds(5) }))
            .BuildServiceProvider();

        var options = provider.GetRequiredKeyedService<IMessageQueue>("orders").GetAttributes().Options;

        Assert.Equal(TimeSpan.FromMinutes(2), options.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Delay);
    }

    [Fact]
    public void WithOptions_sets_the_region_and_account_of_the_broker()
    {
        using var provider = new ServiceCollection()
            .AddBroker(b => b.WithOptions(new BrokerOptions { Region = "eu-west-1", AccountId = "123456789012" }).AddQueue("orders"))
            .BuildServiceProvider();

        Assert.Equal("arn:aws:sqs:eu-west-1:123456789012:orders", provider.GetRequiredKeyedService<IMessageQueue>("orders").Arn);
    }

    [Fact]
    public void Declarations_applied_again_to_a_broker_that_has_them_keep_the_existing_resources()
    {
        using var broker = new MessageBroker();
        using var first = Provider(broker);
        _ = first.GetRequiredService<BrokerRuntime>();
        var queue = broker.GetQueue("orders");
        var stream = broker.GetStream("clicks");
        stream.UpdateShardCount(4);

        using var second = Provider(broker);
        _ = second.GetRequiredService<BrokerRuntime>();

        Assert.Same(queue, broker.GetQueue("orders"));
        Assert.Same(stream, broker.GetStream("clicks"));
        Assert.Single(broker.GetTopic("events").ListSubscriptions());

        static ServiceProvider Provider(MessageBroker broker) => new ServiceCollection()
            .AddBroker(b => b.UseBroker(broker)
                .AddQueue("orders")
                .AddStream("clicks", new StreamOptions { ShardCount = 2 })
                .AddTopic("events", t => t.SubscribeQueue("orders")))
            .BuildServiceProvider();
    }
}
