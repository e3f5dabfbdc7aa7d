using Broker.Queues;
using Broker.Topics;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Hosting.Tests.Typed;

/// <summary><see cref="ITopic{T}"/>: typed publishes over a topic.</summary>
public sealed class TypedTopicTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Message_published_typed_reaches_a_subscribed_queue_as_the_serialized_body()
    {
        using var provider = new ServiceCollection()
            .AddBroker(b => b.AddQueue("audit").AddTopic("orders", t => t.SubscribeQueue("audit", rawMessageDelivery: true)))
            .BuildServiceProvider();
        var topic = provider.GetRequiredKeyedService<ITopic<Order>>("orders");
        var audit = provider.GetRequiredKeyedService<IQueue<Order>>("audit");

        await topic.PublishAsync(new Order("o-1", 2m));

        var received = Assert.Single(await audit.ReceiveAsync());
        Assert.Equal("""{"orderId":"o-1","amount":2}""", received.Raw.GetBodyAsString());
        Assert.Equal(new Order("o-1", 2m), received.Message);
    }

    [Fact]
    public async Task Publish_options_give_the_subject_and_the_attributes()
    {
        using var broker = new MessageBroker();
        var topic = broker.CreateTopic("orders");
        var delivered = new TaskCompletionSource<Notification>(TaskCreationOptions.RunContinuationsAsynchronously);
        topic.Subscribe((notification, _) =>
        {
            delivered.TrySetResult(notification);
            return ValueTask.CompletedTask;
        });

        await topic.AsTyped<Order>().PublishAsync(new Order("o-2", 1m), new PublishOptions
        {
            Subject = "new order",
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["tenant"] = MessageAttributeValue.FromString("acme") },
        });

        var notification = await delivered.Task.WaitAsync(Bound);
        Assert.Equal("new order", notification.Subject);
        Assert.Equal("acme", notification.MessageAttributes["tenant"].StringValue);
        Assert.Equal("""{"orderId":"o-2","amount":1}""", notification.Message);
    }

    [Fact]
    public async Task Publish_to_a_FIFO_topic_carries_the_message_group()
    {
        using var broker = new MessageBroker();
        var topic = broker.CreateTopic("orders.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true }).AsTyped<Order>();

        var result = await topic.PublishAsync(new Order("o-3", 1m), new PublishOptions { MessageGroupId = "customer-7" });

        Assert.NotNull(result.SequenceNumber);
    }
}
