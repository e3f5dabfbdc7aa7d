using System.Threading.Channels;
using Broker.Queues;
using Broker.Topics;
using TopicEngine = Broker.Topics.Internal.Topic;

namespace Broker.Tests.Topics;

public sealed class HandlerSubscriptionTests : TopicFixture
{
    private static Func<Notification, CancellationToken, ValueTask> AlwaysFails(ChannelWriter<Notification> attempts) => (n, _) =>
    {
        attempts.TryWrite(n);
        throw new InvalidOperationException($"boom on attempt {n.DeliveryAttempt}");
    };

    [Fact]
    public void A_handler_runs_off_the_publishing_thread_and_publish_returns_before_it_finishes()
    {
        var topic = Broker.CreateTopic("t");
        using var started = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var handlerThread = 0;
        var finished = 0;
        topic.Subscribe((_, _) =>
        {
            Volatile.Write(ref handlerThread, Environment.CurrentManagedThreadId);
            started.Set();
            gate.Wait(Bound, CancellationToken.None);
            Volatile.Write(ref finished, 1);
            return ValueTask.CompletedTask;
        });
        var publisherThread = Environment.CurrentManagedThreadId;

        var publish = topic.PublishAsync(Message("m")).AsTask();

        Assert.True(publish.IsCompletedSuccessfully);
        Assert.True(started.Wait(Bound));
        Assert.Equal(0, Volatile.Read(ref finished));
        Assert.NotEqual(publisherThread, Volatile.Read(ref handlerThread));
        gate.Set();
    }

    [Fact]
    public async Task A_handler_receives_the_notification_fields()
    {
        var topic = Broker.CreateTopic("t");
        var received = Channel.CreateUnbounded<Notification>();
        var subscription = topic.Subscribe((n, _) => { received.Writer.TryWrite(n); return ValueTask.CompletedTask; });
        Time.Advance(TimeSpan.FromMilliseconds(1234));

        var result = await topic.PublishAsync(new PublishRequest("body")
        {
            Subject = "subject",
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["store"] = MessageAttributeValue.FromString("example_corp") },
        });

