using Broker.Topics;

namespace Broker.Tests.Topics;

public sealed class TopicLifecycleTests : TopicFixture
{
    private static readonly TopicOptions Fifo = new() { FifoTopic = true };

    [Fact]
    public void A_standard_topic_has_its_name_and_an_sns_arn()
    {
        var topic = Broker.CreateTopic("orders");

        Assert.Equal("orders", topic.Name);
        Assert.Equal("arn:aws:sns:us-east-1:000000000000:orders", topic.Arn);
        Assert.False(topic.Options.FifoTopic);
    }

    [Fact]
    public void A_fifo_topic_needs_the_fifo_suffix_and_the_fifo_topic_option()
    {
        var topic = Broker.CreateTopic("orders.fifo", Fifo);

        Assert.True(topic.Options.FifoTopic);
        Assert.Equal("arn:aws:sns:us-east-1:000000000000:orders.fifo", topic.Arn);
    }

    [Fact]
    public void A_fifo_topic_without_the_fifo_suffix_is_rejected_with_sns_message()
    {
        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => Broker.CreateTopic("orders", Fifo));

        Assert.Equal(
            "Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.",
            error.Message);
    }

    [Fact]
    public void A_name_ending_in_fifo_without_the_fifo_topic_option_is_rejected()
    {
        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => Broker.CreateTopic("orders.fifo"));

        Assert.StartsWith("Invalid parameter: Topic Name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("has.dot")]
    [InlineData("has/slash")]
    [InlineData("ünicode")]
    public void A_standard_topic_name_outside_letters_digits_hyphen_and_underscore_is_rejected(string name)
    {
        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => Broker.CreateTopic(name));

        Assert.StartsWith("Invalid parameter: Topic Name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_topic_name_may_have_256_characters_but_not_257()
    {
        Broker.CreateTopic(new string('a', 256));
        Broker.CreateTopic("Az09-_");

        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => Broker.CreateTopic(new string('a', 257)));
    }

    [Fact]
    public void A_fifo_topic_name_counts_the_suffix_in_its_256_characters()
    {
        Broker.CreateTopic(new string('a', 251) + ".fifo", Fifo);

        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => Broker.CreateTopic(new string('a', 252) + ".fifo", Fifo));
        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => Broker.CreateTopic(".fifo", Fifo));
    }

    [Fact]
    public void Creating_a_topic_again_with_equal_options_returns_the_same_topic()
    {
        var first = Broker.CreateTopic("orders.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true, DisplayName = "Orders" });
        var second = Broker.CreateTopic("orders.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true, DisplayName = "Orders" });

        Assert.Same(first, second);
        Assert.Single(Broker.ListTopics());
    }

    [Fact]
    public void Creating_a_topic_again_with_default_options_returns_the_same_topic()
    {
        Assert.Same(Broker.CreateTopic("orders"), Broker.CreateTopic("orders", new TopicOptions()));
    }

    [Theory]
    [InlineData(true, false, "Orders")]
    [InlineData(false, true, "Orders")]
    [InlineData(false, false, "Other")]
    public void Creating_a_topic_again_with_different_options_is_rejected_with_sns_message(bool contentBased, bool scopeByGroup, string displayName)
    {
        Broker.CreateTopic("orders.fifo", new TopicOptions { FifoTopic = true, DisplayName = "Orders" });

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => Broker.CreateTopic("orders.fifo", new TopicOptions
        {
            FifoTopic = true,
            ContentBasedDeduplication = contentBased,
            FifoThroughputScope = scopeByGroup ? FifoThroughputScope.MessageGroup : FifoThroughputScope.Topic,
            DisplayName = displayName,
        }));

        Assert.Equal("Invalid parameter: Attributes Reason: Topic already exists with different attributes", error.Message);
    }

    [Fact]
    public void Content_based_deduplication_on_a_standard_topic_is_rejected()
    {
        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => Broker.CreateTopic("orders", new TopicOptions { ContentBasedDeduplication = true }));

        Assert.Empty(Broker.ListTopics());
    }

    [Fact]
    public void A_display_name_over_100_characters_is_rejected()
    {
        Broker.CreateTopic("ok", new TopicOptions { DisplayName = new string('d', 100) });

        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => Broker.CreateTopic("long", new TopicOptions { DisplayName = new string('d', 101) }));
    }

    [Fact]
    public void A_topic_is_found_by_name_and_by_arn()
    {
        var topic = Broker.CreateTopic("orders");

        Assert.Same(topic, Broker.GetTopic("orders"));
        Assert.Same(topic, Broker.GetTopic("arn:aws:sns:us-east-1:000000000000:orders"));
        Assert.True(Broker.TryGetTopic(topic.Arn, out var found));
        Assert.Same(topic, found);
    }

    [Fact]
    public void A_missing_topic_or_an_arn_of_another_account_is_not_found()
    {
        Broker.CreateTopic("orders");

        ThrowsBroker(BrokerErrorCodes.NotFound, () => Broker.GetTopic("missing"));
        ThrowsBroker(BrokerErrorCodes.NotFound, () => Broker.GetTopic("arn:aws:sns:us-east-1:111111111111:orders"));
        ThrowsBroker(BrokerErrorCodes.NotFound, () => Broker.GetTopic("arn:aws:sns:eu-west-1:000000000000:orders"));
        Assert.False(Broker.TryGetTopic("missing", out _));
    }

    [Fact]
    public void Topics_are_listed_in_ordinal_order_of_name()
    {
        Broker.CreateTopic("b");
        Broker.CreateTopic("a");
        Broker.CreateTopic("B");
        Broker.CreateTopic("a-1");

        Assert.Equal(["B", "a", "a-1", "b"], Broker.ListTopics().Select(t => t.Name));
    }

    [Fact]
    public void Deleting_a_missing_topic_does_nothing()
    {
        Broker.CreateTopic("kept");

        Broker.DeleteTopic("missing");
        Broker.DeleteTopic("arn:aws:sns:us-east-1:000000000000:missing");

        Assert.Single(Broker.ListTopics());
    }

    [Fact]
    public async Task Publishing_to_a_deleted_topic_is_not_found()
    {
        var topic = Broker.CreateTopic("orders");

        Broker.DeleteTopic("orders");

        await PublishFails(topic, Message("late"), BrokerErrorCodes.NotFound);
        ThrowsBroker(BrokerErrorCodes.NotFound, () => Broker.GetTopic("orders"));
        Assert.Empty(Broker.ListTopics());
    }

    [Fact]
    public async Task Deleting_a_topic_by_arn_deletes_it()
    {
        var topic = Broker.CreateTopic("orders");

        Broker.DeleteTopic(topic.Arn);

        Assert.False(Broker.TryGetTopic("orders", out _));
        await PublishFails(topic, Message("late"), BrokerErrorCodes.NotFound);
    }

    [Fact]
    public async Task Deleting_a_topic_deletes_its_subscriptions()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        var subscription = topic.Subscribe(queue);

        Broker.DeleteTopic("orders");

        Assert.Empty(topic.ListSubscriptions());
        ThrowsBroker(BrokerErrorCodes.NotFound, () => subscription.SetAttribute("RawMessageDelivery", "true"));
        ThrowsBroker(BrokerErrorCodes.NotFound, () => topic.Subscribe(Broker.CreateQueue("other")));

        var recreated = Broker.CreateTopic("orders");
        Assert.NotSame(topic, recreated);
        Assert.Empty(recreated.ListSubscriptions());
        await recreated.PublishAsync(Message("after"));
        Assert.Empty(await DrainBodies(queue));
    }

    [Fact]
    public void A_standard_topic_reports_its_arn_and_subscription_counts()
    {
        var topic = Broker.CreateTopic("orders", new TopicOptions { DisplayName = "Orders" });
        var first = topic.Subscribe(Broker.CreateQueue("a"));
        topic.Subscribe(Broker.CreateQueue("b"));
        topic.Subscribe((_, _) => ValueTask.CompletedTask);

        first.Unsubscribe();
        var attributes = topic.GetAttributes();

        Assert.Equal(topic.Arn, attributes["TopicArn"]);
        Assert.Equal("000000000000", attributes["Owner"]);
        Assert.Equal("Orders", attributes["DisplayName"]);
        Assert.Equal("2", attributes["SubscriptionsConfirmed"]);
        Assert.Equal("0", attributes["SubscriptionsPending"]);
        Assert.Equal("1", attributes["SubscriptionsDeleted"]);
        Assert.False(attributes.ContainsKey("FifoTopic"));
        Assert.False(attributes.ContainsKey("ContentBasedDeduplication"));
    }

    [Fact]
    public void Unsubscribing_twice_counts_one_deleted_subscription()
    {
        var topic = Broker.CreateTopic("orders");
        var subscription = topic.Subscribe(Broker.CreateQueue("a"));

        subscription.Unsubscribe();
        subscription.Unsubscribe();

        Assert.Equal("0", topic.GetAttributes()["SubscriptionsConfirmed"]);
        Assert.Equal("1", topic.GetAttributes()["SubscriptionsDeleted"]);
    }

    [Fact]
    public void A_fifo_topic_reports_its_fifo_attributes()
    {
        var plain = Broker.CreateTopic("plain.fifo", Fifo);
        var tuned = Broker.CreateTopic("tuned.fifo", new TopicOptions
        {
            FifoTopic = true,
            ContentBasedDeduplication = true,
            FifoThroughputScope = FifoThroughputScope.MessageGroup,
        });

        Assert.Equal("true", plain.GetAttributes()["FifoTopic"]);
        Assert.Equal("false", plain.GetAttributes()["ContentBasedDeduplication"]);
        Assert.Equal("Topic", plain.GetAttributes()["FifoThroughputScope"]);
        Assert.Equal("true", tuned.GetAttributes()["ContentBasedDeduplication"]);
        Assert.Equal("MessageGroup", tuned.GetAttributes()["FifoThroughputScope"]);
    }
}
