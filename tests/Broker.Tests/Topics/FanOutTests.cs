using System.Threading.Channels;
using Broker.Queues;
using Broker.Topics;

namespace Broker.Tests.Topics;

public sealed class FanOutTests : TopicFixture
{
    [Fact]
    public async Task One_publish_reaches_every_queue_subscription_and_every_handler()
    {
        var topic = Broker.CreateTopic("orders");
        var queues = new[] { Broker.CreateQueue("a"), Broker.CreateQueue("b"), Broker.CreateQueue("c") };
        foreach (var queue in queues)
        {
            topic.Subscribe(queue);
        }

        var first = Channel.CreateUnbounded<Notification>();
        var second = Channel.CreateUnbounded<Notification>();
        topic.Subscribe((n, _) => { first.Writer.TryWrite(n); return ValueTask.CompletedTask; });
        topic.Subscribe((n, _) => { second.Writer.TryWrite(n); return ValueTask.CompletedTask; });

        var published = await topic.PublishAsync(Message("hello"));

        foreach (var queue in queues)
        {
            var envelope = Envelope(Assert.Single(await Drain(queue)));
            Assert.Equal("hello", envelope.GetProperty("Message").GetString());
            Assert.Equal(published.MessageId, envelope.GetProperty("MessageId").GetString());
        }

        Assert.Equal(published.MessageId, (await Next(first.Reader)).MessageId);
        Assert.Equal(published.MessageId, (await Next(second.Reader)).MessageId);
    }

    [Fact]
    public async Task A_publish_to_a_topic_without_subscriptions_succeeds()
    {
        var topic = Broker.CreateTopic("orders");

        var published = await topic.PublishAsync(Message("nobody listens"));

        Assert.True(Guid.TryParse(published.MessageId, out _));
        Assert.Null(published.SequenceNumber);
    }

    [Fact]
    public async Task Each_publish_gets_a_new_uuid_message_id()
    {
        var topic = Broker.CreateTopic("orders");

        var first = await topic.PublishAsync(Message("m"));
        var second = await topic.PublishAsync(Message("m"));

        Assert.True(Guid.TryParse(first.MessageId, out _));
        Assert.NotEqual(first.MessageId, second.MessageId);
    }

    [Fact]
    public async Task A_publish_result_names_the_id_its_envelopes_and_handlers_carry_when_a_raw_delivery_came_first()
    {
        // The raw delivery keeps no message; the envelope and the handler that follow make it, and the result reads its id.
        var topic = Broker.CreateTopic("orders");
        var raw = Broker.CreateQueue("raw");
        var enveloped = Broker.CreateQueue("enveloped");
        var handled = Channel.CreateUnbounded<Notification>();
        topic.Subscribe(raw, new SubscriptionOptions { RawMessageDelivery = true });
        topic.Subscribe(enveloped);
        topic.Subscribe((n, _) => { handled.Writer.TryWrite(n); return ValueTask.CompletedTask; });

        var published = await topic.PublishAsync(Message("m"));

        Assert.Equal("m", Assert.Single(await DrainBodies(raw)));
        Assert.Equal(published.MessageId, Envelope(Assert.Single(await Drain(enveloped))).GetProperty("MessageId").GetString());
        Assert.Equal(published.MessageId, (await Next(handled.Reader)).MessageId);
    }

    [Fact]
    public async Task A_publish_delivered_only_raw_has_a_uuid_id_that_reads_the_same_every_time()
    {
        var topic = Broker.CreateTopic("orders");
        var raw = Broker.CreateQueue("raw");
        topic.Subscribe(raw, new SubscriptionOptions { RawMessageDelivery = true });

        var first = await topic.PublishAsync(Message("m"));
        var second = await topic.PublishAsync(Message("m"));

        Assert.True(Guid.TryParse(first.MessageId, out var id) && id.ToString() == first.MessageId, first.MessageId);
        Assert.Equal(first.MessageId, first.MessageId);
        Assert.NotEqual(first.MessageId, second.MessageId);
        Assert.Equal(2, (await Drain(raw)).Count);
    }

