using System.Globalization;
using System.Reflection;
using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Tests.Queues;

/// <summary>Regressions found in review: each test failed before its fix.</summary>
public sealed class EngineRegressionTests : QueueFixture
{
    private static SendMessageRequest InGroup(string body, string group) => new(body) { MessageGroupId = group };

    [Fact]
    public async Task A_receive_that_is_moving_messages_when_the_dead_letter_queue_is_deleted_finishes_and_loses_nothing()
    {
        const int Count = 20_000;
        using var broker = new MessageBroker(new BrokerOptions { QueueDeletionCooldown = TimeSpan.Zero }, TimeProvider.System);
        var dlq = broker.CreateQueue("dlq");
        var source = broker.CreateQueue("src", new QueueOptions { VisibilityTimeout = TimeSpan.Zero, RedrivePolicy = new RedrivePolicy("dlq", 1) });
        for (var i = 0; i < Count; i += 10)
        {
            await source.SendBatchAsync([.. Enumerable.Range(0, 10).Select(j => new SendMessageBatchEntry($"e{j}", "m"))]);
        }

        for (var i = 0; i < Count / 10; i++)
        {
            await source.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.Zero });
        }

        // One receive moves every message (moved ones do not fill its batch); the DLQ goes away in the middle.
        var deleter = Task.Factory.StartNew(
            () =>
            {
                var spin = default(SpinWait);
                while (dlq.GetAttributes().ApproximateNumberOfMessages < 100)
                {
                    spin.SpinOnce();
                }

                broker.DeleteQueue("dlq");
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        var receive = Task.Run(async () => await source.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 1, WaitTime = TimeSpan.Zero }));

        await deleter.WaitAsync(TimeSpan.FromSeconds(60));
        var got = await receive.WaitAsync(TimeSpan.FromSeconds(60));

        // Whatever was not moved before the deletion is still here: delivered by that receive or waiting.
        var left = source.GetAttributes();
        Assert.True(left.ApproximateNumberOfMessages + left.ApproximateNumberOfMessagesNotVisible + got.Count > 0);
        Assert.True(left.ApproximateNumberOfMessages + left.ApproximateNumberOfMessagesNotVisible <= Count);
    }

    [Fact]
    public async Task A_fifo_group_whose_delay_ends_while_a_receiver_holds_it_is_delivered_afterwards()
    {
        var queue = Broker.CreateQueue("strand.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        await queue.SendAsync(InGroup("m0", "g"));
        var m0 = await ReceiveOne(queue);
        queue.SetAttributes(queue.GetAttributes().Options with { Delay = TimeSpan.FromSeconds(10) });
        await queue.SendAsync(InGroup("m1", "g"));
        await queue.DeleteAsync(m0);
        Assert.Empty(await queue.ReceiveAsync(Take()));

        // Stand in for a receiver that holds the group while its delay ends and another receiver finds it held.
        var group = Group(queue, "g");
        Assert.True(group.TryClaim());
        Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        ReleaseLikeAReceiver(queue, group);

        Assert.Equal("m1", (await ReceiveOne(queue)).GetBodyAsString());
    }

    [Fact]
    public async Task A_fifo_redrive_keeps_the_order_of_each_group()
    {
        var fifo = new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true };
        var dlq = Broker.CreateQueue("dlq.fifo", fifo);
        var source = Broker.CreateQueue("src.fifo", fifo with { VisibilityTimeout = TimeSpan.Zero, RedrivePolicy = new RedrivePolicy("dlq.fifo", 1) });
        for (var i = 0; i < 3; i++)
        {
            await dlq.SendAsync(InGroup("d" + i, "d"));
        }

        foreach (var m in await ReceiveAll(dlq))
        {
            await dlq.DeleteAsync(m); // the slot free list now hands out slots in reverse
        }

        foreach (var body in new[] { "m1", "m2", "m3" })
        {
            await source.SendAsync(InGroup(body, "g"));
        }

        Assert.Equal(3, (await source.ReceiveAsync(Take())).Count);
        Assert.Empty(await source.ReceiveAsync(Take()));
        Assert.Equal((3, 0, 0), Counts(dlq));

        Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = dlq.Arn });

        Assert.Equal(["m1", "m2", "m3"], (await source.ReceiveAsync(Take())).Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task Deleted_messages_leave_no_timer_tickets_behind_once_the_timer_runs()
    {
        var queue = Broker.CreateQueue("busy", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        for (var i = 0; i < 10_000; i += 10)
        {
            await queue.SendBatchAsync([.. Enumerable.Range(0, 10).Select(j => new SendMessageBatchEntry($"e{j}", "m"))]);
            var got = await queue.ReceiveAsync(Take(10));
            await queue.DeleteBatchAsync([.. got.Select((m, j) => new DeleteMessageBatchEntry($"d{j}", m))]);
        }

        Time.Advance(TimeSpan.FromSeconds(30));

        // Only the queue's retention sweep may wait (once per queue); none of the 1,000 batches' visibility tickets remain.
        Assert.InRange(((MessageQueue)queue).PendingTimerTickets, 0, 1);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Fifo_groups_that_empty_leave_the_directory_so_distinct_group_ids_do_not_accumulate()
    {
        var queue = await FifoQueueWith500EmptiedGroups();

        ((MessageQueue)queue).SweepIdleGroups(); // marks the groups idle
        Assert.Equal(500, GroupCount(queue));
        ((MessageQueue)queue).SweepIdleGroups(); // still idle and empty: they retire
        Assert.Equal(0, GroupCount(queue));

        // A group id used again after its group retired gets a fresh group, in order.
        await queue.SendAsync(InGroup("again 1", "order-7"));
        await queue.SendAsync(InGroup("again 2", "order-7"));
        Assert.Equal(["again 1", "again 2"], (await queue.ReceiveAsync(Take())).Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task Sends_sweep_idle_fifo_groups_by_themselves_once_enough_messages_have_passed()
    {
        var queue = await FifoQueueWith500EmptiedGroups();

        // Traffic in one other group: every GroupSweepEvery sends a sweep runs; the second one retires the 500.
        for (var i = 0; i < 3 * MessageQueue.GroupSweepEvery; i += 10)
        {
            await queue.SendBatchAsync([.. Enumerable.Range(i, 10).Select(n => new SendMessageBatchEntry($"e{n % 10}", $"steady {n}") { MessageGroupId = "steady" })]);
        }

        Assert.Equal(1, GroupCount(queue));
    }

    [Fact]
    public async Task A_new_fifo_group_id_for_every_message_keeps_the_directory_bounded_however_long_it_goes_on()
    {
        const int Messages = 6 * MessageQueue.GroupSweepMost;
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        var most = 0;
        for (var i = 0; i < Messages; i += 10)
        {
            await queue.SendBatchAsync([.. Enumerable.Range(i, 10).Select(n => new SendMessageBatchEntry($"e{n % 10}", $"order {n}") { MessageGroupId = $"order-{n}" })]);
            var received = await queue.ReceiveAsync(Take(10));
            await queue.DeleteBatchAsync([.. received.Select((m, n) => new DeleteMessageBatchEntry($"d{n}", m))]);
            most = Math.Max(most, GroupCount(queue));
        }

        // Sweeps retire the used groups a sweep after they empty, and come at most GroupSweepMost publications apart.
        // Spaced by every group the last one saw, each interval was the sum of the two before: the directory held over
        // 40,000 of the 98,304 ids, and kept growing with the traffic.
        Assert.InRange(most, 1, (2 * MessageQueue.GroupSweepMost) + MessageQueue.GroupSweepEvery);
    }

    [Fact]
    public async Task Fifo_groups_that_come_back_every_few_thousand_messages_keep_their_groups_across_sweeps()
    {
        const int Groups = 4_000;
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        async Task Pass(int pass)
        {
            for (var i = 0; i < Groups; i += 10)
            {
                await queue.SendBatchAsync([.. Enumerable.Range(i, 10).Select(n => new SendMessageBatchEntry($"e{n % 10}", $"pass {pass} order {n}") { MessageGroupId = $"g-{n}" })]);
                var received = await queue.ReceiveAsync(Take(10));
                await queue.DeleteBatchAsync([.. received.Select((m, n) => new DeleteMessageBatchEntry($"d{n}", m))]);
            }
        }

        for (var pass = 0; pass < 5; pass++)
        {
            await Pass(pass);
        }

        // By now the sweeps are at least as far apart as the groups come back: none is retired and made again.
        var groups = Enumerable.Range(0, Groups).Select(n => Group(queue, $"g-{n}")).ToArray();
        for (var pass = 5; pass < 10; pass++)
        {
            await Pass(pass);
        }

        Assert.Equal(Groups, GroupCount(queue));
        Assert.All(Enumerable.Range(0, Groups), n => Assert.Same(groups[n], Group(queue, $"g-{n}")));
    }

    [Fact]
    public async Task A_backlog_spread_over_more_fifo_groups_than_a_sweep_interval_spaces_the_sweeps_by_itself()
    {
        const int Waiting = 50_000; // three times GroupSweepMost, and more
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        for (var i = 0; i < Waiting; i += 10)
        {
            await queue.SendBatchAsync([.. Enumerable.Range(i, 10).Select(n => new SendMessageBatchEntry($"e{n % 10}", $"order {n}") { MessageGroupId = $"order-{n}" })]);
        }

        var engine = (MessageQueue)queue;
        engine.SweepIdleGroups(); // marks them idle
        engine.SweepIdleGroups(); // idle, but holding messages: kept

        // Each sweep visits every group it cannot retire: spaced less than that many publications apart, they would
        // cost more than one visit a message.
        var next = (long)typeof(MessageQueue).GetField("nextGroupSweepAt", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(engine)!;
        Assert.Equal(Waiting, GroupCount(queue));
        Assert.True(next - Waiting >= Waiting, $"the next sweep comes {next - Waiting} publications on, with {Waiting} groups waiting");
    }

    [Fact]
    public async Task A_fifo_group_in_steady_use_keeps_its_group_across_sweeps()
    {
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        await queue.SendAsync(InGroup("first", "A"));
        var group = Group(queue, "A");
        for (var i = 0; i < 3; i++)
        {
            await queue.DeleteAsync(Assert.Single(await queue.ReceiveAsync(Take(10))));
            ((MessageQueue)queue).SweepIdleGroups();
            await queue.SendAsync(InGroup($"next {i}", "A"));
        }

        Assert.Same(group, Group(queue, "A"));
    }

    [Fact]
    public async Task Sends_racing_sweeps_that_retire_their_groups_lose_no_message_and_keep_each_groups_order_and_numbers()
    {
        // One sender, one receiver deleting what it gets and one thread sweeping without pause, over a few groups that
        // empty and go idle all the time: pushes race retirements. Every message must arrive once, in its group's
        // order, and each group id's sequence numbers must keep increasing across the groups that retire and come back.
        const int Groups = 4;
        const int PerGroup = 3_000;
        var queue = Broker.CreateQueue("race.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        var engine = (MessageQueue)queue;
        using var done = new CancellationTokenSource();
        var sent = new List<string>[Groups];
        var received = new List<int>[Groups];
        for (var g = 0; g < Groups; g++)
        {
            (sent[g], received[g]) = ([], []);
        }

        // The sweeper runs before the sender and receiver start (on a busy machine a task started last may otherwise
        // begin only after the others are done, and race nothing).
        var sweeps = 0;
        var sweeping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sweeper = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                engine.SweepIdleGroups();
                sweeps++;
                sweeping.TrySetResult();
            }
        });
        await sweeping.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var deleted = 0;
        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < PerGroup; i++)
            {
                for (var g = 0; g < Groups; g++)
                {
                    sent[g].Add((await queue.SendAsync(InGroup($"{g}:{i}", $"g{g}"))).SequenceNumber!);
                }

                // Mostly, let the groups empty first, so that the sweeps retire them and the next sends race that.
                var spinner = default(SpinWait);
                while (i % 8 != 0 && Volatile.Read(ref deleted) < (i + 1) * Groups && !done.IsCancellationRequested)
                {
                    spinner.SpinOnce();
                }
            }
        });
        var receiver = Task.Run(async () =>
        {
            for (var count = 0; count < Groups * PerGroup;)
            {
                var got = await queue.ReceiveAsync(Take(10));
                foreach (var message in got)
                {
                    var parts = message.GetBodyAsString().Split(':');
                    received[int.Parse(parts[0], CultureInfo.InvariantCulture)].Add(int.Parse(parts[1], CultureInfo.InvariantCulture));
                }

                if (got.Count > 0)
                {
                    await queue.DeleteBatchAsync([.. got.Select((m, n) => new DeleteMessageBatchEntry($"d{n}", m))]);
                    count += got.Count;
                    Volatile.Write(ref deleted, count);
                }
            }
        });

        await Task.WhenAll(sender, receiver).WaitAsync(TimeSpan.FromSeconds(60));
        await done.CancelAsync();
        await sweeper.WaitAsync(TimeSpan.FromSeconds(10));

        for (var g = 0; g < Groups; g++)
        {
            Assert.Equal(Enumerable.Range(0, PerGroup), received[g]);
            var numbers = sent[g].Select(static n => decimal.Parse(n, CultureInfo.InvariantCulture)).ToArray();
            Assert.All(numbers.Zip(numbers.Skip(1)), static pair => Assert.True(pair.First < pair.Second, $"{pair.First} then {pair.Second}"));
        }

        Assert.True(sweeps > 0);
    }

    [Fact]
    public async Task A_sweep_never_retires_a_fifo_group_with_a_message_in_flight_or_waiting()
    {
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        await queue.SendAsync(InGroup("in flight", "A"));
        await queue.SendAsync(InGroup("waiting", "B"));
        var inFlight = Assert.Single(await queue.ReceiveAsync(Take(1)));
        Assert.Equal("in flight", inFlight.GetBodyAsString());
        ((MessageQueue)queue).SweepIdleGroups();
        ((MessageQueue)queue).SweepIdleGroups();
        Assert.Equal(2, GroupCount(queue));

        await queue.DeleteAsync(inFlight); // needs its group: the delete unlocks it
        Assert.Equal("waiting", Assert.Single(await queue.ReceiveAsync(Take(10))).GetBodyAsString());
    }

    [Fact]
    public async Task Three_fifo_group_ids_on_one_set_of_the_group_cache_stay_three_groups()
    {
        // Three ids whose sends look at the same set of two entries: each must keep its own group (a message taken into
        // another id's group would wait behind its messages, locked while one of them is in flight), whichever two
        // entries hold, and in whatever order the ids come back.
        var ids = Enumerable.Range(0, 10_000).Select(static n => $"id-{n}").ToArray();
        var set = SetOf(ids[0]);
        var three = ids.Where(id => SetOf(id) == set).Take(3).ToArray();
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });

        foreach (var round in new[] { 0, 1, 2 })
        {
            foreach (var id in round == 1 ? three.Reverse() : three)
            {
                await queue.SendAsync(InGroup($"{id}:{round}", id));
            }
        }

        Assert.Equal($"{three[0]}:0", Assert.Single(await queue.ReceiveAsync(Take(1))).GetBodyAsString()); // its group now locked
        var rest = (await ReceiveAll(queue)).Select(static m => m.GetBodyAsString()).ToList();
        Assert.Equal([$"{three[1]}:0", $"{three[1]}:1", $"{three[1]}:2"], rest.Where(body => body.StartsWith(three[1] + ":", StringComparison.Ordinal)));
        Assert.Equal([$"{three[2]}:0", $"{three[2]}:1", $"{three[2]}:2"], rest.Where(body => body.StartsWith(three[2] + ":", StringComparison.Ordinal)));
        Assert.DoesNotContain(rest, body => body.StartsWith(three[0] + ":", StringComparison.Ordinal));
        Assert.Equal(3, three.Select(id => Group(queue, id)).Distinct().Count());

        static int SetOf(string id) => MessageQueue.GroupCacheSet(MessageQueue.GroupCacheHash(id), MessageQueue.MinGroupCache);
    }

    [Fact]
    public async Task A_group_cache_entry_naming_another_group_under_an_ids_hash_is_not_trusted()
    {
        // What a collision of two ids' cache hashes (or a read racing a refill) looks like: the entry for "b" holds the
        // group of "a". The send must check the group's id and go to the directory, not put b's message behind a's.
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        await queue.SendAsync(InGroup("a's", "a"));
        await queue.SendAsync(InGroup("b's first", "b"));
        var cache = (MessageQueue.GroupCacheEntry[])typeof(MessageQueue).GetField("groupCache", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(queue)!;
        var hash = MessageQueue.GroupCacheHash("b");
        var set = MessageQueue.GroupCacheSet(hash, cache.Length);
        cache[set] = new MessageQueue.GroupCacheEntry { Group = Group(queue, "a"), Hash = hash };
        cache[set + 1] = default;

        await queue.SendAsync(InGroup("b's second", "b"));

        Assert.Equal("a's", Assert.Single(await queue.ReceiveAsync(Take(1))).GetBodyAsString()); // a's group now locked
        Assert.Equal(["b's first", "b's second"], (await ReceiveAll(queue)).Select(static m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task Retired_fifo_groups_are_not_kept_alive_by_the_group_cache()
    {
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        for (var i = 0; i < 16; i++)
        {
            await queue.SendAsync(InGroup($"order {i}", $"order-{i}"));
        }

        foreach (var message in await ReceiveAll(queue))
        {
            await queue.DeleteAsync(message);
        }

        var cache = (MessageQueue.GroupCacheEntry[])typeof(MessageQueue).GetField("groupCache", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(queue)!;
        Assert.Equal(16, cache.Count(static entry => entry.Group is not null));
        Assert.Contains(Enumerable.Range(0, cache.Length / 2), set => cache[2 * set].Group is not null && cache[(2 * set) + 1].Group is not null); // both ways in use
        ((MessageQueue)queue).SweepIdleGroups(); // marks the groups idle (16 groups: the cache keeps its size)
        ((MessageQueue)queue).SweepIdleGroups(); // still idle and empty: they retire

        Assert.Equal(0, GroupCount(queue));
        Assert.Same(cache, typeof(MessageQueue).GetField("groupCache", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(queue));
        Assert.All(cache, static entry => Assert.Null(entry.Group));
    }

    [Fact]
    public async Task Fifo_groups_keep_their_order_across_sweeps_that_resize_the_group_cache()
    {
        const int Groups = 1_000;
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        async Task SendRound(int round)
        {
            for (var g = 0; g < Groups; g += 10)
            {
                await queue.SendBatchAsync([.. Enumerable.Range(g, 10).Select(n => new SendMessageBatchEntry($"e{n % 10}", $"{n}:{round}") { MessageGroupId = $"g-{n}" })]);
            }
        }

        await SendRound(0);
        ((MessageQueue)queue).SweepIdleGroups(); // sees 1,000 groups: the cache grows (and starts empty)
        await SendRound(1);
        ((MessageQueue)queue).SweepIdleGroups();
        await SendRound(2);

        var got = new List<string>();
        for (IReadOnlyList<ReceivedMessage> batch; (batch = await queue.ReceiveAsync(Take(10))).Count > 0;)
        {
            got.AddRange(batch.Select(static m => m.GetBodyAsString()));
            await queue.DeleteBatchAsync([.. batch.Select((m, n) => new DeleteMessageBatchEntry($"d{n}", m))]);
        }

        Assert.Equal(3 * Groups, got.Count);
        foreach (var group in got.GroupBy(static body => body.Split(':')[0]))
        {
            Assert.Equal(["0", "1", "2"], group.Select(static body => body.Split(':')[1]));
        }

        Assert.Equal(Groups, GroupCount(queue));
    }

    [Fact]
    public async Task The_sweeps_list_of_groups_does_not_grow_with_group_ids_that_keep_changing()
    {
        // Every round brings 100 new group ids and retires the last round's: the list the sweep walks must hold about
        // what the directory holds, however many rounds pass.
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        var engine = (MessageQueue)queue;
        for (var round = 0; round < 30; round++)
        {
            for (var i = 0; i < 100; i += 10)
            {
                await queue.SendBatchAsync([.. Enumerable.Range(i, 10).Select(n => new SendMessageBatchEntry($"e{n % 10}", $"{round}:{n}") { MessageGroupId = $"r{round}-g{n}" })]);
            }

            for (IReadOnlyList<ReceivedMessage> batch; (batch = await queue.ReceiveAsync(Take(10))).Count > 0;)
            {
                await queue.DeleteBatchAsync([.. batch.Select((m, n) => new DeleteMessageBatchEntry($"d{n}", m))]);
            }

            engine.SweepIdleGroups();
        }

        Assert.InRange(GroupCount(queue), 100, 200);
        foreach (var field in new[] { "sweepOrder", "sweepSpare" })
        {
            var list = (FifoGroup?[])typeof(MessageQueue).GetField(field, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(queue)!;
            Assert.InRange(list.Length, 0, 400);
        }
    }

    [Fact]
    public async Task A_sweep_never_retires_a_fifo_group_whose_message_came_back_from_flight()
    {
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        await queue.SendAsync(InGroup("first", "A"));
        Assert.Equal("first", Assert.Single(await queue.ReceiveAsync(Take(1, TimeSpan.FromSeconds(30)))).GetBodyAsString());
        var group = Group(queue, "A");
        ((MessageQueue)queue).SweepIdleGroups(); // marks it idle

        Time.Advance(TimeSpan.FromSeconds(30)); // its visibility ends: back in front of its group, none in flight
        ((MessageQueue)queue).SweepIdleGroups(); // idle, but holding the message that came back: kept

        Assert.False(group.IsRetired);
        Assert.Same(group, Group(queue, "A"));
        await queue.SendAsync(InGroup("second", "A"));
        Assert.Equal(["first", "second"], (await queue.ReceiveAsync(Take(10))).Select(static m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task A_message_whose_group_retired_as_it_was_sent_makes_the_group_that_took_it_ready_and_unlocks_it()
    {
        // The send looks its group up, and the group retires before the message is pushed: the message goes into a new
        // group with the same id, while its slot still names the retired one. The end of its delay must make the new
        // group ready, and its delete must unlock it.
        var observer = new OnSend();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var broker = new MessageBroker(new BrokerOptions(), time, observer);
        var queue = (MessageQueue)broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true, Delay = TimeSpan.FromSeconds(5) });
        await queue.SendAsync(InGroup("first", "A"));
        time.Advance(TimeSpan.FromSeconds(5));
        await queue.DeleteAsync(Assert.Single(await queue.ReceiveAsync(Take(10))));
        var retired = Group(queue, "A");
        observer.Once = () =>
        {
            queue.SweepIdleGroups(); // marks A idle
            queue.SweepIdleGroups(); // still idle and empty: A retires
        };

        await queue.SendAsync(InGroup("second", "A"));
        Assert.True(retired.IsRetired);
        Assert.NotSame(retired, Group(queue, "A"));
        time.Advance(TimeSpan.FromSeconds(5));
        var second = Assert.Single(await queue.ReceiveAsync(Take(10)));
        Assert.Equal("second", second.GetBodyAsString());
        await queue.SendAsync(InGroup("third", "A"));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(await queue.ReceiveAsync(Take(10))); // A is locked while "second" is in flight

        await queue.DeleteAsync(second);

        Assert.Equal("third", Assert.Single(await queue.ReceiveAsync(Take(10))).GetBodyAsString());
    }

    [Fact]
    public async Task A_fifo_messages_slot_names_its_group_from_its_send_through_its_receives()
    {
        // What lets a delete or a visibility end find the group without looking its id up in the directory.
        var queue = (MessageQueue)Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        await queue.SendAsync(InGroup("m", "A"));
        var slots = typeof(MessageQueue).GetField("slots", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(queue)!;
        var indexer = slots.GetType().GetProperty("Item")!;
        FifoGroup? GroupIn(int slot) => ((Slot)indexer.GetValue(slots, [slot])!).Group;

        Assert.Same(Group(queue, "A"), GroupIn(0));
        var first = Assert.Single(await queue.ReceiveAsync(Take(10)));
        Assert.Same(Group(queue, "A"), GroupIn(first.Receipt.Slot));
        await queue.ChangeVisibilityAsync(first, TimeSpan.Zero);
        var again = Assert.Single(await queue.ReceiveAsync(Take(10)));
        Assert.NotEqual(first.Receipt.Slot, again.Receipt.Slot);
        Assert.Same(Group(queue, "A"), GroupIn(again.Receipt.Slot));
        Assert.Null(GroupIn(first.Receipt.Slot)); // vacated: it keeps no group alive
    }

    [Fact]
    public async Task A_visibility_end_after_its_message_left_the_slot_finds_the_group_by_id_not_by_the_slots_next_occupant()
    {
        // A visibility end looks the group up after its CAS; by then a removal may have vacated the slot and a send
        // reused it for a message of another group. Staged: the first message's slot now holds a message of group X.
        var queue = (MessageQueue)Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        await queue.SendAsync(InGroup("m", "A"));
        var m = Assert.Single(await queue.ReceiveAsync(Take(10)));
        await queue.DeleteAsync(m);
        await queue.SendAsync(InGroup("n", "X"));
        var n = Assert.Single(await queue.ReceiveAsync(Take(10)));
        Assert.Equal(m.Receipt.Slot, n.Receipt.Slot); // the slot went back to the free list and to the next send

        var groupOf = typeof(MessageQueue).GetMethod("GroupOf", BindingFlags.NonPublic | BindingFlags.Instance)!;
        Assert.Same(Group(queue, "A"), groupOf.Invoke(queue, [m.Message, m.Receipt.Slot]));
        Assert.Same(Group(queue, "X"), groupOf.Invoke(queue, [n.Message, n.Receipt.Slot]));
    }

    [Fact]
    public async Task A_message_never_received_has_no_first_receive_time_whatever_its_slot_holds()
    {
        // A first receive writes the time into the slot it keeps before its CAS, which a move may win: the move must
        // not carry that time. Staged: a state with no receive that names a slot holding a received message's time.
        var queue = (MessageQueue)Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        await queue.SendAsync(InGroup("m", "A"));
        var received = Assert.Single(await queue.ReceiveAsync(Take(10)));
        var firstReceiveAtOf = typeof(MessageQueue).GetMethod("FirstReceiveAtOf", BindingFlags.NonPublic | BindingFlags.Instance)!;
        var slot = received.Receipt.Slot;

        Assert.Equal(Time.GetUtcNow().UtcTicks, firstReceiveAtOf.Invoke(queue, [received.Message, MessageState.Make(slot, 1, MessageStatus.InFlight)]));
        Assert.Equal(0L, firstReceiveAtOf.Invoke(queue, [received.Message, MessageState.Make(slot, 0, MessageStatus.Visible)]));
    }

    [Fact]
    public async Task A_fifo_short_poll_at_the_in_flight_limit_returns_nothing_instead_of_failing()
    {
        var queue = Broker.CreateQueue("busy.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true, VisibilityTimeout = TimeSpan.FromHours(1) });
        for (var i = 0; i < 120_000; i += 10)
        {
            await queue.SendBatchAsync([.. Enumerable.Range(i, 10).Select(n => new SendMessageBatchEntry($"e{n % 10}", $"m{n}") { MessageGroupId = $"g{n}" })]);
        }

        while ((await queue.ReceiveAsync(Take(10))).Count > 0)
        {
        }

        await queue.SendAsync(InGroup("one more", "fresh"));
        Assert.Equal((1, 120_000, 0), Counts(queue));

        Assert.Empty(await queue.ReceiveAsync(Take(10)));
    }

    [Fact]
    public async Task Fifo_sequence_numbers_keep_increasing_in_a_group_that_emptied_and_was_retired()
    {
        // Found by the stress suite: a group retired while empty used to come back numbering from 1 again.
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        var before = await queue.SendAsync(InGroup("first", "A"));
        await queue.DeleteAsync(Assert.Single(await queue.ReceiveAsync(Take(10))));
        ((MessageQueue)queue).SweepIdleGroups();
        ((MessageQueue)queue).SweepIdleGroups();
        Assert.Equal(0, GroupCount(queue)); // the empty group left the directory

        var after = await queue.SendAsync(InGroup("second", "A"));

        Assert.True(
            System.Numerics.BigInteger.Parse(after.SequenceNumber!, System.Globalization.CultureInfo.InvariantCulture)
                > System.Numerics.BigInteger.Parse(before.SequenceNumber!, System.Globalization.CultureInfo.InvariantCulture),
            $"{after.SequenceNumber} after {before.SequenceNumber}");
    }

    /// <summary>A FIFO queue that had one message in each of 500 groups, all received and deleted.</summary>
    private async Task<IMessageQueue> FifoQueueWith500EmptiedGroups()
    {
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        for (var i = 0; i < 500; i++)
        {
            await queue.SendAsync(InGroup($"order {i}", $"order-{i}"));
        }

        foreach (var message in await ReceiveAll(queue))
        {
            await queue.DeleteAsync(message);
        }

        return queue;
    }

    private static int GroupCount(IMessageQueue queue) =>
        ((System.Collections.ICollection)typeof(MessageQueue).GetField("groups", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(queue)!).Count;

    private static FifoGroup Group(IMessageQueue queue, string id)
    {
        var groups = (System.Collections.IDictionary)typeof(MessageQueue).GetField("groups", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(queue)!;
        return (FifoGroup)groups[id]!;
    }

    /// <summary>What a receiver does as it lets go of a group it found blocked on a delayed head.</summary>
    private static void ReleaseLikeAReceiver(IMessageQueue queue, FifoGroup group)
    {
        group.Release();
        if (Interlocked.Exchange(ref group.Recheck, 0) == 1 || group.MayHaveMessages())
        {
            typeof(MessageQueue).GetMethod("MarkReady", BindingFlags.NonPublic | BindingFlags.Instance)!.Invoke(queue, [group]);
        }
    }

    /// <summary>Runs <see cref="Once"/> at the next send, just before its message enters its group.</summary>
    private sealed class OnSend : Broker.Internal.IBrokerObserver
    {
        private Action? once;

        public Action? Once
        {
            set => once = value;
        }

        public void MessageSent(MessageQueue queue, QueueMessage message) => Interlocked.Exchange(ref once, null)?.Invoke();

        public void ReceiveStarting(MessageQueue queue)
        {
        }

        public void ReceiveEnded(MessageQueue queue, ReceiveRequest request, IReadOnlyList<ReceivedMessage> messages)
        {
        }

        public void QueueTimerRan(MessageQueue queue)
        {
        }

        public void MessageDeleted(MessageQueue queue, QueueMessage message, int receiveCount)
        {
        }

        public void MessageDeadLettered(MessageQueue queue, MessageQueue deadLetterQueue, QueueMessage message, int receiveCount)
        {
        }

        public void MessagePublished(Broker.Topics.Internal.Topic topic, Broker.Topics.Internal.PublishedMessage message)
        {
        }

        public void NotificationDelivered(Broker.Topics.Internal.Topic topic, Broker.Topics.Internal.Subscription subscription, Broker.Topics.Internal.PublishedMessage message)
        {
        }

        public void NotificationFilteredOut(Broker.Topics.Internal.Topic topic, Broker.Topics.Internal.Subscription subscription, Broker.Topics.Internal.PublishedMessage message)
        {
        }

        public void NotificationFailed(Broker.Topics.Internal.Topic topic, Broker.Topics.Internal.Subscription subscription, Broker.Topics.Internal.PublishedMessage message)
        {
        }

        public void RecordPut(Broker.Streams.Internal.DataStream stream, Broker.Streams.Internal.StreamShard shard, long position, ReadOnlyMemory<byte> data, string partitionKey)
        {
        }

        public void HandlerWorkerEnded(Broker.Topics.Internal.HandlerSubscription subscription)
        {
        }
    }
}
