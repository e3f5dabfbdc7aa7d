using System.Text.Json;
using Broker.Queues;
using Broker.Topics;

namespace Broker.Tests.Topics;

/// <summary>The JSON envelope and raw delivery to queue subscribers, once per topic type.</summary>
public abstract class EnvelopeTests : TopicFixture
{
    private int published;

    /// <summary>The envelope's keys in SNS's order, with a subject and attributes.</summary>
    protected abstract IReadOnlyList<string> FullKeyOrder { get; }

    protected abstract ITopic CreateTopic();

    protected abstract IMessageQueue CreateQueue(string name);

    /// <summary>A publish valid on this topic type.</summary>
    protected virtual PublishRequest Request(string body, string? subject = null, IReadOnlyDictionary<string, MessageAttributeValue>? attributes = null) =>
        new(body) { Subject = subject, MessageAttributes = attributes };

    protected string NextId() => $"id-{Interlocked.Increment(ref published)}";

    private static Dictionary<string, MessageAttributeValue> AllTypes() => new()
    {
        ["store"] = MessageAttributeValue.FromString("example_corp"),
        ["price"] = MessageAttributeValue.FromNumber("99.12"),
        ["blob"] = MessageAttributeValue.FromBinary([0, 1, 2, 250, 255]),
        ["colours"] = MessageAttributeValue.FromString("[\"red\",\"green\"]", "String.Array"),
    };