    [Fact]
    public async Task A_subscription_made_later_does_not_receive_earlier_messages()
    {
        var topic = Broker.CreateTopic("orders");
        var early = Broker.CreateQueue("early");
        var late = Broker.CreateQueue("late");
        topic.Subscribe(early);

        await topic.PublishAsync(Message("before"));
        topic.Subscribe(late);
        await topic.PublishAsync(Message("after"));

        Assert.Equal(["after", "before"], (await DrainEnvelopeMessages(early)).Order());
        Assert.Equal(["after"], await DrainEnvelopeMessages(late));
    }

    [Fact]
    public async Task Unsubscribing_a_queue_stops_delivery_to_it_only()
    {
        var topic = Broker.CreateTopic("orders");
        var leaving = Broker.CreateQueue("leaving");
        var staying = Broker.CreateQueue("staying");
        var subscription = topic.Subscribe(leaving);
        topic.Subscribe(staying);
        await topic.PublishAsync(Message("one"));

        subscription.Unsubscribe();
        await topic.PublishAsync(Message("two"));

        Assert.Equal(["one"], await DrainEnvelopeMessages(leaving));
        Assert.Equal(["one", "two"], (await DrainEnvelopeMessages(staying)).Order());
    }

    [Fact]
    public async Task Unsubscribing_a_handler_stops_delivery_to_it()
    {
        var topic = Broker.CreateTopic("orders");
        var leaving = Channel.CreateUnbounded<string>();
        var probe = Channel.CreateUnbounded<string>();
        var subscription = topic.Subscribe((n, _) => { leaving.Writer.TryWrite(n.Message); return ValueTask.CompletedTask; });
        topic.Subscribe((n, _) => { probe.Writer.TryWrite(n.Message); return ValueTask.CompletedTask; });
        await topic.PublishAsync(Message("one"));
        Assert.Equal("one", await Next(leaving.Reader));
        Assert.Equal("one", await Next(probe.Reader));

        subscription.Unsubscribe();
        await topic.PublishAsync(Message("two"));

        Assert.Equal("two", await Next(probe.Reader));
        Assert.False(leaving.Reader.TryRead(out _));
        Assert.DoesNotContain(subscription, topic.ListSubscriptions());
    }

    [Fact]
    public void Subscriptions_are_listed_in_the_order_they_were_made()
    {
        var topic = Broker.CreateTopic("orders");
        var b = Broker.CreateQueue("b");
        var a = Broker.CreateQueue("a");

        var first = topic.Subscribe(b);
        var second = topic.Subscribe((_, _) => ValueTask.CompletedTask);
        var third = topic.Subscribe(a);

        Assert.Equal([first, second, third], topic.ListSubscriptions());
    }

    [Fact]
    public void A_queue_subscription_names_the_topic_the_queue_and_protocol_sqs()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");

        var subscription = topic.Subscribe(queue);

