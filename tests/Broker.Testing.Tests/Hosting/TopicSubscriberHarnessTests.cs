using Broker.Hosting;
using Broker.Queues;
using Broker.Topics;
using Broker.Testing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Testing.Tests.Hosting;

/// <summary>In a host: the harness waits for hosted topic subscribers, and records what their filter kept out.</summary>
public sealed class TopicSubscriberHarnessTests
{
    [Fact]
    public async Task WaitForIdle_waits_until_a_hosted_topic_subscriber_has_handled_the_notification()
    {
        var gate = new Gate();
        await using var host = await TestHost.StartAsync(services => services
            .AddSingleton(gate)
            .AddBroker(b => b.AddTopic("orders-placed"))
            .AddTopicSubscriber<Order, GatedOrderHandler>("orders-placed", filterPolicy: """{"region":["eu"]}""")
            .AddBrokerTestHarness());
        var harness = host.Harness;
        var topic = harness.Broker.GetTopic("orders-placed");

        await topic.PublishAsync(new PublishRequest("""{"Id":8,"Amount":3}""") { MessageAttributes = Region("us") });
        await topic.PublishAsync(new PublishRequest("""{"Id":9,"Amount":4}""") { MessageAttributes = Region("eu") });
        await gate.Entered.WaitAsync(Gate.Bound);
        var idle = harness.WaitForIdleAsync().AsTask();
        Assert.False(idle.IsCompleted); // the subscriber's handler is held
        gate.Open();
        await idle.WaitAsync(Gate.Bound);

        Assert.Equal(9, Assert.Single(harness.Delivered("orders-placed")).GetBody<Order>().Id);
        Assert.Equal(8, Assert.Single(harness.FilteredOut("orders-placed")).GetBody<Order>().Id);
    }

    private static Dictionary<string, MessageAttributeValue> Region(string region) =>
        new() { ["region"] = MessageAttributeValue.FromString(region) };

    public sealed class GatedOrderHandler(Gate gate) : IMessageHandler<Order>
    {
        public async ValueTask HandleAsync(Order message, MessageContext context, CancellationToken cancellationToken) => await gate.PassAsync();
    }
}
