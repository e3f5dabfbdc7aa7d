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

    public static TheoryData<string> CaseInsensitiveDictionaries => ["Dictionary", "SortedDictionary"];

    [Theory]
    [MemberData(nameof(CaseInsensitiveDictionaries))]
    public async Task Policies_look_attribute_names_up_ordinally_whatever_comparer_the_publishers_dictionary_has(string kind)
    {
        // A raw delivery reads a publisher's plain dictionary in place; one that may not compare names ordinally is copied
        // first, so that "Customer" never passes for "customer".
        var topic = Broker.CreateTopic("orders");
        var lower = Broker.CreateQueue("lower");
        var upper = Broker.CreateQueue("upper");
        topic.Subscribe(lower, new SubscriptionOptions { RawMessageDelivery = true, FilterPolicy = """{"customer":["acme"]}""" });
        topic.Subscribe(upper, new SubscriptionOptions { RawMessageDelivery = true, FilterPolicy = """{"Customer":["acme"]}""" });
        IDictionary<string, MessageAttributeValue> attributes = kind == "Dictionary"
            ? new Dictionary<string, MessageAttributeValue>(StringComparer.OrdinalIgnoreCase)
            : new SortedDictionary<string, MessageAttributeValue>(StringComparer.OrdinalIgnoreCase);
        attributes["Customer"] = MessageAttributeValue.FromString("acme");

        // As many attributes as the policies name keys, or more: the index then looks each key up in the attributes.
        attributes["region"] = MessageAttributeValue.FromString("eu");
        attributes["tier"] = MessageAttributeValue.FromString("gold");

        await topic.PublishAsync(new PublishRequest("order") { MessageAttributes = (IReadOnlyDictionary<string, MessageAttributeValue>)attributes });

        Assert.Empty(await Drain(lower));
        var delivered = Assert.Single(await Drain(upper));
        Assert.Equal("acme", delivered.MessageAttributes["Customer"].StringValue);
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