        Assert.Equal("sqs", subscription.Protocol);
        Assert.Equal(queue.Arn, subscription.Endpoint);
        Assert.Equal(topic.Arn, subscription.TopicArn);
        Assert.StartsWith(topic.Arn + ":", subscription.Arn, StringComparison.Ordinal);
        Assert.True(Guid.TryParse(subscription.Arn[(topic.Arn.Length + 1)..], out _));
    }

    [Fact]
    public void A_handler_subscription_has_protocol_lambda_and_its_own_arn()
    {
        var topic = Broker.CreateTopic("orders");

        var first = topic.Subscribe((_, _) => ValueTask.CompletedTask);
        var second = topic.Subscribe((_, _) => ValueTask.CompletedTask);

        Assert.Equal("lambda", first.Protocol);
        Assert.StartsWith(topic.Arn + ":", first.Arn, StringComparison.Ordinal);
        Assert.NotEqual(first.Arn, second.Arn);
        Assert.NotEqual(first.Endpoint, second.Endpoint);
    }

    [Fact]
    public void Subscribing_a_queue_again_with_equal_options_returns_the_same_subscription()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");

        var first = topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });
        var second = topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        Assert.Same(first, second);
        Assert.Single(topic.ListSubscriptions());
    }

    [Fact]
    public void Subscribing_a_queue_again_with_default_options_returns_the_same_subscription()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");

        Assert.Same(topic.Subscribe(queue), topic.Subscribe(queue, new SubscriptionOptions()));
    }

    [Fact]
    public void Subscribing_a_queue_again_with_different_options_is_rejected_with_sns_message()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        topic.Subscribe(queue);

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true }));

        Assert.Equal("Invalid parameter: Attributes Reason: Subscription already exists with different attributes", error.Message);
        Assert.Single(topic.ListSubscriptions());
    }

    [Fact]
    public void Subscribing_the_same_handler_again_returns_the_same_subscription_and_with_different_options_is_rejected()
    {
        var topic = Broker.CreateTopic("orders");
        Func<Notification, CancellationToken, ValueTask> handler = (_, _) => ValueTask.CompletedTask;

        var first = topic.Subscribe(handler);

        Assert.Same(first, topic.Subscribe(handler));
        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe(handler, new SubscriptionOptions { MaxConcurrency = 2 }));
        Assert.Equal("Invalid parameter: Attributes Reason: Subscription already exists with different attributes", error.Message);
    }

    [Fact]
    public async Task A_queue_may_subscribe_again_after_unsubscribing()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        var first = topic.Subscribe(queue);
        first.Unsubscribe();

        var second = topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });
        await topic.PublishAsync(Message("raw"));

        Assert.NotEqual(first.Arn, second.Arn);
        Assert.Equal(["raw"], await DrainBodies(queue));
    }

    [Fact]
    public void A_fifo_queue_cannot_subscribe_to_a_standard_topic_with_sns_doubled_prefix_message()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox.fifo", new QueueOptions { FifoQueue = true });

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe(queue));

        Assert.Equal("Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics", error.Message);
        Assert.Empty(topic.ListSubscriptions());
    }

    [Fact]
    public async Task A_standard_queue_may_subscribe_to_a_fifo_topic()
    {
        var topic = Broker.CreateTopic("orders.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true });
        var queue = Broker.CreateQueue("inbox");
        topic.Subscribe(queue);

        await topic.PublishAsync(new PublishRequest("m") { MessageGroupId = "g" });

        Assert.Equal(["m"], await DrainEnvelopeMessages(queue));
    }

    [Fact]
    public void A_fifo_topic_does_not_accept_handler_subscriptions()
    {
        var topic = Broker.CreateTopic("orders.fifo", new TopicOptions { FifoTopic = true });

        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe((_, _) => ValueTask.CompletedTask));
        Assert.Empty(topic.ListSubscriptions());
    }

    [Fact]
    public void A_queue_of_another_broker_cannot_subscribe()
    {
        var topic = Broker.CreateTopic("orders");
        using var other = new MessageBroker(new BrokerOptions(), Time);
        var foreign = other.CreateQueue("inbox");

        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe(foreign));
        Assert.Empty(topic.ListSubscriptions());
    }

    [Fact]
    public void A_deleted_queue_cannot_subscribe()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        Broker.DeleteQueue("inbox");

        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe(queue));
    }

    [Fact]
    public void Max_concurrency_outside_1_to_1000_is_rejected()
    {
        var topic = Broker.CreateTopic("orders");

        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe((_, _) => ValueTask.CompletedTask, new SubscriptionOptions { MaxConcurrency = 0 }));
        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe((_, _) => ValueTask.CompletedTask, new SubscriptionOptions { MaxConcurrency = 1001 }));
        topic.Subscribe((_, _) => ValueTask.CompletedTask, new SubscriptionOptions { MaxConcurrency = 1000 });
        Assert.Equal(16, new SubscriptionOptions().MaxConcurrency);
    }

    [Fact]
    public void A_handler_subscription_cannot_use_raw_delivery()
    {
        var topic = Broker.CreateTopic("orders");

        ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe((_, _) => ValueTask.CompletedTask, new SubscriptionOptions { RawMessageDelivery = true }));
    }

    [Fact]
    public async Task Every_message_published_reaches_a_queue_exactly_once()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        for (var i = 0; i < 20; i++)
        {
            await topic.PublishAsync(Message($"m{i}"));
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}").Order(), (await DrainBodies(queue)).Order());
    }
}
