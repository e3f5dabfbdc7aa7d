using System.Runtime.InteropServices;
using Broker.Queues;
using Broker.Queues.Internal;
using Broker.Topics;
using Broker.Topics.Internal;

namespace Broker.Tests.Topics;

/// <summary>
/// What a raw delivery to a standard queue costs the collector: queues share their publish's body and attributes, a
/// message with one attribute keeps it without an array, and a publish builds no throwaway enumerators or delivery
/// records.
/// </summary>
public sealed class RawDeliveryFootprintTests : TopicFixture
{
    private static PublishRequest WithCustomer(string body, string customer) => new(body)
    {
        MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["customer"] = MessageAttributeValue.FromString(customer) },
    };

    [Fact]
    public async Task A_raw_publish_gives_every_queue_the_same_body_array_holding_that_body_alone()
    {
        // One array per publish, shared by its queues without a copy, and holding no other publish: a queue that falls
        // behind keeps its own messages' bodies alive and nothing of what the topic published to others.
        var topic = Broker.CreateTopic("orders");
        var first = Broker.CreateQueue("first");
        var second = Broker.CreateQueue("second");
        topic.Subscribe(first, new SubscriptionOptions { RawMessageDelivery = true });
        topic.Subscribe(second, new SubscriptionOptions { RawMessageDelivery = true });

        await topic.PublishAsync(Message("one"));
        await topic.PublishAsync(Message("two"));

        var inFirst = (await first.ReceiveAsync(TakeAll)).ToDictionary(static m => m.GetBodyAsString(), static m => Segment(m.Body));
        var inSecond = (await second.ReceiveAsync(TakeAll)).ToDictionary(static m => m.GetBodyAsString(), static m => Segment(m.Body));
        foreach (var body in new[] { "one", "two" })
        {
            Assert.Same(inFirst[body].Array, inSecond[body].Array);
            Assert.Equal((0, body.Length), (inFirst[body].Offset, inFirst[body].Array!.Length));
        }

        Assert.NotSame(inFirst["one"].Array, inFirst["two"].Array);

        static ArraySegment<byte> Segment(ReadOnlyMemory<byte> body) => MemoryMarshal.TryGetArray(body, out var segment) ? segment : default;
    }

    [Theory]
    [InlineData("plain ASCII ~\u007F")]
    [InlineData("caf\u00E9")] // not ASCII in its last character
    [InlineData("\U0001F600 first")]
    [InlineData("LONG")] // past the length narrowed without a check, ASCII
    [InlineData("LONG\u00E9")] // the same, not ASCII in its last character
    public async Task A_raw_publish_delivers_the_UTF8_of_its_message(string message)
    {
        message = message.Replace("LONG", new string('x', 1_500), StringComparison.Ordinal);
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        await topic.PublishAsync(new PublishRequest(message));

        var received = Assert.Single(await queue.ReceiveAsync(TakeAll));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(message), received.Body.ToArray());
        Assert.Equal(message, received.GetBodyAsString());
    }

    [Fact]
    public void A_publishs_attributes_in_name_order_are_kept_by_its_queue_messages_without_a_copy_and_others_are_sorted_into_one()
    {
        var inOrder = new SmallAttributeMap(new Dictionary<string, MessageAttributeValue>
        {
            ["a"] = MessageAttributeValue.FromString("1"),
            ["b"] = MessageAttributeValue.FromString("2"),
        });
        var outOfOrder = new SmallAttributeMap(new Dictionary<string, MessageAttributeValue>
        {
            ["b"] = MessageAttributeValue.FromString("2"),
            ["a"] = MessageAttributeValue.FromString("1"),
        });

        var kept = MessageValidation.BuildExtras(inOrder, groupId: null)!.AttributeArray();
        var sorted = MessageValidation.BuildExtras(outOfOrder, groupId: null)!.AttributeArray();

        Assert.Same(kept, inOrder.SortedByName());
        Assert.Equal(["a", "b"], kept.Select(static pair => pair.Key));
        Assert.Equal(["a", "b"], sorted.Select(static pair => pair.Key));
        Assert.Equal(["b", "a"], outOfOrder.Keys); // the map itself keeps the publisher's order
    }

    [Fact]
    public void A_message_with_one_attribute_keeps_it_in_its_extras_without_an_array()
    {
        var attribute = MessageAttributeValue.FromString("acme");
        var published = new SmallAttributeMap(new Dictionary<string, MessageAttributeValue> { ["tenant"] = attribute });
        var sent = new Dictionary<string, MessageAttributeValue> { ["tenant"] = attribute };
        MessageValidation.BuildExtras(sent, groupId: null);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var extras = MessageValidation.BuildExtras(sent, groupId: null)!;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 56 bytes, one object; with an array of its own it was 40 and 40.
        Assert.True(allocated <= 56, $"{allocated} bytes for a message's extras with one attribute");
        Assert.Equal(KeyValuePair.Create("tenant", attribute), Assert.Single(extras.Attributes.ToArray()));
        Assert.Equal(("tenant", attribute), (extras.AttributeArray()[0].Key, extras.AttributeArray()[0].Value));
        var fromTopic = MessageValidation.BuildExtras(published, groupId: null)!;
        Assert.Equal(extras.AttributesSize, fromTopic.AttributesSize);
        Assert.Equal(KeyValuePair.Create("tenant", attribute), Assert.Single(fromTopic.Attributes.ToArray()));

    }

    [Fact]
    public async Task A_raw_publish_with_an_attribute_to_one_queue_allocates_only_what_its_queue_keeps()
    {
        const int Count = 10_000;
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true, FilterPolicy = """{"customer":["c-1"]}""" });
        var request = WithCustomer("{\"order\":42,\"total\":99.5}", "c-1");
        await topic.PublishAsync(request);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Count; i++)
        {
            await topic.PublishAsync(request);
        }

        var each = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Count;

        // The body (56 bytes), the queue's message (56) and its extras holding the one attribute (56): about 170 bytes
        // and the queue's segments, all of it kept by the queue. No publish record is made for a raw delivery a standard
        // queue takes at once, nor a copy of the attributes: with them (120 bytes, and 24 and a 40-byte array) it came to
        // about 360; before, with the record's rare fields in it (168 bytes), to about 420; with a boxed enumerator for
        // the attributes' validation, another for their copy into the extras, a record for the prepared delivery and a
        // sorted array of their own, to 558.
        Assert.Equal(Count + 1, queue.GetAttributes().ApproximateNumberOfMessages);
        Assert.True(each <= 200, $"{each:F0} bytes allocated per raw publish");
    }

    [Fact]
    public async Task A_subscription_switched_to_raw_delivery_stops_its_publishes_allocating_a_publish_record()
    {
        // A topic notes whether any queue subscription delivers raw, and builds each publish's record up front when none
        // does; switching one to raw must lift that.
        const int Count = 10_000;
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        var subscription = topic.Subscribe(queue);
        var request = Message("{\"order\":42}");
        Assert.True(await AllocatedPerPublish() > 200); // an envelope keeps its publish's record

        subscription.SetOptions(new SubscriptionOptions { RawMessageDelivery = true });
        var each = await AllocatedPerPublish();

        // The body (40 bytes) and the queue's message (56), and the queue's segments.
        Assert.True(each <= 150, $"{each:F0} bytes allocated per raw publish");
        Assert.Equal(Count + 1, (await DrainBodies(queue)).Count(static body => body == "{\"order\":42}")); // the raw ones

        async Task<double> AllocatedPerPublish()
        {
            await topic.PublishAsync(request);
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Count; i++)
            {
                await topic.PublishAsync(request);
            }

            return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Count;
        }
    }
}
