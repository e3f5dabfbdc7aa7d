using System.Text.Json;
using Broker.Filtering;
using Broker.Queues;
using Broker.Topics;

namespace Broker.Tests.Topics;

public sealed class SubscriptionAttributeTests : TopicFixture
{
    private (ITopic Topic, IMessageQueue Queue, ISubscription Subscription) Subscribed(SubscriptionOptions? options = null)
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        return (topic, queue, topic.Subscribe(queue, options));
    }

    [Fact]
    public void A_new_queue_subscription_reports_sns_attributes_with_their_defaults()
    {
        var (topic, queue, subscription) = Subscribed();

        var attributes = subscription.GetAttributes();

        Assert.Equal(subscription.Arn, attributes["SubscriptionArn"]);
        Assert.Equal(topic.Arn, attributes["TopicArn"]);
        Assert.Equal("sqs", attributes["Protocol"]);
        Assert.Equal(queue.Arn, attributes["Endpoint"]);
        Assert.Equal("000000000000", attributes["Owner"]);
        Assert.Equal("false", attributes["PendingConfirmation"]);
        Assert.Equal("true", attributes["ConfirmationWasAuthenticated"]);
        Assert.Equal("false", attributes["RawMessageDelivery"]);
        Assert.Equal("MessageAttributes", attributes["FilterPolicyScope"]);
        Assert.False(attributes.ContainsKey("FilterPolicy"));
        Assert.False(attributes.ContainsKey("RedrivePolicy"));
        Assert.False(attributes.ContainsKey("DeliveryPolicy"));
    }

    [Fact]
    public void A_handler_subscription_reports_protocol_lambda_and_its_endpoint()
    {
        var topic = Broker.CreateTopic("t");
        var subscription = topic.Subscribe((_, _) => ValueTask.CompletedTask);

        var attributes = subscription.GetAttributes();

        Assert.Equal("lambda", attributes["Protocol"]);
        Assert.Equal(subscription.Endpoint, attributes["Endpoint"]);
    }

    [Fact]
    public async Task Setting_raw_message_delivery_changes_the_format_of_the_next_publish()
    {
        var (topic, queue, subscription) = Subscribed();
        await topic.PublishAsync(Message("enveloped"));

        subscription.SetAttribute("RawMessageDelivery", "true");
        await topic.PublishAsync(Message("raw"));

        Assert.Equal("true", subscription.GetAttributes()["RawMessageDelivery"]);
        Assert.True(subscription.Options.RawMessageDelivery);
        var bodies = await DrainBodies(queue);
        Assert.Contains("raw", bodies);
        Assert.Contains(bodies, b => b.StartsWith("{\"Type\":\"Notification\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    [InlineData("")]
    public void An_invalid_raw_message_delivery_value_is_rejected_with_sns_message(string value)
    {
        var (_, _, subscription) = Subscribed();

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => subscription.SetAttribute("RawMessageDelivery", value));

        Assert.Equal($"Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [{value}]. Must be true or false.", error.Message);
        Assert.Equal("false", subscription.GetAttributes()["RawMessageDelivery"]);
    }

    [Fact]
    public void Setting_the_filter_policy_scope_to_message_body_is_reported()
    {
        var (_, _, subscription) = Subscribed();

        subscription.SetAttribute("FilterPolicyScope", "MessageBody");

        Assert.Equal("MessageBody", subscription.GetAttributes()["FilterPolicyScope"]);
        Assert.Equal(FilterPolicyScope.MessageBody, subscription.Options.FilterPolicyScope);
    }

    [Fact]
    public void An_invalid_filter_policy_scope_is_rejected_with_sns_message()
    {
        var (_, _, subscription) = Subscribed();

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => subscription.SetAttribute("FilterPolicyScope", "RandomValue"));

        Assert.Equal("Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or MessageAttributes", error.Message);
        Assert.Equal("MessageAttributes", subscription.GetAttributes()["FilterPolicyScope"]);
    }

    [Fact]
    public async Task Setting_a_redrive_policy_by_json_names_the_dead_letter_queue_and_uses_it()
    {
        var (topic, _, subscription) = Subscribed();
        var dlq = Broker.CreateQueue("dlq");

        subscription.SetAttribute("RedrivePolicy", $"{{\"deadLetterTargetArn\":\"{dlq.Arn}\"}}");

        using (var policy = JsonDocument.Parse(subscription.GetAttributes()["RedrivePolicy"]))
        {
            Assert.Equal(dlq.Arn, policy.RootElement.GetProperty("deadLetterTargetArn").GetString());
        }

        Broker.DeleteQueue("q");
        await topic.PublishAsync(Message("to the dlq"));
        Assert.Equal(["to the dlq"], await DrainEnvelopeMessages(dlq));
    }

    [Fact]
    public void A_redrive_policy_given_by_name_is_reported_as_an_arn()
    {
        Broker.CreateQueue("dlq");
        var (_, _, subscription) = Subscribed(new SubscriptionOptions { RedrivePolicy = new SubscriptionRedrivePolicy("dlq") });

        using var policy = JsonDocument.Parse(subscription.GetAttributes()["RedrivePolicy"]);

        Assert.Equal("arn:aws:sqs:us-east-1:000000000000:dlq", policy.RootElement.GetProperty("deadLetterTargetArn").GetString());
    }

    [Fact]
    public void A_redrive_policy_that_is_not_json_is_rejected_with_sns_message()
    {
        var (_, _, subscription) = Subscribed();

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => subscription.SetAttribute("RedrivePolicy", "{not json"));

        Assert.StartsWith("Invalid parameter: RedrivePolicy: failed to parse JSON. ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"deadLetterTargetArn\":\"not-an-arn\"}")]
    [InlineData("{\"deadLetterTargetArn\":\"arn:aws:sns:us-east-1:000000000000:topic\"}")]
    [InlineData("{\"deadLetterTargetArn\":42}")]
    [InlineData("{}")]
    public void A_redrive_policy_without_an_sqs_arn_is_rejected_with_sns_message(string json)
    {
        var (_, _, subscription) = Subscribed();

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => subscription.SetAttribute("RedrivePolicy", json));

        Assert.Equal("Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn", error.Message);
    }

    [Fact]
    public async Task Setting_an_empty_redrive_policy_removes_it()
    {
        var dlq = Broker.CreateQueue("dlq");
        var (topic, _, subscription) = Subscribed(new SubscriptionOptions { RedrivePolicy = new SubscriptionRedrivePolicy("dlq") });

        subscription.SetAttribute("RedrivePolicy", "");

        Assert.False(subscription.GetAttributes().ContainsKey("RedrivePolicy"));
        Assert.Null(subscription.Options.RedrivePolicy);
        Broker.DeleteQueue("q");
        await topic.PublishAsync(Message("dropped"));
        Assert.Empty(await Drain(dlq));
    }

    [Fact]
    public void A_delivery_policy_set_as_json_round_trips_through_the_attributes()
    {
        var (_, _, subscription) = Subscribed();
        const string Json = "{\"healthyRetryPolicy\":{\"minDelayTarget\":5,\"maxDelayTarget\":60,\"numRetries\":10,\"numNoDelayRetries\":1,\"numMinDelayRetries\":2,\"numMaxDelayRetries\":3,\"backoffFunction\":\"exponential\"}}";

        subscription.SetAttribute("DeliveryPolicy", Json);

        var expected = new DeliveryPolicy
        {
            MinDelayTarget = TimeSpan.FromSeconds(5),
            MaxDelayTarget = TimeSpan.FromSeconds(60),
            NumRetries = 10,
            NumNoDelayRetries = 1,
            NumMinDelayRetries = 2,
            NumMaxDelayRetries = 3,
            BackoffFunction = BackoffFunction.Exponential,
        };
        Assert.Equal(expected, subscription.Options.DeliveryPolicy);
        using var reported = JsonDocument.Parse(subscription.GetAttributes()["DeliveryPolicy"]);
        var healthy = reported.RootElement.GetProperty("healthyRetryPolicy");
        Assert.Equal(5, healthy.GetProperty("minDelayTarget").GetDouble());
        Assert.Equal(60, healthy.GetProperty("maxDelayTarget").GetDouble());
        Assert.Equal(10, healthy.GetProperty("numRetries").GetInt32());
        Assert.Equal(1, healthy.GetProperty("numNoDelayRetries").GetInt32());
        Assert.Equal(2, healthy.GetProperty("numMinDelayRetries").GetInt32());
        Assert.Equal(3, healthy.GetProperty("numMaxDelayRetries").GetInt32());
        Assert.Equal("exponential", healthy.GetProperty("backoffFunction").GetString());
    }

    [Fact]
    public void A_delivery_policy_given_in_options_is_reported_as_json_that_sets_the_same_policy()
    {
        var policy = new DeliveryPolicy { NumRetries = 7, NumNoDelayRetries = 2, MinDelayTarget = TimeSpan.FromSeconds(3), MaxDelayTarget = TimeSpan.FromSeconds(30), BackoffFunction = BackoffFunction.Geometric };
        var (topic, _, subscription) = Subscribed(new SubscriptionOptions { DeliveryPolicy = policy });
        var other = topic.Subscribe(Broker.CreateQueue("other"));

        other.SetAttribute("DeliveryPolicy", subscription.GetAttributes()["DeliveryPolicy"]);

        Assert.Equal(policy, other.Options.DeliveryPolicy);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"healthyRetryPolicy\":{\"numRetries\":-1}}")]
    [InlineData("{\"healthyRetryPolicy\":{\"minDelayTarget\":30,\"maxDelayTarget\":20}}")]
    [InlineData("{\"healthyRetryPolicy\":{\"backoffFunction\":\"cubic\"}}")]
    [InlineData("{\"healthyRetryPolicy\":{\"numRetries\":\"three\"}}")]
    public void An_invalid_delivery_policy_is_rejected_and_changes_nothing(string json)
    {
        var (_, _, subscription) = Subscribed();

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => subscription.SetAttribute("DeliveryPolicy", json));

        Assert.StartsWith("Invalid parameter: DeliveryPolicy: ", error.Message, StringComparison.Ordinal);
        Assert.Null(subscription.Options.DeliveryPolicy);
    }

    [Fact]
    public void Setting_an_empty_delivery_policy_restores_the_default()
    {
        var (_, _, subscription) = Subscribed(new SubscriptionOptions { DeliveryPolicy = ThreeRetries20SecondsApart });

        subscription.SetAttribute("DeliveryPolicy", "");

        Assert.Null(subscription.Options.DeliveryPolicy);
        Assert.False(subscription.GetAttributes().ContainsKey("DeliveryPolicy"));
    }

    [Theory]
    [InlineData("Endpoint")]
    [InlineData("Protocol")]
    [InlineData("rawMessageDelivery")]
    [InlineData("NoSuchAttribute")]
    public void An_attribute_that_cannot_be_set_is_rejected(string name)
    {
        var (_, _, subscription) = Subscribed();

        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => subscription.SetAttribute(name, "true"));
    }

    [Fact]
    public void Setting_an_attribute_of_an_unsubscribed_subscription_is_not_found()
    {
        var (_, _, subscription) = Subscribed();
        subscription.Unsubscribe();

        ThrowsBroker(BrokerErrorCodes.NotFound, () => subscription.SetAttribute("RawMessageDelivery", "true"));
        ThrowsBroker(BrokerErrorCodes.NotFound, () => subscription.SetOptions(new SubscriptionOptions()));
    }

    [Fact]
    public async Task Set_options_replaces_the_settings_as_a_whole_for_the_next_publish()
    {
        var (topic, queue, subscription) = Subscribed(new SubscriptionOptions { DeliveryPolicy = ThreeRetries20SecondsApart });

        subscription.SetOptions(new SubscriptionOptions { RawMessageDelivery = true });
        await topic.PublishAsync(Message("raw"));

        Assert.Null(subscription.Options.DeliveryPolicy);
        Assert.Equal(["raw"], await DrainBodies(queue));
    }

    [Fact]
    public void Set_options_with_an_invalid_setting_is_rejected_and_changes_nothing()
    {
        var (_, _, subscription) = Subscribed();

        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => subscription.SetOptions(new SubscriptionOptions { DeliveryPolicy = new DeliveryPolicy { NumRetries = -1 } }));

        Assert.Equal(new SubscriptionOptions(), subscription.Options);
    }

    [Fact]
    public void A_filter_policy_given_in_options_is_reported_as_given()
    {
        var (_, _, subscription) = Subscribed(new SubscriptionOptions { FilterPolicy = "{\"store\":[\"example_corp\"]}" });

        Assert.Equal("{\"store\":[\"example_corp\"]}", subscription.GetAttributes()["FilterPolicy"]);
    }
}
