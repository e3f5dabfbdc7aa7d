using Broker.Queues;
using Broker.Topics;

namespace Broker.Tests.Telemetry;

public sealed class TopicMetricsTests : TelemetryFixture
{
    private static PublishRequest Colored(string body, string color) =>
        new(body) { MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["color"] = MessageAttributeValue.FromString(color) } };

    private static KeyValuePair<string, object?>[] TagsOf(ITopic topic, ISubscription subscription) =>
        [Tag("topic", topic.Name), Tag("protocol", subscription.Protocol), Tag("endpoint", subscription.Endpoint)];

    [Fact]
    public async Task Publishes_count_each_accepted_message_tagged_with_the_topic()
    {
        var published = Collect<long>("broker.topic.messages_published");
        var topic = Broker.CreateTopic("uploads");

        await topic.PublishAsync(new PublishRequest("one"));
        var batch = await topic.PublishBatchAsync([new PublishBatchEntry("a", "two"), new PublishBatchEntry("b", ""), new PublishBatchEntry("c", "three")]);
        await ThrowsBroker(BrokerErrorCodes.InvalidParameter, async () => await topic.PublishAsync(new PublishRequest("")));

        Assert.Single(batch.Failed);
        Assert.Equal(3, Total(published, Tag("topic", "uploads")));
    }

    [Fact]
    public async Task A_fifo_duplicate_publish_is_accepted_and_counted_as_published()
    {
        var published = Collect<long>("broker.topic.messages_published");
        var topic = Broker.CreateTopic("uploads.fifo", new TopicOptions { FifoTopic = true });

        await topic.PublishAsync(new PublishRequest("m") { MessageGroupId = "g", MessageDeduplicationId = "d" });
        await topic.PublishAsync(new PublishRequest("m") { MessageGroupId = "g", MessageDeduplicationId = "d" });

        Assert.Equal(2, Total(published, Tag("topic", "uploads.fifo")));
    }

    [Fact]
    public async Task A_delivery_to_a_queue_counts_as_delivered_for_its_subscription_and_as_sent_to_the_queue()
    {
        var delivered = Collect<long>("broker.subscription.notifications_delivered");
        var sent = Collect<long>("broker.queue.messages_sent");
        var topic = Broker.CreateTopic("uploads");
        var first = topic.Subscribe(Broker.CreateQueue("first"));
        var second = topic.Subscribe(Broker.CreateQueue("second"), new SubscriptionOptions { RawMessageDelivery = true });

        await topic.PublishAsync(new PublishRequest("m"));
        await topic.PublishAsync(new PublishRequest("n"));

        Assert.Equal("sqs", first.Protocol);
        Assert.Equal(2, Total(delivered, TagsOf(topic, first)));
        Assert.Equal(2, Total(delivered, TagsOf(topic, second)));
        Assert.Equal(2, Total(sent, Tag("queue", "first")));
    }

    [Fact]
    public async Task A_handler_delivery_counts_as_delivered_once_the_handler_returns()
    {
        var delivered = Collect<long>("broker.subscription.notifications_delivered");
        var topic = Broker.CreateTopic("uploads");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = topic.Subscribe(async (_, _) =>
        {
            started.TrySetResult();
            await release.Task;
        });

        await topic.PublishAsync(new PublishRequest("m"));
        await started.Task.WaitAsync(Bound);
        Assert.Equal(0, Total(delivered));
        release.SetResult();

        await delivered.WaitForMeasurementsAsync(1, Bound);
        Assert.Equal("lambda", subscription.Protocol);
        Assert.Equal(1, Total(delivered, TagsOf(topic, subscription)));
    }

    [Fact]
    public async Task A_message_a_filter_policy_rejects_counts_as_filtered_out_for_that_subscription_only()
    {
        var filteredOut = Collect<long>("broker.subscription.notifications_filtered_out");
        var topic = Broker.CreateTopic("uploads");
        var red = topic.Subscribe(Broker.CreateQueue("red"), new SubscriptionOptions { FilterPolicy = """{"color":["red"]}""" });
        var blue = topic.Subscribe(Broker.CreateQueue("blue"), new SubscriptionOptions { FilterPolicy = """{"color":["blue"]}""" });
        var everything = topic.Subscribe(Broker.CreateQueue("everything"));

        await topic.PublishAsync(Colored("r", "red"));
        await topic.PublishAsync(Colored("r2", "red"));
        await topic.PublishAsync(Colored("g", "green"));

        Assert.Equal(1, Total(filteredOut, TagsOf(topic, red)));
        Assert.Equal(3, Total(filteredOut, TagsOf(topic, blue)));
        Assert.Equal(0, Total(filteredOut, TagsOf(topic, everything)));
        Assert.Equal(4, Total(filteredOut));
    }

    [Fact]
    public async Task Filtered_out_counts_stay_exact_when_many_subscriptions_match()
    {
        var filteredOut = Collect<long>("broker.subscription.notifications_filtered_out");
        var delivered = Collect<long>("broker.subscription.notifications_delivered");
        var topic = Broker.CreateTopic("uploads");
        for (var i = 0; i < 12; i++)
        {
            topic.Subscribe(Broker.CreateQueue($"all-{i}"));
        }

        var blue = topic.Subscribe(Broker.CreateQueue("blue"), new SubscriptionOptions { FilterPolicy = """{"color":["blue"]}""" });

        await topic.PublishAsync(Colored("r", "red"));

        Assert.Equal(1, Total(filteredOut, TagsOf(topic, blue)));
        Assert.Equal(1, Total(filteredOut));
        Assert.Equal(12, Total(delivered));
    }

    [Fact]
    public async Task A_delivery_that_fails_at_once_counts_one_failure_and_no_delivery()
    {
        var failed = Collect<long>("broker.subscription.notifications_failed");
        var delivered = Collect<long>("broker.subscription.notifications_delivered");
        var topic = Broker.CreateTopic("uploads");
        var dlq = Broker.CreateQueue("dlq");
        var subscription = topic.Subscribe(Broker.CreateQueue("target"), new SubscriptionOptions { RedrivePolicy = new SubscriptionRedrivePolicy("dlq") });
        Broker.DeleteQueue("target");

        await topic.PublishAsync(new PublishRequest("orphan"));

        Assert.Equal(1, Total(failed, TagsOf(topic, subscription)));
        Assert.Equal(0, Total(delivered));
        Assert.Equal(1, dlq.GetAttributes().ApproximateNumberOfMessages);
    }

    [Fact]
    public async Task A_retried_delivery_counts_one_failure_only_after_its_last_retry()
    {
        var failed = Collect<long>("broker.subscription.notifications_failed");
        var topic = Broker.CreateTopic("uploads");
        var full = Broker.CreateQueue("full", new QueueOptions { MaximumDepth = 1, FullMode = QueueFullMode.Fail });
        await full.SendAsync("filler");
        var subscription = topic.Subscribe(full, new SubscriptionOptions
        {
            DeliveryPolicy = new DeliveryPolicy { NumRetries = 2, MinDelayTarget = TimeSpan.FromSeconds(20), MaxDelayTarget = TimeSpan.FromSeconds(20) },
        });

        await topic.PublishAsync(new PublishRequest("no room"));
        for (var retry = 1; retry <= 2; retry++)
        {
            Assert.Equal(TimeSpan.FromSeconds(20), await Time.NextRetryScheduled());
            Assert.Equal(0, Total(failed));
            Time.Advance(TimeSpan.FromSeconds(20));
        }

        Assert.Equal(1, Total(failed, TagsOf(topic, subscription)));
    }

    [Fact]
    public async Task A_handler_that_keeps_failing_counts_one_failure_after_its_immediate_retries()
    {
        var failed = Collect<long>("broker.subscription.notifications_failed");
        var topic = Broker.CreateTopic("uploads");
        var attempts = 0;
        var subscription = topic.Subscribe(
            (_, _) =>
            {
                Interlocked.Increment(ref attempts);
                throw new InvalidOperationException("always");
            },
            new SubscriptionOptions { DeliveryPolicy = new DeliveryPolicy { NumRetries = 2, NumNoDelayRetries = 2 } });

        await topic.PublishAsync(new PublishRequest("m"));

        await failed.WaitForMeasurementsAsync(1, Bound);
        Assert.Equal(3, Volatile.Read(ref attempts));
        Assert.Equal(1, Total(failed, TagsOf(topic, subscription)));
    }
}