    [Fact]
    public async Task The_envelope_has_sns_keys_in_sns_order_with_subject_and_attributes_last()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue);

        await topic.PublishAsync(Request("hello", subject: "greeting", attributes: AllTypes()));

        var envelope = Envelope(Assert.Single(await Drain(queue)));
        Assert.Equal(FullKeyOrder, Keys(envelope));
    }

    [Fact]
    public async Task Without_a_subject_or_attributes_the_envelope_has_neither_key()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue);

        await topic.PublishAsync(Request("hello"));

        var envelope = Envelope(Assert.Single(await Drain(queue)));
        Assert.Equal(FullKeyOrder.Where(k => k is not ("Subject" or "MessageAttributes")), Keys(envelope));
    }

    [Fact]
    public async Task The_envelope_carries_the_published_id_topic_subject_and_message()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue);

        var result = await topic.PublishAsync(Request("{\"order\":42, \"note\":\"quotes \\\" and ünicode\"}", subject: "Order placed"));

        var envelope = Envelope(Assert.Single(await Drain(queue)));
        Assert.Equal("Notification", envelope.GetProperty("Type").GetString());
        Assert.Equal(result.MessageId, envelope.GetProperty("MessageId").GetString());
        Assert.Equal(topic.Arn, envelope.GetProperty("TopicArn").GetString());
        Assert.Equal("Order placed", envelope.GetProperty("Subject").GetString());
        Assert.Equal("{\"order\":42, \"note\":\"quotes \\\" and ünicode\"}", envelope.GetProperty("Message").GetString());
    }

    [Fact]
    public async Task The_timestamp_is_the_publish_time_on_the_broker_clock_in_utc_with_milliseconds()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue);
        Time.Advance(new TimeSpan(0, 1, 2, 3, 655));

        await topic.PublishAsync(Request("hello"));
        Time.Advance(TimeSpan.FromSeconds(5));

        var envelope = Envelope(Assert.Single(await Drain(queue)));
        Assert.Equal("2000-01-01T01:02:03.655Z", envelope.GetProperty("Timestamp").GetString());
    }

    [Fact]
    public async Task A_timestamp_on_a_whole_second_still_has_three_digits_of_milliseconds()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue);

        await topic.PublishAsync(Request("hello"));

        Assert.Equal("2000-01-01T00:00:00.000Z", Envelope(Assert.Single(await Drain(queue))).GetProperty("Timestamp").GetString());
    }

    [Fact]
    public async Task The_unsubscribe_url_names_the_subscription()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        var subscription = topic.Subscribe(queue);

        await topic.PublishAsync(Request("hello"));

        var url = Envelope(Assert.Single(await Drain(queue))).GetProperty("UnsubscribeURL").GetString()!;
        Assert.StartsWith("https://", url, StringComparison.Ordinal);
        Assert.Contains("Action=Unsubscribe", url, StringComparison.Ordinal);
        Assert.EndsWith("SubscriptionArn=" + subscription.Arn, url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attributes_appear_as_type_and_value_with_numbers_as_strings_and_binary_as_base64()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue);

        await topic.PublishAsync(Request("hello", attributes: AllTypes()));

        var attributes = Envelope(Assert.Single(await Drain(queue))).GetProperty("MessageAttributes");
        Assert.Equal(["blob", "colours", "price", "store"], Keys(attributes).Order(StringComparer.Ordinal));
        foreach (var attribute in attributes.EnumerateObject())
        {
            Assert.Equal(["Type", "Value"], Keys(attribute.Value));
            Assert.Equal(JsonValueKind.String, attribute.Value.GetProperty("Value").ValueKind);
        }

        Assert.Equal("String", attributes.GetProperty("store").GetProperty("Type").GetString());
        Assert.Equal("example_corp", attributes.GetProperty("store").GetProperty("Value").GetString());
        Assert.Equal("Number", attributes.GetProperty("price").GetProperty("Type").GetString());
        Assert.Equal("99.12", attributes.GetProperty("price").GetProperty("Value").GetString());
        Assert.Equal("Binary", attributes.GetProperty("blob").GetProperty("Type").GetString());
        Assert.Equal(Convert.ToBase64String([0, 1, 2, 250, 255]), attributes.GetProperty("blob").GetProperty("Value").GetString());
        Assert.Equal("String.Array", attributes.GetProperty("colours").GetProperty("Type").GetString());
        Assert.Equal("[\"red\",\"green\"]", attributes.GetProperty("colours").GetProperty("Value").GetString());
    }

    [Fact]
    public async Task Every_subscriber_gets_the_same_message_id_and_its_own_unsubscribe_url()
    {
        var topic = CreateTopic();
        var first = CreateQueue("first");
        var second = CreateQueue("second");
        var firstSubscription = topic.Subscribe(first);
        var secondSubscription = topic.Subscribe(second);

        var result = await topic.PublishAsync(Request("hello"));

        var a = Envelope(Assert.Single(await Drain(first)));
        var b = Envelope(Assert.Single(await Drain(second)));
        Assert.Equal(result.MessageId, a.GetProperty("MessageId").GetString());
        Assert.Equal(result.MessageId, b.GetProperty("MessageId").GetString());
        Assert.EndsWith(firstSubscription.Arn, a.GetProperty("UnsubscribeURL").GetString()!, StringComparison.Ordinal);
        Assert.EndsWith(secondSubscription.Arn, b.GetProperty("UnsubscribeURL").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_enveloped_delivery_carries_no_sqs_message_attributes()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue);

        await topic.PublishAsync(Request("hello", attributes: AllTypes()));

        Assert.Empty(Assert.Single(await Drain(queue)).MessageAttributes);
    }

    [Fact]
    public async Task Raw_delivery_sends_the_body_as_published_without_an_envelope()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        await topic.PublishAsync(Request("{\"Type\":\"not an envelope\"}", subject: "ignored"));

        Assert.Equal(["{\"Type\":\"not an envelope\"}"], await DrainBodies(queue));
    }

    [Fact]
    public async Task Raw_delivery_sends_the_attributes_as_sqs_message_attributes()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        await topic.PublishAsync(Request("hello", attributes: AllTypes()));

        var attributes = Assert.Single(await Drain(queue)).MessageAttributes;
        Assert.Equal(MessageAttributeValue.FromString("example_corp"), attributes["store"]);
        Assert.Equal(MessageAttributeValue.FromNumber("99.12"), attributes["price"]);
        Assert.Equal(MessageAttributeValue.FromBinary([0, 1, 2, 250, 255]), attributes["blob"]);
        Assert.Equal("[\"red\",\"green\"]", attributes["colours"].StringValue);
        Assert.Equal(4, attributes.Count);
    }

    [Fact]
    public async Task Raw_and_enveloped_subscribers_of_one_topic_each_get_their_format()
    {
        var topic = CreateTopic();
        var raw = CreateQueue("raw");
        var enveloped = CreateQueue("enveloped");
        topic.Subscribe(raw, new SubscriptionOptions { RawMessageDelivery = true });
        topic.Subscribe(enveloped);

        var result = await topic.PublishAsync(Request("hello"));

        Assert.Equal(["hello"], await DrainBodies(raw));
        Assert.Equal(result.MessageId, Envelope(Assert.Single(await Drain(enveloped))).GetProperty("MessageId").GetString());
    }

    [Fact]
    public async Task More_than_ten_attributes_reach_an_enveloped_subscriber_but_not_a_raw_one()
    {
        var topic = CreateTopic();
        var raw = CreateQueue("raw");
        var enveloped = CreateQueue("enveloped");
        topic.Subscribe(raw, new SubscriptionOptions { RawMessageDelivery = true });
        topic.Subscribe(enveloped);
        var eleven = Enumerable.Range(0, 11).ToDictionary(i => $"a{i}", i => MessageAttributeValue.FromString($"v{i}"));

        await topic.PublishAsync(Request("hello", attributes: eleven));

        Assert.Equal(11, Keys(Envelope(Assert.Single(await Drain(enveloped))).GetProperty("MessageAttributes")).Count);
        Assert.Empty(await Drain(raw));
    }
}

