using Broker.Queues;
using Broker.Topics;
using Broker.Testing.Tests.Support;

namespace Broker.Testing.Tests.Idle;

/// <summary>Without a host: waiting for idle waits for the engine's handler subscriptions, and its timeout says why.</summary>
public sealed class EngineIdleTests
{
    [Fact]
    public async Task WaitForIdle_waits_until_a_handler_subscription_has_handled_its_deliveries()
    {
        await using var harness = new BrokerTestHarness();
        var topic = harness.Broker.CreateTopic("videos");
        var gate = new Gate();
        var handled = 0;
        topic.Subscribe(async (_, _) =>
        {
            await gate.PassAsync();
            Interlocked.Increment(ref handled);
        });
        await topic.PublishAsync(new PublishRequest("one"));
        await topic.PublishAsync(new PublishRequest("two"));
        await gate.Entered.WaitAsync(Gate.Bound);

        var idle = harness.WaitForIdleAsync().AsTask();
        Assert.False(idle.IsCompleted); // a handler is held: the broker is not idle
        gate.Open();
        await idle.WaitAsync(Gate.Bound);

        Assert.Equal(2, Volatile.Read(ref handled));
        Assert.Equal(2, harness.Delivered("videos").Count);
    }

    [Fact]
    public async Task WaitForIdle_returns_at_once_when_only_the_clock_can_move_anything()
    {
        await using var harness = new BrokerTestHarness();
        var queue = harness.Broker.CreateQueue("orders");
        await queue.SendAsync(new SendMessageRequest("later") { DelaySeconds = 60 });
        await queue.SendAsync(new SendMessageRequest("held"));
        Assert.Single(await queue.ReceiveAsync());

        await harness.WaitForIdleAsync().AsTask().WaitAsync(Gate.Bound);
    }

    [Fact]
    public async Task AdvanceAsync_runs_a_subscription_retry_that_waits_on_the_clock()
    {
        await using var harness = new BrokerTestHarness();
        var topic = harness.Broker.CreateTopic("videos");
        var attempts = 0;
        topic.Subscribe(
            (_, _) => Interlocked.Increment(ref attempts) == 1 ? throw new InvalidOperationException("first attempt fails") : ValueTask.CompletedTask,
            new SubscriptionOptions { DeliveryPolicy = new DeliveryPolicy { NumRetries = 1, NumMinDelayRetries = 1, MinDelayTarget = TimeSpan.FromSeconds(20) } });
        await topic.PublishAsync(new PublishRequest("clip"));
        await harness.WaitForIdleAsync();
        Assert.Empty(harness.Delivered("videos")); // the retry waits for 20 s of the harness clock

        await harness.AdvanceAsync(TimeSpan.FromSeconds(20));

        Assert.Single(harness.Delivered("videos"));
        Assert.Equal(2, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task The_timeout_names_what_is_busy_and_what_waits_for_the_clock()
    {
        await using var harness = new BrokerTestHarness(new BrokerTestHarnessOptions { IdleTimeout = TimeSpan.FromMilliseconds(200) });
        var topic = harness.Broker.CreateTopic("videos");
        var gate = new Gate();
        topic.Subscribe(async (_, _) => await gate.PassAsync());
        var queue = harness.Broker.CreateQueue("orders");
        await queue.SendAsync(new SendMessageRequest("later") { DelaySeconds = 60 });
        await topic.PublishAsync(new PublishRequest("clip"));
        await gate.Entered.WaitAsync(Gate.Bound);

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => harness.WaitForIdleAsync().AsTask());

        gate.Open();
        Assert.Contains("busy: topic 'videos'", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("waiting for the clock: queue 'orders': 1 delayed message(s), the first visible at 2000-01-01T00:01:00.0000000+00:00; advance the clock", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("not idle after 00:00:00.2000000 (real time)", timeout.Message, StringComparison.Ordinal);

        // Once the handler returns the broker settles; this wait gets a bound of its own, not the short IdleTimeout.
        await harness.WaitForIdleAsync(Gate.Bound);
    }
}
