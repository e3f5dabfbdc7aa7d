using Broker.Queues;
using Broker.Topics;
using TopicEngine = Broker.Topics.Internal.Topic;

namespace Broker.Tests.Topics;

public sealed class QueueDeliveryFailureTests : TopicFixture
{
    private static long Stored(IMessageQueue queue)
    {
        var attributes = queue.GetAttributes();
        return attributes.ApproximateNumberOfMessages + attributes.ApproximateNumberOfMessagesNotVisible + attributes.ApproximateNumberOfMessagesDelayed;
    }

    private async Task<IMessageQueue> FullQueue(string name, QueueFullMode mode = QueueFullMode.Fail)
    {
        var queue = Broker.CreateQueue(name, new QueueOptions { MaximumDepth = 1, FullMode = mode });
        await queue.SendAsync("filler");
        return queue;
    }

    [Fact]
    public async Task A_message_for_a_deleted_queue_goes_to_the_dead_letter_queue_at_once_without_retries()
    {
        var topic = Broker.CreateTopic("t");
        var dlq = Broker.CreateQueue("dlq");
        var target = Broker.CreateQueue("target");
        topic.Subscribe(target, new SubscriptionOptions { RedrivePolicy = new SubscriptionRedrivePolicy(dlq.Arn) });
        Broker.DeleteQueue("target");

        var result = await topic.PublishAsync(Message("orphan"));

        var envelope = Envelope(Assert.Single(await Drain(dlq)));
        Assert.Equal(result.MessageId, envelope.GetProperty("MessageId").GetString());
        Assert.Equal("orphan", envelope.GetProperty("Message").GetString());
        Assert.False(Time.HasUnreadRetry);
        Time.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await Drain(dlq));
    }

    [Fact]
    public async Task A_queue_deleted_and_created_again_under_its_name_receives_again_as_sns_delivers_by_arn()
    {
        var topic = Broker.CreateTopic("t");
        topic.Subscribe(Broker.CreateQueue("target"), new SubscriptionOptions { RawMessageDelivery = true });
        Broker.DeleteQueue("target");
        var recreated = Broker.CreateQueue("target");

        await topic.PublishAsync(Message("after"));

        Assert.Equal(["after"], await DrainBodies(recreated));
        Assert.Equal(0, ((TopicEngine)topic).DroppedCount);
    }

    [Fact]
    public async Task A_message_for_a_deleted_queue_without_a_dead_letter_queue_is_dropped()
    {
        using var delivered = new DeliveredNotifications(Broker);
        var topic = Broker.CreateTopic("t");
        topic.Subscribe(Broker.CreateQueue("target"));
        Broker.DeleteQueue("target");

        await topic.PublishAsync(Message("orphan"));

        var engine = (TopicEngine)topic;
        Assert.Equal(1, engine.DroppedCount);
        Assert.Equal(0, delivered.Count);
        Assert.False(Time.HasUnreadRetry);
    }

    [Fact]
    public async Task A_deleted_queue_does_not_stop_delivery_to_other_subscribers()
    {
        var topic = Broker.CreateTopic("t");
        topic.Subscribe(Broker.CreateQueue("target"));
        var healthy = Broker.CreateQueue("healthy");
        topic.Subscribe(healthy);
        Broker.DeleteQueue("target");

        await topic.PublishAsync(Message("m"));

        Assert.Equal(["m"], await DrainEnvelopeMessages(healthy));
    }

    [Fact]
    public async Task A_message_too_large_for_the_queue_goes_to_the_dead_letter_queue_at_once()
    {
        var topic = Broker.CreateTopic("t");
        var dlq = Broker.CreateQueue("dlq");
        var small = Broker.CreateQueue("small", new QueueOptions { MaximumMessageSize = 1024 });
        topic.Subscribe(small, new SubscriptionOptions { RawMessageDelivery = true, RedrivePolicy = new SubscriptionRedrivePolicy("dlq") });

        await topic.PublishAsync(Message(new string('x', 2000)));

        Assert.Empty(await Drain(small));
        Assert.Equal([new string('x', 2000)], await DrainBodies(dlq));
        Assert.False(Time.HasUnreadRetry);
    }

    [Fact]
    public async Task A_full_queue_is_retried_per_the_delivery_policy_and_gets_the_message_once_there_is_room()
    {
        var topic = Broker.CreateTopic("t");
        var dlq = Broker.CreateQueue("dlq");
        var full = await FullQueue("full");
        topic.Subscribe(full, new SubscriptionOptions { DeliveryPolicy = ThreeRetries20SecondsApart, RedrivePolicy = new SubscriptionRedrivePolicy("dlq") });

        var result = await topic.PublishAsync(Message("waiting"));
        Assert.Equal(TimeSpan.FromSeconds(20), await Time.NextRetryScheduled());
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(TimeSpan.FromSeconds(20), await Time.NextRetryScheduled());

        Assert.Equal(["filler"], await DrainBodies(full));
        Time.Advance(TimeSpan.FromSeconds(20) - TimeSpan.FromTicks(1));
        Assert.Equal(0, Stored(full));
        Time.Advance(TimeSpan.FromTicks(1));

        var envelope = Envelope(Assert.Single(await Drain(full)));
        Assert.Equal(result.MessageId, envelope.GetProperty("MessageId").GetString());
        Assert.Equal("2000-01-01T00:00:00.000Z", envelope.GetProperty("Timestamp").GetString());
        Assert.Empty(await Drain(dlq));
        Assert.False(Time.HasUnreadRetry);
    }

    [Fact]
    public async Task A_queue_still_full_after_the_last_retry_sends_the_message_to_the_dead_letter_queue()
    {
        var topic = Broker.CreateTopic("t");
        var dlq = Broker.CreateQueue("dlq");
        var full = await FullQueue("full");
        topic.Subscribe(full, new SubscriptionOptions
        {
            DeliveryPolicy = ThreeRetries20SecondsApart with { NumRetries = 2 },
            RedrivePolicy = new SubscriptionRedrivePolicy("dlq"),
        });

        var result = await topic.PublishAsync(Message("no room"));
        for (var retry = 1; retry <= 2; retry++)
        {
            Assert.Equal(TimeSpan.FromSeconds(20), await Time.NextRetryScheduled());
            Assert.Empty(await Drain(dlq));
            Time.Advance(TimeSpan.FromSeconds(20));
        }

        var envelope = Envelope(Assert.Single(await Drain(dlq)));
        Assert.Equal(result.MessageId, envelope.GetProperty("MessageId").GetString());
        Assert.False(Time.HasUnreadRetry);
        Assert.Equal(["filler"], await DrainBodies(full));
    }

    [Fact]
    public async Task With_the_default_policy_a_full_queue_is_retried_three_times_at_once_then_after_one_second()
    {
        var topic = Broker.CreateTopic("t");
        var full = await FullQueue("full");
        topic.Subscribe(full, new SubscriptionOptions { RawMessageDelivery = true });

        await topic.PublishAsync(Message("eventually"));
        Assert.Equal(TimeSpan.FromSeconds(1), await Time.NextRetryScheduled());
        Assert.Equal(["filler"], await DrainBodies(full));
        Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["eventually"], await DrainBodies(full));
    }

    [Fact]
    public async Task A_publish_does_not_wait_for_a_full_queue_in_wait_mode_and_the_message_arrives_when_there_is_room()
    {
        var topic = Broker.CreateTopic("t");
        var full = await FullQueue("full", QueueFullMode.Wait);
        var other = Broker.CreateQueue("other");
        topic.Subscribe(full, new SubscriptionOptions { RawMessageDelivery = true });
        topic.Subscribe(other);

        Assert.True(topic.PublishAsync(Message("patient")).AsTask().IsCompletedSuccessfully);
        Assert.Single(await Drain(other));

        // One receive and one delete make room; the waiting delivery may land at once, so nothing else is drained here.
        var filler = Assert.Single(await full.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 1 }));
        Assert.Equal("filler", filler.GetBodyAsString());
        await full.DeleteAsync(filler);
        Assert.Equal("patient", Assert.Single(await WaitForMessages(full, 1)).GetBodyAsString());
    }

    [Fact]
    public void A_fifo_queue_subscription_to_a_fifo_topic_needs_a_fifo_dead_letter_queue_with_sns_message()
    {
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true });
        var queue = Broker.CreateQueue("q.fifo", new QueueOptions { FifoQueue = true });
        var standardDlq = Broker.CreateQueue("dlq");

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe(queue, new SubscriptionOptions { RedrivePolicy = new SubscriptionRedrivePolicy(standardDlq.Arn) }));

        Assert.Equal("Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.", error.Message);
        Assert.Empty(topic.ListSubscriptions());
    }

    [Fact]
    public void A_fifo_queue_subscription_to_a_fifo_topic_accepts_a_fifo_dead_letter_queue()
    {
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true });
        var queue = Broker.CreateQueue("q.fifo", new QueueOptions { FifoQueue = true });
        var fifoDlq = Broker.CreateQueue("dlq.fifo", new QueueOptions { FifoQueue = true });

        topic.Subscribe(queue, new SubscriptionOptions { RedrivePolicy = new SubscriptionRedrivePolicy(fifoDlq.Arn) });
    }

    [Fact]
    public void A_standard_queue_subscription_to_a_fifo_topic_may_use_a_standard_dead_letter_queue()
    {
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true });
        var queue = Broker.CreateQueue("q");
        var standardDlq = Broker.CreateQueue("dlq");

        topic.Subscribe(queue, new SubscriptionOptions { RedrivePolicy = new SubscriptionRedrivePolicy(standardDlq.Arn) });
    }

    [Fact]
    public void A_dead_letter_queue_that_does_not_exist_is_rejected_on_subscribe()
    {
        var topic = Broker.CreateTopic("t");

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe(Broker.CreateQueue("q"), new SubscriptionOptions
        {
            RedrivePolicy = new SubscriptionRedrivePolicy("arn:aws:sqs:us-east-1:000000000000:missing"),
        }));

        Assert.StartsWith("Invalid parameter: Attributes Reason: RedrivePolicy: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_topic_dead_letters_to_a_fifo_queue_with_the_message_group()
    {
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true });
        var dlq = Broker.CreateQueue("dlq.fifo", new QueueOptions { FifoQueue = true });
        var target = Broker.CreateQueue("q.fifo", new QueueOptions { FifoQueue = true });
        topic.Subscribe(target, new SubscriptionOptions { RedrivePolicy = new SubscriptionRedrivePolicy(dlq.Arn) });
        Broker.DeleteQueue("q.fifo");

        await topic.PublishAsync(new PublishRequest("orphan") { MessageGroupId = "g1", MessageDeduplicationId = "d1" });

        var dead = Assert.Single(await Drain(dlq));
        Assert.Equal("g1", dead.Attributes[MessageSystemAttributeNames.MessageGroupId]);
        Assert.Equal("orphan", Envelope(dead).GetProperty("Message").GetString());
    }
}
