using Broker.Queues;
using Broker.Topics;

namespace Broker.Tests.Topics;

public sealed class FifoTopicTests : TopicFixture
{
    private static readonly TimeSpan DeduplicationWindow = TimeSpan.FromMinutes(5);

    private ITopic CreateTopic(bool contentBased = false, FifoThroughputScope scope = FifoThroughputScope.Topic) =>
        Broker.CreateTopic("orders.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = contentBased, FifoThroughputScope = scope });

    private static PublishRequest InGroup(string body, string group, string? deduplicationId = null, IReadOnlyDictionary<string, MessageAttributeValue>? attributes = null) =>
        new(body) { MessageGroupId = group, MessageDeduplicationId = deduplicationId, MessageAttributes = attributes };

    /// <summary>A standard queue with raw delivery: it keeps every copy the topic delivers, so duplicates would show.</summary>
    private IMessageQueue RawStandardSubscriber(ITopic topic)
    {
        var queue = Broker.CreateQueue("copies");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });
        return queue;
    }

    [Fact]
    public async Task Sequence_numbers_have_20_digits_and_increase_in_publish_order_across_groups()
    {
        var topic = CreateTopic();
        var numbers = new List<string>();

        for (var i = 0; i < 30; i++)
        {
            numbers.Add((await topic.PublishAsync(InGroup($"m{i}", $"g{i % 3}", $"d{i}"))).SequenceNumber!);
        }

        Assert.All(numbers, n => Assert.Matches("^[0-9]{20}$", n));
        for (var i = 1; i < numbers.Count; i++)
        {
            Assert.True(string.CompareOrdinal(numbers[i - 1], numbers[i]) < 0, $"{numbers[i - 1]} then {numbers[i]}");
        }
    }

    [Fact]
    public async Task A_standard_topic_publish_has_no_sequence_number()
    {
        var topic = Broker.CreateTopic("plain");

        Assert.Null((await topic.PublishAsync(Message("m"))).SequenceNumber);
    }

    [Fact]
    public async Task A_fifo_queue_subscriber_receives_each_group_in_publish_order()
    {
        var topic = CreateTopic();
        var queue = Broker.CreateQueue("inbox.fifo", new QueueOptions { FifoQueue = true });
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        for (var i = 0; i < 30; i++)
        {
            await topic.PublishAsync(InGroup($"{i % 3}:{i}", $"g{i % 3}", $"d{i}"));
        }

        var received = await DrainBodies(queue);
        Assert.Equal(30, received.Count);
        foreach (var group in received.GroupBy(b => b.Split(':')[0]))
        {
            var positions = group.Select(b => int.Parse(b.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(positions.Order(), positions);
        }
    }

    [Fact]
    public async Task The_envelope_sequence_numbers_a_fifo_queue_receives_increase_within_each_group()
    {
        var topic = CreateTopic();
        var queue = Broker.CreateQueue("inbox.fifo", new QueueOptions { FifoQueue = true });
        topic.Subscribe(queue);
        var published = new List<PublishResult>();
        for (var i = 0; i < 10; i++)
        {
            published.Add(await topic.PublishAsync(InGroup($"m{i}", "g", $"d{i}")));
        }

        var envelopes = (await Drain(queue)).Select(Envelope).ToList();

        Assert.Equal(published.Select(p => p.MessageId), envelopes.Select(e => e.GetProperty("MessageId").GetString()));
        Assert.Equal(published.Select(p => p.SequenceNumber), envelopes.Select(e => e.GetProperty("SequenceNumber").GetString()));
    }

    [Fact]
    public async Task A_duplicate_within_five_minutes_is_accepted_returns_the_first_message_id_and_is_delivered_once()
    {
        var topic = CreateTopic();
        var queue = RawStandardSubscriber(topic);
        var first = await topic.PublishAsync(InGroup("first", "g", "same-id"));
        Time.Advance(DeduplicationWindow - TimeSpan.FromTicks(1));

        var duplicate = await topic.PublishAsync(InGroup("second", "g", "same-id"));

        Assert.Equal(first.MessageId, duplicate.MessageId);
        Assert.Equal(["first"], await DrainBodies(queue));
    }

    [Fact]
    public async Task A_deduplication_id_may_be_used_again_after_five_minutes()
    {
        var topic = CreateTopic();
        var queue = RawStandardSubscriber(topic);
        var first = await topic.PublishAsync(InGroup("first", "g", "same-id"));
        Time.Advance(DeduplicationWindow);

        var again = await topic.PublishAsync(InGroup("again", "g", "same-id"));

        Assert.NotEqual(first.MessageId, again.MessageId);
        Assert.Equal(["again", "first"], (await DrainBodies(queue)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Content_based_deduplication_hashes_the_body_only_and_ignores_attributes()
    {
        var topic = CreateTopic(contentBased: true);
        var queue = RawStandardSubscriber(topic);

        var first = await topic.PublishAsync(InGroup("same body", "g", attributes: new Dictionary<string, MessageAttributeValue> { ["a"] = MessageAttributeValue.FromString("1") }));
        var sameBody = await topic.PublishAsync(InGroup("same body", "g", attributes: new Dictionary<string, MessageAttributeValue> { ["a"] = MessageAttributeValue.FromString("2") }));
        var otherBody = await topic.PublishAsync(InGroup("other body", "g"));

        Assert.Equal(first.MessageId, sameBody.MessageId);
        Assert.NotEqual(first.MessageId, otherBody.MessageId);
        Assert.Equal(["other body", "same body"], (await DrainBodies(queue)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_explicit_deduplication_id_takes_precedence_over_content_based_deduplication()
    {
        var topic = CreateTopic(contentBased: true);
        var queue = RawStandardSubscriber(topic);

        await topic.PublishAsync(InGroup("same body", "g", "d1"));
        await topic.PublishAsync(InGroup("same body", "g", "d2"));

        Assert.Equal(2, (await DrainBodies(queue)).Count);
    }

    [Fact]
    public async Task With_topic_scope_a_deduplication_id_is_unique_across_groups()
    {
        var topic = CreateTopic(scope: FifoThroughputScope.Topic);
        var queue = RawStandardSubscriber(topic);

        await topic.PublishAsync(InGroup("in g1", "g1", "same-id"));
        await topic.PublishAsync(InGroup("in g2", "g2", "same-id"));

        Assert.Equal(["in g1"], await DrainBodies(queue));
    }

    [Fact]
    public async Task With_message_group_scope_a_deduplication_id_is_unique_only_within_its_group()
    {
        var topic = CreateTopic(scope: FifoThroughputScope.MessageGroup);
        var queue = RawStandardSubscriber(topic);

        var g1 = await topic.PublishAsync(InGroup("in g1", "g1", "same-id"));
        var g2 = await topic.PublishAsync(InGroup("in g2", "g2", "same-id"));
        var g1Again = await topic.PublishAsync(InGroup("in g1 again", "g1", "same-id"));

        Assert.NotEqual(g1.MessageId, g2.MessageId);
        Assert.Equal(g1.MessageId, g1Again.MessageId);
        Assert.Equal(["in g1", "in g2"], (await DrainBodies(queue)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task With_message_group_scope_content_based_deduplication_is_per_group()
    {
        var topic = CreateTopic(contentBased: true, scope: FifoThroughputScope.MessageGroup);
        var queue = RawStandardSubscriber(topic);

        await topic.PublishAsync(InGroup("same body", "g1"));
        await topic.PublishAsync(InGroup("same body", "g2"));
        await topic.PublishAsync(InGroup("same body", "g1"));

        Assert.Equal(2, (await DrainBodies(queue)).Count);
    }

    [Fact]
    public async Task A_duplicate_skipped_in_the_sequence_does_not_stall_later_deliveries()
    {
        var topic = CreateTopic();
        var queue = Broker.CreateQueue("inbox.fifo", new QueueOptions { FifoQueue = true });
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        await topic.PublishAsync(InGroup("a", "g", "d1"));
        await topic.PublishAsync(InGroup("a", "g", "d1"));
        await topic.PublishAsync(InGroup("b", "g", "d2"));
        await topic.PublishAsync(InGroup("c", "g", "d3"));

        Assert.Equal(["a", "b", "c"], await DrainBodies(queue));
    }

    [Fact]
    public async Task Content_based_deduplication_hashes_the_whole_message_of_a_json_structure()
    {
        // TopicOptions.ContentBasedDeduplication: "deduplicated by the SHA-256 of its message body"; with MessageStructure json
        // the body is the whole JSON document, so two publishes that differ only in their sqs entry are not duplicates.
        var topic = CreateTopic(contentBased: true);
        var queue = RawStandardSubscriber(topic);

        var first = await topic.PublishAsync(new PublishRequest("{\"default\":\"same\",\"sqs\":\"first\"}") { MessageStructure = "json", MessageGroupId = "g" });
        var second = await topic.PublishAsync(new PublishRequest("{\"default\":\"same\",\"sqs\":\"second\"}") { MessageStructure = "json", MessageGroupId = "g" });

        Assert.NotEqual(first.MessageId, second.MessageId);
        Assert.Equal(["first", "second"], (await DrainBodies(queue)).Order(StringComparer.Ordinal));
    }
}