public sealed class StandardTopicEnvelopeTests : EnvelopeTests
{
    protected override IReadOnlyList<string> FullKeyOrder { get; } =
        ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"];

    protected override ITopic CreateTopic() => Broker.CreateTopic("orders");

    protected override IMessageQueue CreateQueue(string name) => Broker.CreateQueue(name);

    [Fact]
    public async Task A_standard_envelope_has_signature_version_1_a_signature_and_a_signing_certificate_url()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue);

        await topic.PublishAsync(Request("hello"));

        var envelope = Envelope(Assert.Single(await Drain(queue)));
        Assert.Equal("1", envelope.GetProperty("SignatureVersion").GetString());
        Assert.False(string.IsNullOrEmpty(envelope.GetProperty("Signature").GetString()));
        Assert.StartsWith("https://sns.us-east-1.amazonaws.com/", envelope.GetProperty("SigningCertURL").GetString(), StringComparison.Ordinal);
        Assert.EndsWith(".pem", envelope.GetProperty("SigningCertURL").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_raw_body_with_a_character_sqs_refuses_never_reaches_the_queue_though_an_envelope_carries_it()
    {
        var topic = CreateTopic();
        var raw = CreateQueue("raw");
        var enveloped = CreateQueue("enveloped");
        topic.Subscribe(raw, new SubscriptionOptions { RawMessageDelivery = true });
        topic.Subscribe(enveloped);

        await topic.PublishAsync(Request("bell \u0007"));

        Assert.Empty(await Drain(raw));
        Assert.Equal("bell \u0007", Envelope(Assert.Single(await Drain(enveloped))).GetProperty("Message").GetString());
    }

    [Fact]
    public async Task A_raw_delivery_is_sent_to_the_queue_at_the_time_of_the_publish()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });
        var publishedAt = Time.GetUtcNow();

        await topic.PublishAsync(Request("hello"));

        Assert.Equal(publishedAt, Assert.Single(await Drain(queue)).SentTimestamp);
    }

    [Fact]
    public async Task A_standard_envelope_has_no_sequence_number()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue);

        await topic.PublishAsync(Request("hello"));

        Assert.False(Envelope(Assert.Single(await Drain(queue))).TryGetProperty("SequenceNumber", out _));
    }
}

public sealed class FifoTopicEnvelopeTests : EnvelopeTests
{
    protected override IReadOnlyList<string> FullKeyOrder { get; } =
        ["Type", "MessageId", "SequenceNumber", "TopicArn", "Subject", "Message", "Timestamp", "UnsubscribeURL", "MessageAttributes"];

    protected override ITopic CreateTopic() => Broker.CreateTopic("orders.fifo", new TopicOptions { FifoTopic = true });

    protected override IMessageQueue CreateQueue(string name) => Broker.CreateQueue(name + ".fifo", new QueueOptions { FifoQueue = true });

    protected override PublishRequest Request(string body, string? subject = null, IReadOnlyDictionary<string, MessageAttributeValue>? attributes = null) =>
        new(body) { Subject = subject, MessageAttributes = attributes, MessageGroupId = "g", MessageDeduplicationId = NextId() };

    [Fact]
    public async Task A_fifo_envelope_carries_the_published_sequence_number()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue);

        var result = await topic.PublishAsync(Request("hello"));

        Assert.Equal(result.SequenceNumber, Envelope(Assert.Single(await Drain(queue))).GetProperty("SequenceNumber").GetString());
    }

    [Fact]
    public async Task Raw_delivery_from_a_fifo_topic_drops_the_sequence_number_and_metadata()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        await topic.PublishAsync(Request("plain body"));

        var message = Assert.Single(await Drain(queue));
        Assert.Equal("plain body", message.GetBodyAsString());
        Assert.Empty(message.MessageAttributes);
    }

    [Fact]
    public async Task A_fifo_queue_subscriber_receives_the_published_message_group()
    {
        var topic = CreateTopic();
        var queue = CreateQueue("inbox");
        topic.Subscribe(queue);

        await topic.PublishAsync(new PublishRequest("hello") { MessageGroupId = "customer-7", MessageDeduplicationId = "d1" });

        var message = Assert.Single(await Drain(queue));
        Assert.Equal("customer-7", message.Attributes[MessageSystemAttributeNames.MessageGroupId]);
    }
}
