using Broker.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Queues;

public sealed class RetentionAndPurgeTests : QueueFixture
{
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private IMessageQueue CreateOneMinuteQueue() => Broker.CreateQueue("jobs", new QueueOptions { MessageRetentionPeriod = Minute });

    // ---- Retention ----

    [Fact]
    public async Task Visible_message_expires_exactly_at_the_retention_period()
    {
        var queue = CreateOneMinuteQueue();
        await queue.SendAsync("m");

        Time.Advance(Minute - Tick);
        Assert.Equal((1, 0, 0), Counts(queue));

        Time.Advance(Tick);
        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Visible_message_is_still_receivable_just_before_its_retention_ends()
    {
        var queue = CreateOneMinuteQueue();
        await queue.SendAsync("m");

        Time.Advance(Minute - Tick);

        Assert.Equal("m", (await ReceiveOne(queue)).GetBodyAsString());
    }

    [Fact]
    public async Task In_flight_message_expires_at_its_retention_even_with_a_longer_visibility_timeout()
    {
        var queue = CreateOneMinuteQueue();
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue, TimeSpan.FromHours(1));

        Time.Advance(Minute - Tick);
        Assert.Equal((0, 1, 0), Counts(queue));

        Time.Advance(Tick);
        Assert.Equal((0, 0, 0), Counts(queue));

        // Deleting with the handle of an expired message is not an error.
        await queue.DeleteAsync(got.ReceiptHandle);
        Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Delayed_message_expires_when_its_retention_ends_during_the_delay()
    {
        var queue = CreateOneMinuteQueue();
        await queue.SendAsync(new SendMessageRequest("m") { DelaySeconds = 120 });

        Time.Advance(Minute - Tick);
        Assert.Equal((0, 0, 1), Counts(queue));

        Time.Advance(Tick);
        Assert.Equal((0, 0, 0), Counts(queue));

        Time.Advance(Minute);
        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Message_back_from_a_visibility_timeout_expires_at_its_send_time_plus_retention()
    {
        var queue = CreateOneMinuteQueue();
        await queue.SendAsync("m");
        Time.Advance(TimeSpan.FromSeconds(40));
        await ReceiveOne(queue, TimeSpan.FromSeconds(10));
        Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal((1, 0, 0), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(10) - Tick);
        Assert.Equal((1, 0, 0), Counts(queue));

        Time.Advance(Tick);
        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Lowering_the_retention_period_expires_older_messages_at_once()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("old-in-flight");
        var inFlight = await ReceiveOne(queue, TimeSpan.FromHours(1));
        await queue.SendAsync("old-visible");
        await queue.SendAsync(new SendMessageRequest("old-delayed") { DelaySeconds = 900 });
        Time.Advance(TimeSpan.FromSeconds(100));
        await queue.SendAsync("young");
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal((2, 1, 1), Counts(queue));

        queue.SetAttributes(queue.GetAttributes().Options with { MessageRetentionPeriod = Minute });

        // The three sent 120 s ago are gone at once; the one sent 20 s ago lives until 60 s after its send.
        Assert.Equal((1, 0, 0), Counts(queue));
        await queue.DeleteAsync(inFlight.ReceiptHandle);
        Time.Advance(TimeSpan.FromSeconds(40) - Tick);
        Assert.Equal((1, 0, 0), Counts(queue));
        Time.Advance(Tick);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Lowering_the_retention_period_lets_younger_messages_be_received()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("old");
        Time.Advance(TimeSpan.FromSeconds(100));
        await queue.SendAsync("young");

        queue.SetAttributes(queue.GetAttributes().Options with { MessageRetentionPeriod = Minute });

        var got = await ReceiveAll(queue);
        Assert.Equal(["young"], got.Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task Raising_the_retention_period_keeps_messages_that_would_have_expired()
    {
        var queue = CreateOneMinuteQueue();
        await queue.SendAsync("visible");
        await queue.SendAsync("in-flight");
        await ReceiveOne(queue, TimeSpan.FromHours(1));
        Time.Advance(TimeSpan.FromSeconds(30));

        queue.SetAttributes(queue.GetAttributes().Options with { MessageRetentionPeriod = TimeSpan.FromSeconds(120) });

        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal((1, 1, 0), Counts(queue));
        Time.Advance(TimeSpan.FromSeconds(60) - Tick);
        Assert.Equal((1, 1, 0), Counts(queue));
        Time.Advance(Tick);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Raising_the_retention_period_keeps_a_delayed_message_delayed_until_its_delay_ends()
    {
        var queue = CreateOneMinuteQueue();
        await queue.SendAsync(new SendMessageRequest("delayed") { DelaySeconds = 90 });
        Time.Advance(TimeSpan.FromSeconds(30));

        queue.SetAttributes(queue.GetAttributes().Options with { MessageRetentionPeriod = TimeSpan.FromSeconds(120) });

        // Past the old retention: neither expired nor released early.
        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal((0, 0, 1), Counts(queue));
        Time.Advance(TimeSpan.FromSeconds(30) - Tick);
        Assert.Equal((0, 0, 1), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));

        // The delay ends at 90 s; the new retention at 120 s.
        Time.Advance(Tick);
        Assert.Equal((1, 0, 0), Counts(queue));
        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    // ---- Purge ----

    [Fact]
    public async Task Purge_removes_visible_in_flight_and_delayed_messages()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("in-flight");
        var inFlight = await ReceiveOne(queue);
        await queue.SendAsync("visible");
        await queue.SendAsync(new SendMessageRequest("delayed") { DelaySeconds = 10 });
        Assert.Equal((1, 1, 1), Counts(queue));

        await queue.PurgeAsync();

        Assert.Equal((0, 0, 0), Counts(queue));
        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));

        // The purged message's handle is harmless.
        await queue.DeleteAsync(inFlight.ReceiptHandle);
    }

    [Fact]
    public async Task Messages_sent_after_a_purge_are_received()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("before");
        await queue.PurgeAsync();

        await queue.SendAsync("after");

        Assert.Equal((1, 0, 0), Counts(queue));
        Assert.Equal("after", (await ReceiveOne(queue)).GetBodyAsString());
    }

    [Fact]
    public async Task Second_purge_within_the_cool_down_fails_with_PurgeQueueInProgress()
    {
        var time = new FakeTimeProvider();
        using var broker = new MessageBroker(new BrokerOptions(), time);
        var queue = broker.CreateQueue("jobs");
        await queue.PurgeAsync();

        time.Advance(TimeSpan.FromSeconds(60) - Tick);
        await queue.SendAsync("kept");
        var error = await ThrowsBroker(BrokerErrorCodes.PurgeQueueInProgress, () => queue.PurgeAsync().AsTask());
        Assert.False(error.SenderFault);
        Assert.Equal((1, 0, 0), Counts(queue));

        time.Advance(Tick);
        await queue.PurgeAsync();
        Assert.Equal((0, 0, 0), Counts(queue));
    }
}
