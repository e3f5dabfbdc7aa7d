using Broker.Hosting.Internal;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Broker.Hosting.Tests.Registration;

/// <summary>Every declaration problem is reported, with its path and what to do, in one exception.</summary>
public sealed class ValidationTests
{
    [Fact]
    public void Duration_that_is_not_a_TimeSpan_is_reported_with_its_path_and_format()
    {
        var failures = Failures("""{ "Broker": { "Queues": { "orders": { "VisibilityTimeout": "2 minutes" } } } }""");

        Assert.Equal(
            ["Broker:Queues:orders:VisibilityTimeout: '2 minutes' is not a TimeSpan; use hh:mm:ss, e.g. 00:02:00, or whole seconds, e.g. 120."],
            failures);
    }

    [Fact]
    public void Stream_retention_as_a_bare_number_is_not_taken_for_days()
    {
        var failures = Failures("""{ "Broker": { "Streams": { "clicks": { "RetentionPeriod": "48" } } } }""");

        Assert.Equal(
            ["Broker:Streams:clicks:RetentionPeriod: '48' is not a TimeSpan; use hh:mm:ss or d.hh:mm:ss, e.g. 1.00:00:00."],
            failures);
    }

    [Fact]
    public void Unknown_key_is_reported_with_a_suggestion_and_the_valid_keys()
    {
        var failure = Assert.Single(Failures("""{ "Broker": { "Queues": { "orders": { "VisiblityTimeout": 30 } } } }"""));

        Assert.StartsWith("Broker:Queues:orders:VisiblityTimeout: unknown setting 'VisiblityTimeout' (did you mean 'VisibilityTimeout'?); the settings here are FifoQueue, ", failure);
        Assert.Contains("RedrivePolicy", failure);
    }

    [Fact]
    public void Unknown_key_at_the_top_of_the_section_is_reported()
    {
        var failure = Assert.Single(Failures("""{ "Broker": { "Queue": { "orders": {} } } }"""));

        Assert.Equal(
            "Broker:Queue: unknown setting 'Queue' (did you mean 'Queues'?); the settings here are Region, AccountId, QueueDeletionCooldown, PurgeCooldown, Storage, Queues, Topics, Streams.",
            failure);
    }

    [Fact]
    public void Dead_letter_queue_that_is_neither_declared_nor_existing_is_reported()
    {
        var failures = Failures("""
            { "Broker": { "Queues": { "orders": { "RedrivePolicy": { "DeadLetterTarget": "orders-dql", "MaxReceiveCount": 5 } } } } }
            """);

        Assert.Equal(
            ["Broker:Queues:orders:RedrivePolicy:DeadLetterTarget: the dead-letter queue 'orders-dql' is not declared and does not exist; SQS needs it before 'orders'. Declare it (AddQueue(\"orders-dql\") or Queues:orders-dql) or fix the name."],
            failures);
    }

    [Fact]
    public void Dead_letter_queue_declared_in_code_is_reported_with_the_builder_call()
    {
        var failures = TestConfiguration.Failures(() => Resolve(new ServiceCollection()
            .AddBroker(b => b.AddQueue("orders", q => q with { RedrivePolicy = new RedrivePolicy("missing") }))));

        Assert.StartsWith("AddQueue(\"orders\") RedrivePolicy.DeadLetterTarget: the dead-letter queue 'missing' is not declared", Assert.Single(failures));
    }

    [Fact]
    public void Dead_letter_queue_that_exists_on_an_external_broker_need_not_be_declared()
    {
        using var broker = new MessageBroker();
        broker.CreateQueue("orders-dlq");
        using var provider = new ServiceCollection()
            .AddBroker(b => b.UseBroker(broker).AddQueue("orders", q => q with { RedrivePolicy = new RedrivePolicy("orders-dlq") }))
            .BuildServiceProvider();

        _ = provider.GetRequiredService<BrokerRuntime>();

        Assert.Equal(["orders"], broker.ListDeadLetterSourceQueues("orders-dlq").QueueNames);
    }

    [Fact]
    public void Dead_letter_cycle_is_reported_once_and_nothing_on_it_is_created()
    {
        using var broker = new MessageBroker();
        var failures = TestConfiguration.Failures(() => Resolve(new ServiceCollection()
            .AddBroker(b => b.UseBroker(broker)
                .AddQueue("a", q => q with { RedrivePolicy = new RedrivePolicy("b") })
                .AddQueue("b", q => q with { RedrivePolicy = new RedrivePolicy("a") }))));

        Assert.Equal(
            ["AddQueue(\"a\") RedrivePolicy.DeadLetterTarget: dead-letter queues form a cycle (a -> b -> a); a chain of dead-letter queues must end with a queue that has no RedrivePolicy."],
            failures);
        Assert.Empty(broker.ListQueues().QueueNames);
    }

