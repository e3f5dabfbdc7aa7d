using Broker.Hosting.Internal;
using Broker.Queues;
using Broker.Streams;
using Broker.Topics;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Hosting.Tests.Registration;

/// <summary>Resources declared in a configuration section with <c>AddBroker(configuration)</c>.</summary>
public sealed class ConfigurationRegistrationTests
{
    private const string AppSettings = """
        { "Broker": {
            "Region": "eu-west-1", "AccountId": "123456789012",
            "Queues":  { "orders": { "VisibilityTimeout": "00:02:00", "DelaySeconds": 5, "FifoQueue": false,
                                     "RedrivePolicy": { "DeadLetterTarget": "orders-dlq", "MaxReceiveCount": 5 } },
                         "orders-dlq": {} },
            "Topics":  { "video-uploaded": { "FifoTopic": false,
                         "Subscriptions": [ { "Queue": "transcode-720p", "FilterPolicy": "{\"resolution\":[\"720p\"]}", "RawMessageDelivery": true } ] } },
            "Streams": { "clicks": { "ShardCount": 4, "RetentionPeriod": "2.00:00:00" } } } }
        """;

    [Fact]
    public void Queue_from_json_has_its_settings_and_its_dead_letter_queue_declared_after_it()
    {
        using var provider = Provider(AppSettings, b => b.AddQueue("transcode-720p"));

        var queue = provider.GetRequiredKeyedService<IMessageQueue>("orders");
        var options = queue.GetAttributes().Options;

        Assert.Equal("arn:aws:sqs:eu-west-1:123456789012:orders", queue.Arn);
        Assert.Equal(TimeSpan.FromMinutes(2), options.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Delay);
        Assert.Equal(new RedrivePolicy("orders-dlq", 5), options.RedrivePolicy);
    }

