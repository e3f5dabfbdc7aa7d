using System.Runtime.CompilerServices;
using Broker.Queues.Internal;

namespace Broker.Tests.Queues;

/// <summary>
/// The FIFO group's stack of arriving messages: numbers that increase in the order messages enter, and a drain that makes
/// the node on top the new bottom in place, allocating nothing and keeping no collected message alive.
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
