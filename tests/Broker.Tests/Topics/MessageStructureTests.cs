using System.Threading.Channels;
using Broker.Queues;
using Broker.Topics;

namespace Broker.Tests.Topics;

public sealed class MessageStructureTests : TopicFixture
{
    private const string PerProtocol = "{\"default\":\"for everyone\",\"sqs\":\"for queues\",\"lambda\":\"for handlers\",\"email\":\"for mail\"}";

    [Fact]
    public async Task The_sqs_entry_reaches_queue_subscribers_and_the_lambda_entry_reaches_handlers()
    {
        var topic = Broker.CreateTopic("t");
        var enveloped = Broker.CreateQueue("enveloped");
        var raw = Broker.CreateQueue("raw");
        var handled = Channel.CreateUnbounded<string>();
        topic.Subscribe(enveloped);
        topic.Subscribe(raw, new SubscriptionOptions { RawMessageDelivery = true });
        topic.Subscribe((n, _) => { handled.Writer.TryWrite(n.Message); return ValueTask.CompletedTask; });

        await topic.PublishAsync(new PublishRequest(PerProtocol) { MessageStructure = "json" });

        Assert.Equal(["for queues"], await DrainEnvelopeMessages(enveloped));
        Assert.Equal(["for queues"], await DrainBodies(raw));
        Assert.Equal("for handlers", await Next(handled.Reader));
    }

    [Fact]
    public async Task Without_a_protocol_entry_subscribers_get_the_default_entry()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        var handled = Channel.CreateUnbounded<string>();
        topic.Subscribe(queue);
        topic.Subscribe((n, _) => { handled.Writer.TryWrite(n.Message); return ValueTask.CompletedTask; });

        await topic.PublishAsync(new PublishRequest("{\"default\":\"for everyone\",\"http\":\"for web hooks\"}") { MessageStructure = "json" });

        Assert.Equal(["for everyone"], await DrainEnvelopeMessages(queue));
        Assert.Equal("for everyone", await Next(handled.Reader));
    }

    [Fact]
    public async Task Without_a_message_structure_a_json_body_is_delivered_verbatim()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        await topic.PublishAsync(new PublishRequest(PerProtocol));

        Assert.Equal([PerProtocol], await DrainBodies(queue));
    }

    [Fact]
    public async Task With_a_json_message_structure_message_attributes_are_not_sent()
    {
        // Semantics §1.3: "Message attributes are sent only when the message structure is String, not JSON."
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(queue);

        await topic.PublishAsync(new PublishRequest(PerProtocol)
        {
            MessageStructure = "json",
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["store"] = MessageAttributeValue.FromString("example_corp") },
        });

        var envelope = Envelope(Assert.Single(await Drain(queue)));
        Assert.Equal("for queues", envelope.GetProperty("Message").GetString());
        Assert.False(envelope.TryGetProperty("MessageAttributes", out _));
    }
}