    [Fact]
    public void Value_out_of_the_engines_range_is_reported_with_the_engines_error()
    {
        var failures = Failures("""{ "Broker": { "Queues": { "orders": { "VisibilityTimeout": "13:00:00" } } } }""");

        Assert.StartsWith("Broker:Queues:orders: InvalidAttributeValue: ", Assert.Single(failures));
    }

    [Fact]
    public void Subscription_to_a_queue_that_is_neither_declared_nor_existing_is_reported()
    {
        var failures = Failures("""{ "Broker": { "Topics": { "events": { "Subscriptions": [ { "Queue": "audti" } ] } } } }""");

        Assert.Equal(
            ["Broker:Topics:events:Subscriptions:0:Queue: the queue 'audti' is not declared and does not exist. Declare it (AddQueue(\"audti\") or Queues:audti) or fix the name."],
            failures);
    }

    [Fact]
    public void Several_problems_are_reported_together_without_follow_on_errors()
    {
        var failures = Failures("""
            { "Broker": {
                "Queues": { "orders": { "VisibilityTimeout": "soon", "RedrivePolicy": { "DeadLetterTarget": "orders-dlq" } },
                            "orders-dlq": { "FifoQueue": "maybe" },
                            "audit": { "MessageRetentionPeriod": 10 } },
                "Topics": { "events": { "Subscriptions": [ { "Queue": "orders" }, { "Queue": "audit", "Raw": true } ] } },
                "Streams": { "clicks": { "ShardCount": 0 } } } }
            """);

        Assert.Collection(
            failures,
            f => Assert.StartsWith("Broker:Queues:orders:VisibilityTimeout: 'soon' is not a TimeSpan", f),
            f => Assert.Equal("Broker:Queues:orders-dlq:FifoQueue: 'maybe' is not a boolean; use true or false.", f),
            f => Assert.StartsWith("Broker:Topics:events:Subscriptions:1:Raw: unknown setting 'Raw'", f),
            f => Assert.StartsWith("Broker:Queues:audit: InvalidAttributeValue: ", f),
            f => Assert.StartsWith("Broker:Streams:clicks: InvalidArgumentException: ", f));
    }

    [Fact]
    public void Code_declaration_rejected_by_the_engine_is_reported_with_its_builder_call()
    {
        var failures = TestConfiguration.Failures(() => Resolve(new ServiceCollection()
            .AddBroker(b => b.AddQueue("bad name!"))));

        Assert.StartsWith("AddQueue(\"bad name!\"): InvalidParameterValue: ", Assert.Single(failures));
    }

    [Fact]
    public void Two_keys_for_the_same_setting_are_reported()
    {
        var failures = Failures("""{ "Broker": { "Queues": { "orders": { "Delay": "00:00:05", "DelaySeconds": 5 } } } }""");

        Assert.Equal(["Broker:Queues:orders:DelaySeconds: sets the same thing as Delay; give one of them."], failures);
    }

    [Fact]
    public void Options_declared_for_an_external_broker_with_other_options_are_reported()
    {
        using var broker = new MessageBroker(new BrokerOptions { Region = "us-west-2" });
        var failures = TestConfiguration.Failures(() => Resolve(new ServiceCollection()
            .AddBroker(TestConfiguration.Pairs(("Region", "eu-west-1")), b => b.UseBroker(broker))));

        Assert.StartsWith("UseBroker: the broker was created with BrokerOptions { Region = us-west-2", Assert.Single(failures));
    }

    [Fact]
    public void Validation_exception_names_the_broker_options()
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(new ServiceCollection()
            .AddBroker(TestConfiguration.Pairs(("Queues:orders:FullMode", "Block")))));

        Assert.Equal("Broker", exception.OptionsName);
        Assert.Equal(typeof(BrokerOptions), exception.OptionsType);
        Assert.Equal("Broker:Queues:orders:FullMode: 'Block' is not one of Wait, Fail.", exception.Message);
    }

    private static IReadOnlyList<string> Failures(string json) =>
        TestConfiguration.Failures(() => Resolve(new ServiceCollection().AddBroker(TestConfiguration.Json(json))));

    private static void Resolve(IServiceCollection services)
    {
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<BrokerRuntime>();
    }
}