        var notification = await Next(received.Reader);
        Assert.Equal(result.MessageId, notification.MessageId);
        Assert.Equal(topic.Arn, notification.TopicArn);
        Assert.Equal(subscription.Arn, notification.SubscriptionArn);
        Assert.Equal("subject", notification.Subject);
        Assert.Equal("body", notification.Message);
        Assert.Equal(new DateTimeOffset(2000, 1, 1, 0, 0, 1, 234, TimeSpan.Zero), notification.Timestamp);
        Assert.Equal(MessageAttributeValue.FromString("example_corp"), Assert.Single(notification.MessageAttributes).Value);
        Assert.Null(notification.MessageGroupId);
        Assert.Null(notification.SequenceNumber);
        Assert.Equal(1, notification.DeliveryAttempt);
    }

    [Fact]
    public async Task Without_subject_or_attributes_the_notification_has_a_null_subject_and_no_attributes()
    {
        var topic = Broker.CreateTopic("t");
        var received = Channel.CreateUnbounded<Notification>();
        topic.Subscribe((n, _) => { received.Writer.TryWrite(n); return ValueTask.CompletedTask; });

        await topic.PublishAsync(Message("body"));

        var notification = await Next(received.Reader);
        Assert.Null(notification.Subject);
        Assert.Empty(notification.MessageAttributes);
    }

    [Fact]
    public async Task A_slow_handler_blocks_neither_publishing_nor_other_subscribers()
    {
        var topic = Broker.CreateTopic("t");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowStarted = Channel.CreateUnbounded<string>();
        var slowDone = Channel.CreateUnbounded<string>();
        var fast = Channel.CreateUnbounded<string>();
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(async (n, _) =>
        {
            slowStarted.Writer.TryWrite(n.Message);
            await gate.Task;
            slowDone.Writer.TryWrite(n.Message);
        });
        topic.Subscribe((n, _) => { fast.Writer.TryWrite(n.Message); return ValueTask.CompletedTask; });
        topic.Subscribe(queue);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(topic.PublishAsync(Message($"m{i}")).AsTask().IsCompletedSuccessfully);
        }

        await Next(slowStarted.Reader);
        Assert.Equal(["m0", "m1", "m2"], new[] { await Next(fast.Reader), await Next(fast.Reader), await Next(fast.Reader) }.Order());
        Assert.Equal(3, (await Drain(queue)).Count);
        Assert.False(slowDone.Reader.TryRead(out _));

        gate.SetResult();
        Assert.Equal(["m0", "m1", "m2"], new[] { await Next(slowDone.Reader), await Next(slowDone.Reader), await Next(slowDone.Reader) }.Order());
    }

    [Fact]
    public async Task No_more_than_max_concurrency_invocations_run_at_once()
    {
        const int Messages = 12;
        var topic = Broker.CreateTopic("t");
        var release = new SemaphoreSlim(0);
        var started = Channel.CreateUnbounded<int>();
        var finished = Channel.CreateUnbounded<int>();
        var concurrent = 0;
        var highest = 0;
        topic.Subscribe(
            async (n, _) =>
            {
                var now = Interlocked.Increment(ref concurrent);
                for (var seen = Volatile.Read(ref highest); now > seen; seen = Volatile.Read(ref highest))
                {
                    Interlocked.CompareExchange(ref highest, now, seen);
                }

                started.Writer.TryWrite(now);
                try
                {
                    Assert.True(await release.WaitAsync(Bound, CancellationToken.None));
                }
                finally
                {
                    Interlocked.Decrement(ref concurrent);
                    finished.Writer.TryWrite(n.DeliveryAttempt);
                }
            },
            new SubscriptionOptions { MaxConcurrency = 2 });

        for (var i = 0; i < Messages; i++)
        {
            await topic.PublishAsync(Message($"m{i}"));
        }

        // Two run, and the rest wait: each release lets one finish and the next start.
        await Next(started.Reader);
        await Next(started.Reader);
        for (var i = 2; i < Messages; i++)
        {
            release.Release();
            await Next(started.Reader);
        }

        release.Release(2);
        for (var i = 0; i < Messages; i++)
        {
            await Next(finished.Reader);
        }

        Assert.Equal(2, Volatile.Read(ref highest));
    }

    [Fact]
    public async Task A_failing_handler_is_retried_per_its_delivery_policy_then_dead_lettered_with_error_attributes()
    {
        var topic = Broker.CreateTopic("t");
        var dlq = Broker.CreateQueue("dlq");
        var attempts = Channel.CreateUnbounded<Notification>();
        topic.Subscribe(AlwaysFails(attempts.Writer), new SubscriptionOptions
        {
            DeliveryPolicy = ThreeRetries20SecondsApart,
            RedrivePolicy = new SubscriptionRedrivePolicy(dlq.Arn),
        });

        var result = await topic.PublishAsync(new PublishRequest("poison") { Subject = "s" });

        Assert.Equal(1, (await Next(attempts.Reader)).DeliveryAttempt);
        for (var retry = 2; retry <= 4; retry++)
        {
            Assert.Equal(TimeSpan.FromSeconds(20), await Time.NextRetryScheduled());
            Time.Advance(TimeSpan.FromSeconds(20) - TimeSpan.FromTicks(1));
            Assert.False(attempts.Reader.TryRead(out _));
            Assert.Empty(await Drain(dlq));

            Time.Advance(TimeSpan.FromTicks(1));
            var attempt = await Next(attempts.Reader);
            Assert.Equal(retry, attempt.DeliveryAttempt);
            Assert.Equal(result.MessageId, attempt.MessageId);
        }

        var dead = Assert.Single(await WaitForMessages(dlq, 1));
        var envelope = Envelope(dead);
        Assert.Equal("Notification", envelope.GetProperty("Type").GetString());
        Assert.Equal(result.MessageId, envelope.GetProperty("MessageId").GetString());
        Assert.Equal("poison", envelope.GetProperty("Message").GetString());
        Assert.Equal(topic.Arn, envelope.GetProperty("TopicArn").GetString());
        Assert.Equal("Number", dead.MessageAttributes["ErrorCode"].DataType);
        Assert.Contains("boom on attempt 4", dead.MessageAttributes["ErrorMessage"].StringValue, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(dead.MessageAttributes["RequestID"].StringValue));
        Assert.False(Time.HasUnreadRetry);
        Assert.False(attempts.Reader.TryRead(out _));
    }

    [Fact]
    public async Task The_default_policy_retries_a_handler_three_times_at_once_then_after_one_second()
    {
        var topic = Broker.CreateTopic("t");
        var attempts = Channel.CreateUnbounded<Notification>();
        topic.Subscribe(AlwaysFails(attempts.Writer));

        await topic.PublishAsync(Message("m"));

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            Assert.Equal(attempt, (await Next(attempts.Reader)).DeliveryAttempt);
        }

        Assert.Equal(TimeSpan.FromSeconds(1), await Time.NextRetryScheduled());
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(5, (await Next(attempts.Reader)).DeliveryAttempt);
        Assert.Equal(TimeSpan.FromSeconds(1), await Time.NextRetryScheduled());
    }

    [Fact]
    public async Task Without_a_dead_letter_queue_a_message_is_dropped_after_the_last_retry()
    {
        var topic = Broker.CreateTopic("t");
        var attempts = Channel.CreateUnbounded<Notification>();
        topic.Subscribe(AlwaysFails(attempts.Writer), new SubscriptionOptions { DeliveryPolicy = ThreeRetries20SecondsApart with { NumRetries = 1 } });

        await topic.PublishAsync(Message("m"));
        await Next(attempts.Reader);
        Assert.Equal(TimeSpan.FromSeconds(20), await Time.NextRetryScheduled());
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(2, (await Next(attempts.Reader)).DeliveryAttempt);

        var engine = (TopicEngine)topic;
        Assert.True(SpinWait.SpinUntil(() => engine.DroppedCount == 1, Bound));
        Assert.False(Time.HasUnreadRetry);
        Assert.Equal(0, engine.DeadLetteredCount);
    }

    [Fact]
    public async Task A_handler_that_succeeds_on_a_retry_is_not_dead_lettered()
    {
        using var delivered = new DeliveredNotifications(Broker);
        var topic = Broker.CreateTopic("t");
        var dlq = Broker.CreateQueue("dlq");
        var attempts = Channel.CreateUnbounded<int>();
        topic.Subscribe(
            (n, _) =>
            {
                attempts.Writer.TryWrite(n.DeliveryAttempt);
                return n.DeliveryAttempt == 1 ? throw new InvalidOperationException("first time fails") : ValueTask.CompletedTask;
            },
            new SubscriptionOptions { DeliveryPolicy = ThreeRetries20SecondsApart, RedrivePolicy = new SubscriptionRedrivePolicy("dlq") });

        await topic.PublishAsync(Message("m"));
        Assert.Equal(1, await Next(attempts.Reader));
        await Time.NextRetryScheduled();
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(2, await Next(attempts.Reader));

        Assert.True(SpinWait.SpinUntil(() => delivered.Count == 1, Bound));
        Assert.False(Time.HasUnreadRetry);
        Assert.Empty(await Drain(dlq));
    }

    [Fact]
    public async Task A_failing_handler_does_not_affect_other_subscriptions()
    {
        var topic = Broker.CreateTopic("t");
        var failing = Channel.CreateUnbounded<Notification>();
        var healthy = Channel.CreateUnbounded<string>();
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(AlwaysFails(failing.Writer), new SubscriptionOptions { DeliveryPolicy = ThreeRetries20SecondsApart });
        topic.Subscribe((n, _) => { healthy.Writer.TryWrite(n.Message); return ValueTask.CompletedTask; });
        topic.Subscribe(queue);

        await topic.PublishAsync(Message("a"));
        await topic.PublishAsync(Message("b"));

        Assert.Equal(["a", "b"], new[] { await Next(healthy.Reader), await Next(healthy.Reader) }.Order());
        Assert.Equal(["a", "b"], (await DrainEnvelopeMessages(queue)).Order());
        await Next(failing.Reader);
        await Next(failing.Reader);
    }

    [Fact]
    public async Task Unsubscribing_drops_retries_already_scheduled()
    {
        var topic = Broker.CreateTopic("t");
        var dlq = Broker.CreateQueue("dlq");
        var attempts = Channel.CreateUnbounded<Notification>();
        var subscription = topic.Subscribe(AlwaysFails(attempts.Writer), new SubscriptionOptions
        {
            DeliveryPolicy = ThreeRetries20SecondsApart with { NumRetries = 1 },
            RedrivePolicy = new SubscriptionRedrivePolicy("dlq"),
        });
        await topic.PublishAsync(Message("m"));
        await Next(attempts.Reader);
        Assert.Equal(TimeSpan.FromSeconds(20), await Time.NextRetryScheduled());

        subscription.Unsubscribe();
        Time.Advance(TimeSpan.FromHours(1));

        Assert.False(attempts.Reader.TryRead(out _));
        Assert.Empty(await Drain(dlq));
        Assert.False(Time.HasUnreadRetry);
    }

    [Fact]
    public async Task The_token_a_handler_receives_is_cancelled_when_it_unsubscribes()
    {
        var topic = Broker.CreateTopic("t");
        var token = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = topic.Subscribe(async (_, cancellation) =>
        {
            token.TrySetResult(cancellation);
            await gate.Task;
        });
        await topic.PublishAsync(Message("m"));
        var received = await token.Task.WaitAsync(Bound);
        Assert.False(received.IsCancellationRequested);

        subscription.Unsubscribe();

        Assert.True(received.IsCancellationRequested);
        gate.SetResult();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_token_a_handler_receives_is_cancelled_when_its_topic_or_broker_goes_away(bool disposeBroker)
    {
        var topic = Broker.CreateTopic("t");
        var token = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        topic.Subscribe(async (_, cancellation) =>
        {
            token.TrySetResult(cancellation);
            await gate.Task;
        });
        await topic.PublishAsync(Message("m"));
        var received = await token.Task.WaitAsync(Bound);

        if (disposeBroker)
        {
            Broker.Dispose();
        }
        else
        {
            Broker.DeleteTopic("t");
        }

        Assert.True(received.IsCancellationRequested);
        gate.SetResult();
    }
}
