using Broker.Filtering;
using Broker.Queues;
using Broker.Topics;

namespace Broker.Tests.Topics;

/// <summary>
/// Filter policies seen through topics. The engine's own exhaustive tests live with the engine; these check that a topic
/// uses it: only matching messages are delivered, in both scopes, and policies change and validate as SNS's do.
/// These fail against the stub engine on the topics branch until the filter-engine branch is merged.
/// </summary>
public sealed class TopicFilteringTests : TopicFixture
{
    private const string ExampleCorp = "{\"store\":[\"example_corp\"]}";

    private static PublishRequest WithStore(string body, string? store) => new(body)
    {
        MessageAttributes = store is null ? null : new Dictionary<string, MessageAttributeValue> { ["store"] = MessageAttributeValue.FromString(store) },
    };

    [Fact]
    public async Task A_subscription_with_a_filter_policy_receives_only_matching_messages()
    {
        var topic = Broker.CreateTopic("t");
        var filtered = Broker.CreateQueue("filtered");
        var everything = Broker.CreateQueue("everything");
        topic.Subscribe(filtered, new SubscriptionOptions { FilterPolicy = ExampleCorp, RawMessageDelivery = true });
        topic.Subscribe(everything, new SubscriptionOptions { RawMessageDelivery = true });

        await topic.PublishAsync(WithStore("match", "example_corp"));
        await topic.PublishAsync(WithStore("other store", "other_corp"));
        await topic.PublishAsync(WithStore("no attributes", null));
        await topic.PublishAsync(new PublishRequest("other attribute")
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["brand"] = MessageAttributeValue.FromString("example_corp") },
        });

        Assert.Equal(["match"], await DrainBodies(filtered));
        Assert.Equal(4, (await DrainBodies(everything)).Count);
    }

    [Fact]
    public async Task A_handler_with_a_filter_policy_is_invoked_only_for_matching_messages()
    {
        var topic = Broker.CreateTopic("t");
        var filtered = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var probe = System.Threading.Channels.Channel.CreateUnbounded<string>();
        topic.Subscribe((n, _) => { filtered.Writer.TryWrite(n.Message); return ValueTask.CompletedTask; }, new SubscriptionOptions { FilterPolicy = ExampleCorp, MaxConcurrency = 1 });
        topic.Subscribe((n, _) => { probe.Writer.TryWrite(n.Message); return ValueTask.CompletedTask; }, new SubscriptionOptions { MaxConcurrency = 1 });

        await topic.PublishAsync(WithStore("skip", "other_corp"));
        await topic.PublishAsync(WithStore("match", "example_corp"));
        await topic.PublishAsync(WithStore("skip again", "other_corp"));
        await topic.PublishAsync(WithStore("last match", "example_corp"));

        Assert.Equal("match", await Next(filtered.Reader));
        Assert.Equal("last match", await Next(filtered.Reader));
        for (var i = 0; i < 4; i++)
        {
            await Next(probe.Reader);
        }
    }

    [Fact]
    public async Task A_message_body_scope_policy_matches_the_json_body_and_ignores_attributes()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(queue, new SubscriptionOptions { FilterPolicy = ExampleCorp, FilterPolicyScope = FilterPolicyScope.MessageBody, RawMessageDelivery = true });

        await topic.PublishAsync(WithStore("{\"store\":\"example_corp\",\"price\":10}", null));
        await topic.PublishAsync(WithStore("{\"store\":\"other_corp\"}", "example_corp"));
        await topic.PublishAsync(WithStore("not json", "example_corp"));
        await topic.PublishAsync(WithStore("\"example_corp\"", "example_corp"));

        Assert.Equal(["{\"store\":\"example_corp\",\"price\":10}"], await DrainBodies(queue));
    }

    [Fact]
    public async Task Changing_the_scope_to_message_body_makes_the_policy_match_the_body()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        var subscription = topic.Subscribe(queue, new SubscriptionOptions { FilterPolicy = ExampleCorp, RawMessageDelivery = true });
        await topic.PublishAsync(WithStore("{\"store\":\"example_corp\"}", null));

        subscription.SetAttribute("FilterPolicyScope", "MessageBody");
        await topic.PublishAsync(WithStore("{\"store\":\"example_corp\"}", null));

        Assert.Single(await DrainBodies(queue));
    }

    [Fact]
    public async Task Setting_the_filter_policy_to_empty_removes_it_and_every_message_is_delivered_again()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        var subscription = topic.Subscribe(queue, new SubscriptionOptions { FilterPolicy = ExampleCorp, RawMessageDelivery = true });
        await topic.PublishAsync(WithStore("filtered out", "other_corp"));
        Assert.Empty(await DrainBodies(queue));

        subscription.SetAttribute("FilterPolicy", "");
        await topic.PublishAsync(WithStore("now delivered", "other_corp"));
        await topic.PublishAsync(WithStore("also delivered", null));

        Assert.False(subscription.GetAttributes().ContainsKey("FilterPolicy"));
        Assert.Null(subscription.Options.FilterPolicy);
        Assert.Equal(["also delivered", "now delivered"], (await DrainBodies(queue)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Setting_a_filter_policy_later_filters_the_next_publish()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        var subscription = topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        subscription.SetAttribute("FilterPolicy", ExampleCorp);
        await topic.PublishAsync(WithStore("filtered out", "other_corp"));
        await topic.PublishAsync(WithStore("kept", "example_corp"));

        Assert.Equal(ExampleCorp, subscription.GetAttributes()["FilterPolicy"]);
        Assert.Equal(["kept"], await DrainBodies(queue));
    }

    [Theory]
    [InlineData("{\"store\":\"example_corp\"}")]
    [InlineData("{\"store\":[]}")]
    [InlineData("[\"example_corp\"]")]
    [InlineData("{\"a\":[1],\"b\":[1],\"c\":[1],\"d\":[1],\"e\":[1],\"f\":[1]}")]
    [InlineData("{\"store\":{\"nested\":[\"x\"]}}")]
    public void An_invalid_filter_policy_on_subscribe_is_rejected_with_sns_prefix(string policy)
    {
        var topic = Broker.CreateTopic("t");

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe(Broker.CreateQueue("q"), new SubscriptionOptions { FilterPolicy = policy }));

        Assert.StartsWith("Invalid parameter: Attributes Reason: FilterPolicy: ", error.Message, StringComparison.Ordinal);
        Assert.Empty(topic.ListSubscriptions());
    }

    [Fact]
    public void An_invalid_filter_policy_set_later_is_rejected_with_sns_prefix_and_keeps_the_old_policy()
    {
        var topic = Broker.CreateTopic("t");
        var subscription = topic.Subscribe(Broker.CreateQueue("q"), new SubscriptionOptions { FilterPolicy = ExampleCorp });

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => subscription.SetAttribute("FilterPolicy", "{\"store\":[]}"));

        Assert.StartsWith("Invalid parameter: FilterPolicy: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(ExampleCorp, subscription.GetAttributes()["FilterPolicy"]);
    }

    [Fact]
    public async Task Ten_subscriptions_with_distinct_policies_each_receive_exactly_their_messages()
    {
        var topic = Broker.CreateTopic("t");
        var queues = Enumerable.Range(0, 10).Select(i =>
        {
            var queue = Broker.CreateQueue($"q{i}");
            topic.Subscribe(queue, new SubscriptionOptions { FilterPolicy = $"{{\"tenant\":[\"t{i}\"]}}", RawMessageDelivery = true });
            return queue;
        }).ToArray();

        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 10; i++)
            {
                for (var copy = 0; copy <= i % 3; copy++)
                {
                    await topic.PublishAsync(new PublishRequest($"t{i}/{round}/{copy}")
                    {
                        MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["tenant"] = MessageAttributeValue.FromString($"t{i}") },
                    });
                }
            }
        }

        await topic.PublishAsync(new PublishRequest("nobody's")
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["tenant"] = MessageAttributeValue.FromString("t10") },
        });

        for (var i = 0; i < 10; i++)
        {
            var bodies = await DrainBodies(queues[i]);
            Assert.Equal(3 * ((i % 3) + 1), bodies.Count);
            Assert.All(bodies, b => Assert.StartsWith($"t{i}/", b, StringComparison.Ordinal));
        }
    }
}
