using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Broker.Queues;
using Broker.Topics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Broker.Hosting.Tests.Subscribers;

public sealed class TopicSubscriberTests : TopicSubscriberFixture
{
    [Fact]
    public async Task Handler_receives_typed_messages_with_the_topic_as_source_and_each_is_counted()
    {
        var host = BuildHost();
        using var handled = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Broker", "broker.consumer.messages_handled");
        await host.StartAsync();

        var published = await Publish(new Order(7, "book"));
        await Probe.Handled.WaitForAsync(1);

        var invocation = Assert.Single(Probe.Invocations.Items);
        Assert.Equal(new Order(7, "book"), invocation.Message);
        Assert.Equal(TopicName, invocation.Context.Source);
        Assert.Equal(published.MessageId, invocation.Context.MessageId);
        Assert.Equal(1, invocation.Context.DeliveryAttempt);
        Assert.Equal(published.MessageId, invocation.Context.Notification?.MessageId);
        Assert.Null(invocation.Context.QueueMessage);
        await handled.WaitForMeasurementsAsync(1, TestHost.Bound);
        var measurement = Assert.Single(handled.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal(TopicName, measurement.Tags["consumer"]);
    }

    [Fact]
    public async Task Each_notification_gets_a_DI_scope_of_its_own()
    {
        await StartHost(configure: o => o.MaxConcurrency = 1);

        await Publish(new Order(1, "a"));
        await Publish(new Order(2, "b"));
        await Probe.Handled.WaitForAsync(2);

        var scopes = Probe.Invocations.Items.Select(i => i.Context.Services).ToList();
        Assert.NotSame(scopes[0], scopes[1]);
    }

    [Fact]
    public async Task Filter_policy_lets_only_matching_messages_reach_the_handler()
    {
        // One worker takes deliveries in publish order, so a matching "small" would be handled before "big".
        await StartHost("""{"size":["big"]}""", o => o.MaxConcurrency = 1);

        await Publish(new Order(1, "small"), new Dictionary<string, MessageAttributeValue> { ["size"] = MessageAttributeValue.FromString("small") });
        await Publish(new Order(2, "big"), new Dictionary<string, MessageAttributeValue> { ["size"] = MessageAttributeValue.FromString("big") });
        await Probe.Handled.WaitForAsync(1);

        Assert.Equal([new Order(2, "big")], Probe.Invocations.Items.Select(i => i.Message));
    }

    [Fact]
    public async Task Failing_handler_is_retried_by_the_delivery_policy_then_dead_lettered()
    {
        Probe.Behaviour = (_, _, _) => throw new InvalidOperationException("payment service down");
        var host = BuildHost(configure: o =>
        {
            o.DeliveryPolicy = new DeliveryPolicy { NumRetries = 2, NumNoDelayRetries = 2 };
            o.DeadLetterQueue = DeadLetterName;
        });
        using var failures = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Broker", "broker.consumer.handler_failures");
        await host.StartAsync();

        var published = await Publish(new Order(3, "book"));
        var dead = await ReceiveOne(DeadLetters);

        Assert.Equal([1, 2, 3], Probe.Invocations.Items.Select(i => i.Context.DeliveryAttempt));
        using var envelope = JsonDocument.Parse(dead.GetBodyAsString());
        Assert.Equal(published.MessageId, envelope.RootElement.GetProperty("MessageId").GetString());
        Assert.Contains("payment service down", dead.MessageAttributes["ErrorMessage"].StringValue, StringComparison.Ordinal);
        await failures.WaitForMeasurementsAsync(3, TestHost.Bound);
        Assert.Equal(3, failures.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Empty(Probe.Handled.Items);
    }

    [Fact]
    public async Task Undeserializable_message_is_counted_and_dead_lettered_without_calling_the_handler()
    {
        var host = BuildHost(configure: o =>
        {
            o.DeliveryPolicy = new DeliveryPolicy { NumRetries = 1, NumNoDelayRetries = 1 };
            o.DeadLetterQueue = DeadLetterName;
        });
        using var invalid = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Broker", "broker.consumer.deserialization_failures");
        await host.StartAsync();

        await Publish("this is not an order");
        var dead = await ReceiveOne(DeadLetters);

        using var envelope = JsonDocument.Parse(dead.GetBodyAsString());
        Assert.Equal("this is not an order", envelope.RootElement.GetProperty("Message").GetString());
        await invalid.WaitForMeasurementsAsync(2, TestHost.Bound);
        Assert.Equal(2, invalid.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(2, Logs.Count(304));
        Assert.Empty(Probe.Invocations.Items);
    }

    [Fact]
    public async Task Stop_unsubscribes_so_a_later_publish_reaches_nobody()
    {
        var host = await StartHost();
        await Publish(new Order(1, "before"));
        await Probe.Handled.WaitForAsync(1);
        Assert.Single(Topic.ListSubscriptions());

        await host.StopAsync().WaitAsync(TestHost.Bound);

        Assert.Empty(Topic.ListSubscriptions());
        var witness = Broker.CreateQueue("witness");
        Topic.Subscribe(witness);
        await Publish(new Order(2, "after"));
        await ReceiveOne(witness); // the publish happened, and fanned out to every subscription there is
        Assert.Equal([new Order(1, "before")], Probe.Invocations.Items.Select(i => i.Message));
    }

    [Fact]
    public async Task Stop_waits_for_running_invocations_to_finish_with_an_uncancelled_token()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tokenCancelledAtRelease = true;
        Probe.Behaviour = async (_, _, token) =>
        {
            await release.Task.WaitAsync(token);
            tokenCancelledAtRelease = token.IsCancellationRequested;
        };
        // Registered before the subscriber, so the host stops it after the subscriber's StopAsync returned.
        var after = new StopWitness(Probe);
        var host = await StartHost(before: services => services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(after));
        await Publish(new Order(1, "slow"));
        await Probe.Invocations.WaitForAsync(1);

        var stopping = host.StopAsync();
        await Logs.WaitForAsync(301).WaitAsync(TestHost.Bound); // unsubscribed, now waiting for the invocation
        Assert.False(stopping.IsCompleted);
        release.SetResult();
        await stopping.WaitAsync(TestHost.Bound);

        Assert.False(tokenCancelledAtRelease);
        Assert.Equal(1, after.HandledWhenStopped);
    }

    [Fact]
    public async Task Stop_cancels_running_invocations_when_the_host_token_fires()
    {
        var never = new TaskCompletionSource();
        Probe.Behaviour = (_, _, token) => never.Task.WaitAsync(token);
        var host = await StartHost();
        await Publish(new Order(1, "stuck"));
        await Probe.Invocations.WaitForAsync(1);

        using var shutdown = new CancellationTokenSource();
        var stopping = host.StopAsync(shutdown.Token);
        await Logs.WaitForAsync(301).WaitAsync(TestHost.Bound);
        await shutdown.CancelAsync();

        await Probe.Cancelled.WaitForAsync(1);
        await stopping.WaitAsync(TestHost.Bound);
        Assert.Empty(Probe.Handled.Items);
    }

    [Fact]
    public async Task Consumer_activity_continues_the_trace_of_a_published_traceparent()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Broker",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await StartHost();
        var producer = new Activity("test publish").SetIdFormat(ActivityIdFormat.W3C).Start();
        producer.Stop();
        Activity.Current = null;

        await Publish(new Order(1, "traced"), new Dictionary<string, MessageAttributeValue> { ["traceparent"] = MessageAttributeValue.FromString(producer.Id!) });
        await Probe.Handled.WaitForAsync(1);

        var seen = Assert.Single(Probe.Invocations.Items).Activity;
        Assert.NotNull(seen);
        Assert.Equal($"{TopicName} process", seen.Name);
        Assert.Equal(ActivityKind.Consumer, seen.Kind);
        Assert.Equal(producer.TraceId, seen.TraceId);
        Assert.Equal(producer.SpanId, seen.ParentSpanId);
    }

    [Fact]
    public async Task A_missing_topic_fails_the_host_start()
    {
        var host = TestHost.Build(Broker, Logs, services => services.AddSingleton(Probe).AddTopicSubscriber<Order, OrderHandler>("no-such-topic"));

        var error = await Assert.ThrowsAsync<BrokerException>(() => host.StartAsync());

        Assert.Equal(BrokerErrorCodes.NotFound, error.ErrorCode);
        host.Dispose();
    }

    [Fact]
    public void Invalid_options_are_rejected_at_registration_with_every_problem_named()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<OptionsValidationException>(() => services.AddTopicSubscriber<Order, OrderHandler>(TopicName, configure: o =>
        {
            o.MaxConcurrency = 0;
            o.DeadLetterQueue = " ";
        }));

        Assert.Collection(
            error.Failures,
            f => Assert.StartsWith("TopicSubscriber:orders:MaxConcurrency: 0 is out of range; use 1 to 1,000", f, StringComparison.Ordinal),
            f => Assert.StartsWith("TopicSubscriber:orders:DeadLetterQueue:", f, StringComparison.Ordinal));
        Assert.Empty(services);
    }

    /// <summary>A hosted service that notes how many messages were handled when the host stopped it.</summary>
    private sealed class StopWitness(TopicProbe probe) : Microsoft.Extensions.Hosting.IHostedService
    {
        public int HandledWhenStopped { get; private set; } = -1;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            HandledWhenStopped = probe.Handled.Count;
            return Task.CompletedTask;
        }
    }
}
