using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Tests.Queues;

/// <summary>
/// Retention on FIFO queues: a message waiting in its group expires when its retention ends, found by the queue's sweep
/// of its slots rather than by a timer ticket of its own.
/// </summary>
public sealed class FifoRetentionTests : QueueFixture
{
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private IMessageQueue CreateFifo(TimeSpan? delay = null) => Broker.CreateQueue(
        "jobs.fifo",
        new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true, MessageRetentionPeriod = Minute, Delay = delay ?? TimeSpan.Zero });

    private static SendMessageRequest Msg(string body, string group) => new(body) { MessageGroupId = group };

    [Fact]
    public async Task A_waiting_message_expires_exactly_at_the_end_of_its_retention()
    {
        var queue = CreateFifo();
        await queue.SendAsync(Msg("m", "a"));

        Time.Advance(Minute - Tick);
        Assert.Equal((1, 0, 0), Counts(queue));

        Time.Advance(Tick);
        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Messages_sent_at_different_times_each_expire_at_their_own_retention_end()
    {
        var queue = CreateFifo();
        await queue.SendAsync(Msg("first", "a"));
        Time.Advance(TimeSpan.FromSeconds(20));
        await queue.SendAsync(Msg("second", "a"));
        await queue.SendAsync(Msg("other group", "b"));
        Time.Advance(TimeSpan.FromSeconds(25));
        await queue.SendAsync(Msg("third", "c"));

        Time.Advance(TimeSpan.FromSeconds(15)); // 60 s: the first expires
        Assert.Equal((3, 0, 0), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(20) - Tick);
        Assert.Equal((3, 0, 0), Counts(queue));
        Time.Advance(Tick); // 80 s: the two sent at 20 s
        Assert.Equal((1, 0, 0), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(25) - Tick);
        Assert.Equal(["third"], (await queue.ReceiveAsync(Take(10, TimeSpan.Zero))).Select(m => m.GetBodyAsString()));
        Time.Advance(Tick); // 105 s: the last
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Sending_arms_no_timer_ticket_per_message_one_sweep_covers_them_all()
    {
        var queue = CreateFifo();
        for (var i = 0; i < 1_000; i++)
        {
            await queue.SendAsync(Msg($"m{i}", $"g{i % 100}"));
        }

        Assert.InRange(((MessageQueue)queue).PendingTimerTickets, 1, 1);

        Time.Advance(Minute);
        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.Equal(0, ((MessageQueue)queue).PendingTimerTickets);
    }

    [Fact]
    public async Task A_message_received_and_returned_keeps_its_retention_from_its_send()
    {
        var queue = CreateFifo();
        await queue.SendAsync(Msg("m", "a"));
        Time.Advance(TimeSpan.FromSeconds(40));
        await ReceiveOne(queue, TimeSpan.FromSeconds(10));
        Time.Advance(TimeSpan.FromSeconds(10)); // back in its group, 50 s old
        Assert.Equal((1, 0, 0), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(10) - Tick);
        Assert.Equal((1, 0, 0), Counts(queue));
        Time.Advance(Tick);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_message_in_flight_when_the_sweep_runs_is_left_to_its_receipt_and_expires_at_its_retention_end()
    {
        var queue = CreateFifo();
        await queue.SendAsync(Msg("held", "a"));
        Time.Advance(TimeSpan.FromSeconds(30));
        await queue.SendAsync(Msg("waiting", "b"));
        var held = await ReceiveOne(queue, TimeSpan.FromHours(1));
        Assert.Equal("held", held.GetBodyAsString());

        Time.Advance(TimeSpan.FromSeconds(30)); // the first's retention ends in flight
        Assert.Equal((1, 0, 0), Counts(queue));
        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_delayed_message_expires_when_its_retention_ends_during_the_delay()
    {
        var queue = CreateFifo(delay: TimeSpan.FromMinutes(15));
        await queue.SendAsync(Msg("m", "a"));
        Assert.Equal((0, 0, 1), Counts(queue));

        Time.Advance(Minute);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Lowering_the_retention_expires_older_waiting_messages_at_once_and_raising_it_keeps_them()
    {
        var queue = CreateFifo();
        await queue.SendAsync(Msg("old", "a"));
        Time.Advance(TimeSpan.FromSeconds(50));
        await queue.SendAsync(Msg("young", "b"));

        queue.SetAttributes(queue.GetAttributes().Options with { MessageRetentionPeriod = TimeSpan.FromSeconds(120) });
        Time.Advance(TimeSpan.FromSeconds(50)); // 100 s: both kept under the raised period
        Assert.Equal((2, 0, 0), Counts(queue));

        queue.SetAttributes(queue.GetAttributes().Options with { MessageRetentionPeriod = Minute });
        Assert.Equal(["young"], (await queue.ReceiveAsync(Take(10, TimeSpan.Zero))).Select(m => m.GetBodyAsString()));
        Assert.Equal((1, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Above_the_sweep_gap_threshold_sweeps_are_a_second_apart_and_a_receive_never_returns_an_expired_message()
    {
        var queue = CreateFifo();
        for (var i = 0; i < MessageQueue.FifoSweepGapAbove; i++)
        {
            await queue.SendAsync(Msg($"m{i}", $"g{i % 50}"));
        }

        Time.Advance(TimeSpan.FromMilliseconds(300));
        await queue.SendAsync(Msg("late", "z"));

        Time.Advance(Minute - TimeSpan.FromMilliseconds(300)); // the first batch expires; the sweep re-arms a second on
        Assert.Equal((1, 0, 0), Counts(queue));

        Time.Advance(TimeSpan.FromMilliseconds(300)); // "late"'s retention has ended, the next sweep is 0.7 s away
        Assert.Equal((1, 0, 0), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Assert.Equal((0, 0, 0), Counts(queue)); // the receive expired it

        await queue.SendAsync(Msg("next", "y"));
        Time.Advance(Minute);
        Assert.Equal((0, 0, 0), Counts(queue));
    }
}
