using System.Runtime.CompilerServices;
using Broker.Queues.Internal;

namespace Broker.Tests.Queues;

/// <summary>
/// The FIFO group's stack of arriving messages: numbers taken from the group's counter, a drain that returns messages in
/// number order (waiting for a number taken and not pushed yet), allocating nothing and keeping no collected message alive.
/// </summary>
public sealed class FifoGroupTests
{
    private static QueueMessage NewMessage(long sequence) =>
        new(new byte[] { 1 }, MessageExtras.Create([], 0, "g", "d" + sequence), sequence, 0);

    [Fact]
    public void Messages_come_out_in_the_order_they_entered_numbered_one_up_across_drains()
    {
        var group = new FifoGroup("g", lastSequence: 41);
        var seen = new List<long>();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < round + 2; i++)
            {
                Assert.True(group.TryPush(NewMessage((round * 10) + i)));
            }

            var messages = group.Collect(out var start);
            seen.AddRange(messages.Skip(start).Select(m => m.Extras!.SequenceNumber));
            Assert.Equal([.. Enumerable.Range(0, round + 2).Select(i => (long)((round * 10) + i))], messages.Skip(start).Select(m => m.Sequence));
            group.Advance(messages.Count);
            Assert.False(group.MayHaveMessages());
        }

        Assert.Equal([.. Enumerable.Range(42, 9).Select(n => (long)n)], seen);
    }

    [Fact]
    public void A_message_pushed_before_one_numbered_ahead_of_it_waits_for_it()
    {
        // Two senders: the first takes number 1, the second number 2 and pushes first.
        var group = new FifoGroup("g");
        var first = NewMessage(1);
        var second = NewMessage(2);
        group.TakeNumber(first);
        group.TakeNumber(second);
        Assert.True(group.TryPushNumbered(second));

        var messages = group.Collect(out var start);
        Assert.Equal(start, messages.Count); // number 2 waits for number 1
        Assert.False(group.MayHaveMessages());
        var floor = 0L;
        Assert.False(group.TryRetire(ref floor)); // it still holds a message

        Assert.True(group.TryPushNumbered(first));
        Assert.True(group.MayHaveMessages());
        messages = group.Collect(out start);
        Assert.Equal([first, second], messages.Skip(start));
        Assert.Equal([1L, 2L], messages.Skip(start).Select(static m => m.Extras!.SequenceNumber));
    }

    [Fact]
    public void A_group_does_not_retire_while_a_sender_holds_a_number_it_has_not_pushed()
    {
        var group = new FifoGroup("g", lastSequence: 7);
        var message = NewMessage(1);
        group.TakeNumber(message);
        var floor = 0L;

        Assert.False(group.TryRetire(ref floor));
        Assert.True(group.TryPushNumbered(message));
        Assert.Same(message, Assert.Single(group.Collect(out _)));
        Assert.Equal(8, message.Extras!.SequenceNumber);
    }

    [Fact]
    public void A_retired_groups_floor_is_its_last_number_and_it_refuses_pushes()
    {
        var group = new FifoGroup("g", lastSequence: 7);
        Assert.True(group.TryPush(NewMessage(1)));
        group.Advance(group.Collect(out _).Count);
        var floor = 0L;

        Assert.True(group.TryRetire(ref floor));
        Assert.Equal(8, floor);
        Assert.True(group.IsRetired);
        Assert.False(group.TryPush(NewMessage(2)));
        Assert.False(group.MayHaveMessages());
    }

    [Fact]
    public void A_drain_allocates_nothing_once_the_list_has_room()
    {
        var group = new FifoGroup("g");
        Assert.True(group.TryPush(NewMessage(1)));
        group.Advance(group.Collect(out _).Count); // the list's first array
        var message = NewMessage(2);
        Assert.True(group.TryPush(message));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var messages = group.Collect(out var start);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Same(message, messages[start]);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_drained_group_keeps_no_collected_message_alive()
    {
        var group = new FifoGroup("g");
        var collected = PushAndDrain(group);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.All(collected, message => Assert.False(message.TryGetTarget(out _)));
        Assert.False(group.MayHaveMessages());
        Assert.True(group.TryPush(NewMessage(9)));
        Assert.Equal(3, group.Collect(out var start)[start].Extras!.SequenceNumber);
    }

    [Fact]
    public async Task Concurrent_senders_get_distinct_numbers_in_the_order_the_drains_return_them()
    {
        var group = new FifoGroup("g");
        const int PerSender = 20_000;
        using var go = new ManualResetEventSlim();
        var senders = Enumerable.Range(0, 2).Select(s => Task.Run(() =>
        {
            go.Wait(TimeSpan.FromSeconds(30));
            for (var i = 0; i < PerSender; i++)
            {
                Assert.True(group.TryPush(NewMessage((s * PerSender) + i)));
            }
        })).ToArray();

        var numbers = new List<long>();
        var perSender = new List<long>[] { [], [] };
        go.Set();
        while (numbers.Count < 2 * PerSender)
        {
            var messages = group.Collect(out var start);
            foreach (var message in messages.Skip(start))
            {
                numbers.Add(message.Extras!.SequenceNumber);
                perSender[message.Sequence / PerSender].Add(message.Sequence);
            }

            group.Advance(messages.Count);
            if (senders.All(t => t.IsCompleted) && !group.MayHaveMessages() && numbers.Count < 2 * PerSender)
            {
                await Task.WhenAll(senders); // a sender's failure, if any
                Assert.Fail($"Every sender is done and the group is drained, but only {numbers.Count} messages came out.");
            }
        }

        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([.. Enumerable.Range(1, 2 * PerSender).Select(n => (long)n)], numbers);
        Assert.All(perSender, sent => Assert.Equal([.. sent.Order()], sent));
    }

    [Fact]
    public void A_collected_messages_extras_keep_no_earlier_message_of_its_group_alive()
    {
        // A message's extras are its node in the stack, and live as long as the message (in flight, say): once
        // collected, they must not still link to the node below, whose message may long be deleted.
        var group = new FifoGroup("g");
        var (earlier, held) = PushThreeAndDrain(group);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(earlier.TryGetTarget(out _));
        Assert.Equal(2, held.Extras!.SequenceNumber);
        GC.KeepAlive(held);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference<QueueMessage> Earlier, QueueMessage Held) PushThreeAndDrain(FifoGroup group)
    {
        QueueMessage[] sent = [NewMessage(1), NewMessage(2), NewMessage(3)];
        foreach (var message in sent)
        {
            Assert.True(group.TryPush(message));
        }

        var messages = group.Collect(out _);
        group.Advance(messages.Count);
        return (new(sent[0]), sent[1]); // the second is still held (as if in flight), the first and third are let go
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<QueueMessage>[] PushAndDrain(FifoGroup group)
    {
        var first = NewMessage(1);
        var second = NewMessage(2);
        Assert.True(group.TryPush(first));
        Assert.True(group.TryPush(second));
        var messages = group.Collect(out _);
        group.Advance(messages.Count);
        return [new(first), new(second)]; // the node that was on top held the second, and the first below it
    }
}