    [Fact]
    public async Task Topic_from_json_delivers_matching_messages_raw_to_its_subscribed_queue()
    {
        using var provider = Provider(AppSettings, b => b.AddQueue("transcode-720p"));
        var topic = provider.GetRequiredKeyedService<ITopic>("video-uploaded");
        var queue = provider.GetRequiredKeyedService<IMessageQueue>("transcode-720p");

        await topic.PublishAsync(new PublishRequest("hd") { MessageAttributes = Resolution("1080p") });
        await topic.PublishAsync(new PublishRequest("sd") { MessageAttributes = Resolution("720p") });

        var received = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.Zero });
        Assert.Equal("sd", Assert.Single(received).GetBodyAsString());
    }

    [Fact]
    public void Stream_from_json_has_its_shard_count_and_retention()
    {
        using var provider = Provider(AppSettings, b => b.AddQueue("transcode-720p"));

        var description = provider.GetRequiredKeyedService<IDataStream>("clicks").Describe();

        Assert.Equal(4, description.OpenShardCount);
        Assert.Equal(TimeSpan.FromDays(2), description.RetentionPeriod);
    }

    [Fact]
    public void Queue_durations_are_also_read_as_seconds_under_their_sqs_names()
    {
        using var provider = Provider("""
            { "Broker": { "Queues": { "jobs": { "VisibilityTimeout": 120, "DelaySeconds": 7, "MessageRetentionPeriod": 3600,
                                                "ReceiveMessageWaitTimeSeconds": 20 } } } }
            """);

        var options = provider.GetRequiredKeyedService<IMessageQueue>("jobs").GetAttributes().Options;

        Assert.Equal(TimeSpan.FromSeconds(120), options.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), options.Delay);
        Assert.Equal(TimeSpan.FromHours(1), options.MessageRetentionPeriod);
        Assert.Equal(TimeSpan.FromSeconds(20), options.ReceiveMessageWaitTime);
    }

    [Fact]
    public void Keys_are_read_whatever_their_case()
    {
        using var provider = Provider("""
            { "Broker": { "queues": { "jobs": { "visibilitytimeout": "00:01:00", "REDRIVEPOLICY": { "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:jobs-dlq", "maxReceiveCount": 2 } },
                                      "jobs-dlq": {} } } }
            """);

        var options = provider.GetRequiredKeyedService<IMessageQueue>("jobs").GetAttributes().Options;

        Assert.Equal(TimeSpan.FromMinutes(1), options.VisibilityTimeout);
        Assert.Equal(2, options.RedrivePolicy?.MaxReceiveCount);
    }

    [Fact]
    public async Task Filter_policy_written_as_a_nested_section_filters_like_its_json()
    {
        using var provider = Provider("""
            { "Broker": {
                "Queues": { "big-orders": {} },
                "Topics": { "orders": { "Subscriptions": [ { "Queue": "big-orders", "RawMessageDelivery": true,
                    "FilterPolicy": { "region": [ "eu" ], "amount": [ { "numeric": [ ">=", 100 ] } ] } } ] } } } }
            """);
        var topic = provider.GetRequiredKeyedService<ITopic>("orders");
        var queue = provider.GetRequiredKeyedService<IMessageQueue>("big-orders");

        await topic.PublishAsync(Order("small", "eu", 99));
        await topic.PublishAsync(Order("elsewhere", "us", 500));
        await topic.PublishAsync(Order("big", "eu", 100));

        var received = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.Zero });
        Assert.Equal("big", Assert.Single(received).GetBodyAsString());

        static PublishRequest Order(string body, string region, long amount) => new(body)
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["region"] = MessageAttributeValue.FromString(region),
                ["amount"] = MessageAttributeValue.FromNumber(amount),
            },
        };
    }

    [Fact]
    public void In_memory_pairs_declare_queues_with_defaults_and_subscriptions_by_queue_name()
    {
        using var provider = new ServiceCollection()
            .AddBroker(TestConfiguration.Pairs(
                ("Queues:audit", null),
                ("Topics:events:Subscriptions:0", "audit"),
                ("Streams:clicks:RetentionPeriodHours", "48")))
            .BuildServiceProvider();

        var topic = provider.GetRequiredKeyedService<ITopic>("events");

        Assert.Equal(provider.GetRequiredKeyedService<IMessageQueue>("audit").Arn, Assert.Single(topic.ListSubscriptions()).Endpoint);
        Assert.Equal(new QueueOptions(), provider.GetRequiredKeyedService<IMessageQueue>("audit").GetAttributes().Options);
        Assert.Equal(TimeSpan.FromHours(48), provider.GetRequiredKeyedService<IDataStream>("clicks").Describe().RetentionPeriod);
    }

    [Fact]
    public void Code_after_configuration_changes_what_configuration_declared()
    {
        using var provider = Provider(
            """{ "Broker": { "Queues": { "jobs": { "VisibilityTimeout": "00:01:00" } } } }""",
            b => b.AddQueue("jobs", q => q with { Delay = TimeSpan.FromSeconds(3) }));

        var options = provider.GetRequiredKeyedService<IMessageQueue>("jobs").GetAttributes().Options;

        Assert.Equal(TimeSpan.FromMinutes(1), options.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Delay);
    }

    [Fact]
    public void Subscription_delivery_and_redrive_policies_are_read()
    {
        using var provider = Provider("""
            { "Broker": { "Queues": { "audit": {}, "audit-dlq": {} },
                "Topics": { "events": { "Subscriptions": [ { "Queue": "audit",
                    "RedrivePolicy": { "DeadLetterTarget": "audit-dlq" },
                    "DeliveryPolicy": { "NumRetries": 2, "MinDelayTarget": 1, "MaxDelayTarget": "00:00:05", "BackoffFunction": "exponential" } } ] } } } }
            """);

        var subscription = Assert.Single(provider.GetRequiredKeyedService<ITopic>("events").ListSubscriptions());

        Assert.Equal(new SubscriptionRedrivePolicy("audit-dlq"), subscription.Options.RedrivePolicy);
        Assert.Equal(
            new DeliveryPolicy { NumRetries = 2, MinDelayTarget = TimeSpan.FromSeconds(1), MaxDelayTarget = TimeSpan.FromSeconds(5), BackoffFunction = BackoffFunction.Exponential },
            subscription.Options.DeliveryPolicy);
    }

    private static Dictionary<string, MessageAttributeValue> Resolution(string resolution) =>
        new() { ["resolution"] = MessageAttributeValue.FromString(resolution) };

    private static ServiceProvider Provider(string json, Action<BrokerBuilder>? configure = null)
    {
        var provider = new ServiceCollection().AddBroker(TestConfiguration.Json(json), configure).BuildServiceProvider();
        _ = provider.GetRequiredService<BrokerRuntime>();
        return provider;
    }
}
