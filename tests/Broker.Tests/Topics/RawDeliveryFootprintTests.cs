using System.Runtime.InteropServices;
using Broker.Queues;
using Broker.Queues.Internal;
using Broker.Topics;
using Broker.Topics.Internal;

namespace Broker.Tests.Topics;

/// <summary>
/// What a raw delivery to a standard queue costs the collector: publishes kept in a queue share their body pages and
/// their attribute arrays instead of an array each, and a publish builds no throwaway enumerators or delivery records.
/// </summary>
public sealed class RawDeliveryFootprintTests : TopicFixture
{
    private static PublishRequest WithCustomer(string body, string customer) => new(body)
    {
        MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["customer"] = MessageAttributeValue.FromString(customer) },
    };

    [Fact]
    public async Task Small_bodies_delivered_raw_share_the_topics_pages_and_a_large_one_gets_an_array_of_its_own()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });
        var large = new string('x', BodyArena.MaxPooledBody + 1);

        await topic.PublishAsync(Message("first"));
        await topic.PublishAsync(Message("second"));
        await topic.PublishAsync(Message(large));

        var received = await queue.ReceiveAsync(TakeAll);
        Assert.Equal(["first", "second", large], received.Select(static m => m.GetBodyAsString()).Order(StringComparer.Ordinal).ToArray());
        var segments = received.Select(static m => MemoryMarshal.TryGetArray(m.Body, out var segment) ? segment : default).ToArray();
        var small = segments.Where(static s => s.Count < BodyArena.MaxPooledBody).ToArray();
        Assert.Equal(2, small.Length);
        Assert.Same(small[0].Array, small[1].Array);
        Assert.NotEqual(small[0].Offset, small[1].Offset);
        var own = Assert.Single(segments, static s => s.Count > BodyArena.MaxPooledBody);
        Assert.Equal((0, own.Array!.Length), (own.Offset, own.Count));
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
        Assert.Equal(MessageDigests.Md5OfAttributes(new[] { KeyValuePair.Create("tenant", attribute) }), MessageDigests.Md5OfAttributes(extras.Attributes));
    }

    [Fact]
    public async Task A_raw_publish_with_an_attribute_to_one_queue_allocates_only_the_message_its_queue_keeps_and_the_publish_record()
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

        // The publish record (about 170 bytes) and its attribute map (24 and a 40-byte array); the queue's message (64),
        // its extras holding the one attribute (56) and its slice of a shared body page (26 here): about 380 bytes and
        // the queue's segments. A boxed enumerator for the attributes' validation, another for their copy into the
        // extras, a record for the prepared delivery, a sorted array of their own and a body array of its own came to 558.
        Assert.Equal(Count + 1, queue.GetAttributes().ApproximateNumberOfMessages);
        Assert.True(each <= 400, $"{each:F0} bytes allocated per raw publish");
    }
}
