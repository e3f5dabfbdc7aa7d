using Broker.Queues;
using Broker.Topics;
using Broker.Topics.Internal;

namespace Broker.Tests.Topics;

/// <summary>
/// A publish keeps its own copy of its message attributes: a small map for a few, a dictionary for more. Both are read by
/// filter policies and delivered as published, whatever the publisher does with its dictionary afterwards.
/// </summary>
public sealed class PublishedAttributesTests : TopicFixture
{
    [Fact]
    public void A_small_map_looks_keys_up_ordinally_and_enumerates_in_the_publishers_order()
    {
        var source = new Dictionary<string, MessageAttributeValue>
        {
            ["zeta"] = MessageAttributeValue.FromString("last"),
            ["Alpha"] = MessageAttributeValue.FromNumber("1"),
        };

        var map = new SmallAttributeMap(source);

        Assert.Equal(2, map.Count);
        Assert.Equal(["zeta", "Alpha"], map.Keys);
        Assert.Equal(["last", "1"], map.Values.Select(v => v.StringValue));
        Assert.Equal("1", map["Alpha"].StringValue);
        Assert.True(map.ContainsKey("zeta"));
        Assert.False(map.TryGetValue("alpha", out _)); // SNS attribute names are case-sensitive
        Assert.Throws<KeyNotFoundException>(() => map["missing"]);
        Assert.Equal(source.ToList(), map.ToList());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(SmallAttributeMap.MaxCount)]
    [InlineData(SmallAttributeMap.MaxCount + 2)]
    public async Task Attributes_are_filtered_and_delivered_as_published_even_if_the_publisher_changes_its_dictionary_afterwards(int count)
    {
        var topic = Broker.CreateTopic("orders");
        var matching = Broker.CreateQueue("matching");
        var other = Broker.CreateQueue("other");
        topic.Subscribe(matching, new SubscriptionOptions { RawMessageDelivery = true, FilterPolicy = $$"""{"a{{count - 1}}":["v{{count - 1}}"]}""" });
        topic.Subscribe(other, new SubscriptionOptions { RawMessageDelivery = true, FilterPolicy = """{"a0":["something else"]}""" });
        var attributes = Enumerable.Range(0, count).ToDictionary(i => $"a{i}", i => MessageAttributeValue.FromString($"v{i}"));

        await topic.PublishAsync(new PublishRequest("order") { MessageAttributes = attributes });
        attributes.Clear();
        attributes["a0"] = MessageAttributeValue.FromString("something else");

        var delivered = Assert.Single(await Drain(matching));
        Assert.Equal(count, delivered.MessageAttributes.Count);
        Assert.All(Enumerable.Range(0, count), i => Assert.Equal($"v{i}", delivered.MessageAttributes[$"a{i}"].StringValue));
        Assert.Empty(await Drain(other));
    }

    [Fact]
    public async Task A_message_with_fewer_attributes_than_the_topics_policies_name_matches_only_the_policies_on_its_attributes()
    {
        var topic = Broker.CreateTopic("orders");
        var queues = new[] { "color", "size", "shape" }.ToDictionary(name => name, name =>
        {
            var queue = Broker.CreateQueue(name);
            topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true, FilterPolicy = $$"""{"{{name}}":["L"]}""" });
            return queue;
        });

        await topic.PublishAsync(new PublishRequest("order") { MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["size"] = MessageAttributeValue.FromString("L") } });

        Assert.Equal("order", Assert.Single(await DrainBodies(queues["size"])));
        Assert.Empty(await Drain(queues["color"]));
        Assert.Empty(await Drain(queues["shape"]));
    }
}
