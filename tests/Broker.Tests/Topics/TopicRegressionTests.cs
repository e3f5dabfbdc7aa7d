using System.Text;
using Broker.Filtering;
using Broker.Internal;
using Broker.Queues;
using Broker.Topics;

namespace Broker.Tests.Topics;

/// <summary>Regression tests for the bugs a review of the topic engine found; each failed before its fix.</summary>
public sealed class TopicRegressionTests : TopicFixture
{
    [Fact]
    public async Task Concurrent_fifo_publishes_are_all_delivered_by_the_time_both_publishes_return()
    {
        // The drainer released its flag with a plain release write and then read the queue: a publisher enqueuing at
        // that moment could see the flag still set while the drainer saw an empty queue, stranding a message.
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true });
        topic.Subscribe(Broker.CreateQueue("q.fifo", new QueueOptions { FifoQueue = true }));
        using var delivered = new DeliveredNotifications(Broker);
        const int Rounds = 50_000;
        using var barrier = new Barrier(2);
        var stranded = 0L;
        void Publisher(int id)
        {
            for (var round = 0; round < Rounds; round++)
            {
                barrier.SignalAndWait(Bound);
                topic.PublishAsync(new PublishRequest($"{id}-{round}") { MessageGroupId = $"g{id}" }).AsTask().GetAwaiter().GetResult();
                barrier.SignalAndWait(Bound);
                if (id == 0 && delivered.Count != 2L * (round + 1))
                {
                    Interlocked.Increment(ref stranded);
                }

                barrier.SignalAndWait(Bound);
            }
        }

        // A safety bound only, generous because the whole suite runs in parallel on two cores.
        await Task.WhenAll(
            Task.Factory.StartNew(() => Publisher(0), TaskCreationOptions.LongRunning),
            Task.Factory.StartNew(() => Publisher(1), TaskCreationOptions.LongRunning)).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(0, stranded);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_with_a_lone_surrogate_escape_is_delivered_and_matches_no_body_policy(bool fifo)
    {
        var name = fifo ? "t.fifo" : "t";
        var topic = Broker.CreateTopic(name, new TopicOptions { FifoTopic = fifo, ContentBasedDeduplication = fifo });
        var everything = Broker.CreateQueue(fifo ? "all.fifo" : "all", new QueueOptions { FifoQueue = fifo });
        var filtered = Broker.CreateQueue(fifo ? "filtered.fifo" : "filtered", new QueueOptions { FifoQueue = fifo });
        topic.Subscribe(everything, new SubscriptionOptions { RawMessageDelivery = true });
        topic.Subscribe(filtered, new SubscriptionOptions { FilterPolicy = """{"a":[{"exists":true}]}""", FilterPolicyScope = FilterPolicyScope.MessageBody });
        const string Body = "{\"\\ud800\":1,\"a\":\"\\udc00\"}";

        await topic.PublishAsync(new PublishRequest(Body) { MessageGroupId = fifo ? "g" : null });
        await topic.PublishAsync(new PublishRequest("""{"a":"fine"}""") { MessageGroupId = fifo ? "g" : null });

        Assert.Equal([Body, """{"a":"fine"}"""], await DrainBodies(everything));
        Assert.Single(await Drain(filtered));
    }

    [Fact]
    public void A_policy_with_a_lone_surrogate_escape_is_rejected_as_invalid_json()
    {
        var error = Assert.Throws<BrokerException>(() => FilterPolicy.Parse("{\"\\ud800\":[\"x\"]}"));
        Assert.Equal(BrokerErrorCodes.InvalidParameter, error.ErrorCode);
        Assert.StartsWith("Invalid parameter: FilterPolicy: failed to parse JSON.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Threads_trimming_the_deduplication_window_at_once_never_forget_a_live_record()
    {
        // Two trimmers could each peek the same lapsed head; the slower one's dequeue then took the next, live, record.
        // Today lapsed records are overwritten in place or left out of a rebuilt table: the same race, new code.
        var forgotten = 0;
        for (var round = 0; round < 2_000; round++)
        {
            var window = new DeduplicationWindow<int>(TimeSpan.FromTicks(100));
            for (var i = 0; i < 256; i++)
            {
                window.TryAdd(window.Hash($"old-{i}"), -1, now: 0, expiresAt: 50, out _);
            }

            for (var i = 0; i < 64; i++)
            {
                window.TryAdd(window.Hash($"live-{i}"), i, now: 0, expiresAt: 1_000, out _);
            }

            using var start = new Barrier(3);
            await Within(Task.WhenAll(
                Task.Run(() => { start.SignalAndWait(Bound); AddMany(window, "a"); }),
                Task.Run(() => { start.SignalAndWait(Bound); AddMany(window, "b"); }),
                Task.Run(() => { start.SignalAndWait(Bound); AddMany(window, "c"); })));

            for (var i = 0; i < 64; i++)
            {
                forgotten += !window.TryAdd(window.Hash($"live-{i}"), -2, now: 151, expiresAt: 1_000, out var original) && original == i ? 0 : 1;
            }
        }

        Assert.Equal(0, forgotten);

        static void AddMany(DeduplicationWindow<int> window, string prefix)
        {
            for (var i = 0; i < 100; i++)
            {
                window.TryAdd(window.Hash($"new-{prefix}-{i}"), -3, now: 150, expiresAt: 1_000, out _);
            }
        }
    }

    [Fact]
    public async Task Thousands_of_immediate_retries_run_in_a_loop_and_end_in_the_dead_letter_queue()
    {
        // Each no-delay retry used to recurse (Deliver → OnFailed → Redeliver → Deliver): about 1,000 overflowed the stack.
        var topic = Broker.CreateTopic("t");
        var full = Broker.CreateQueue("full", new QueueOptions { MaximumDepth = 1, FullMode = QueueFullMode.Fail });
        await full.SendAsync("filler");
        var dlq = Broker.CreateQueue("dlq");
        topic.Subscribe(full, new SubscriptionOptions
        {
            RawMessageDelivery = true,
            RedrivePolicy = new SubscriptionRedrivePolicy("dlq"),
            DeliveryPolicy = new DeliveryPolicy { NumRetries = 20_000, NumNoDelayRetries = 20_000 },
        });

        await topic.PublishAsync(new PublishRequest("m"));

        Assert.Equal(["m"], await DrainBodies(dlq));
    }

    [Fact]
    public async Task A_handler_with_concurrency_one_gets_every_message_published_back_to_back()
    {
        // The publisher's read of the worker count could move before its enqueue, missing a worker that was just leaving.
        var topic = Broker.CreateTopic("t");
        var handled = 0;
        using var all = new SemaphoreSlim(0);
        topic.Subscribe((_, _) => { all.Release(); return ValueTask.CompletedTask; }, new SubscriptionOptions { MaxConcurrency = 1 });
        for (var round = 0; round < 2_000; round++)
        {
            await topic.PublishAsync(new PublishRequest("a"));
            await topic.PublishAsync(new PublishRequest("b"));
            Assert.True(await all.WaitAsync(Bound));
            Assert.True(await all.WaitAsync(Bound));
            handled += 2;
        }

        Assert.Equal(4_000, handled);
    }

    [Fact]
    public async Task Subscribing_a_recreated_queue_again_returns_the_same_subscription_and_delivers_once()
    {
        var topic = Broker.CreateTopic("t");
        var first = topic.Subscribe(Broker.CreateQueue("q"), new SubscriptionOptions { RawMessageDelivery = true });
        Broker.DeleteQueue("q");
        var recreated = Broker.CreateQueue("q");

        var second = topic.Subscribe(recreated, new SubscriptionOptions { RawMessageDelivery = true });
        await topic.PublishAsync(new PublishRequest("once"));

        Assert.Same(first, second);
        Assert.Single(topic.ListSubscriptions());
        Assert.Equal(["once"], await DrainBodies(recreated));
    }

    [Fact]
    public async Task A_throwing_cancellation_callback_does_not_stop_an_unsubscribe_or_a_topic_delete()
    {
        var topic = Broker.CreateTopic("t");
        var seen = new TaskCompletionSource<CancellationToken>();
        var subscription = topic.Subscribe((_, token) => { seen.TrySetResult(token); return ValueTask.CompletedTask; });
        topic.Subscribe(Broker.CreateQueue("q"));
        await topic.PublishAsync(new PublishRequest("m"));
        var token = await seen.Task.WaitAsync(Bound);
        token.Register(static () => throw new InvalidOperationException("a careless callback"));

        subscription.Unsubscribe();

        Assert.True(token.IsCancellationRequested);
        Assert.Single(topic.ListSubscriptions());
        Broker.DeleteTopic("t");
        Assert.False(Broker.TryGetTopic("t", out _));
    }

    [Fact]
    public async Task A_message_larger_than_the_queues_maximum_bytes_goes_to_the_dead_letter_queue_at_once()
    {
        var topic = Broker.CreateTopic("t");
        var small = Broker.CreateQueue("small", new QueueOptions { MaximumBytes = 1024, FullMode = QueueFullMode.Fail });
        var large = new string('x', 2_000);
        var dlq = Broker.CreateQueue("dlq");
        topic.Subscribe(small, new SubscriptionOptions { RawMessageDelivery = true, RedrivePolicy = new SubscriptionRedrivePolicy("dlq") });

        await topic.PublishAsync(new PublishRequest(large));

        Assert.Equal([large], await DrainBodies(dlq));
        Assert.False(Time.HasUnreadRetry);
    }

    [Fact]
    public async Task A_raw_message_with_too_many_attributes_reaches_the_dead_letter_queue_without_them()
    {
        var topic = Broker.CreateTopic("t");
        var dlq = Broker.CreateQueue("dlq");
        topic.Subscribe(Broker.CreateQueue("q"), new SubscriptionOptions { RawMessageDelivery = true, RedrivePolicy = new SubscriptionRedrivePolicy("dlq") });
        var attributes = Enumerable.Range(0, 11).ToDictionary(static i => $"a{i}", static i => MessageAttributeValue.FromString("v"));

        await topic.PublishAsync(new PublishRequest("eleven") { MessageAttributes = attributes });

        var moved = Assert.Single(await Drain(dlq));
        Assert.Equal("eleven", Encoding.UTF8.GetString(moved.Body.Span));
        Assert.Empty(moved.MessageAttributes);
    }

    [Fact]
    public async Task A_fifo_message_waiting_for_its_retry_is_not_overtaken_by_a_later_message_of_its_group()
    {
        // A retried FIFO delivery used to wait alone on its timer while later messages of its group went straight in.
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true });
        var queue = Broker.CreateQueue("q.fifo", new QueueOptions { FifoQueue = true, MaximumDepth = 1, FullMode = QueueFullMode.Fail });
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true, DeliveryPolicy = ThreeRetries20SecondsApart });
        var one = new ReceiveRequest { MaxNumberOfMessages = 10 };
        var order = new List<string>();

        await topic.PublishAsync(new PublishRequest("m1") { MessageGroupId = "g" });
        await topic.PublishAsync(new PublishRequest("m2") { MessageGroupId = "g" }); // the queue is full: m2 waits 20 s
        var first = Assert.Single(await queue.ReceiveAsync(one));
        order.Add(first.GetBodyAsString());
        await queue.DeleteAsync(first);                                             // room again
        await topic.PublishAsync(new PublishRequest("m3") { MessageGroupId = "g" }); // must wait behind m2

        Assert.Empty(await queue.ReceiveAsync(one));
        Time.Advance(TimeSpan.FromSeconds(20));                                     // m2 goes in; m3 finds it full and waits
        var second = Assert.Single(await queue.ReceiveAsync(one));
        order.Add(second.GetBodyAsString());
        await queue.DeleteAsync(second);
        Time.Advance(TimeSpan.FromSeconds(20));
        var third = Assert.Single(await queue.ReceiveAsync(one));
        order.Add(third.GetBodyAsString());

        Assert.Equal(["m1", "m2", "m3"], order);
    }
}
