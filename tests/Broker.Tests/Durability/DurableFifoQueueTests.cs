using Broker.Durability;
using Broker.Durability.Internal;
using Broker.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Durability;

/// <summary>
/// FIFO queues of a durable broker after a crash (the journal copied while the broker runs, then a new broker opened on
/// the copy): order and sequence numbers within each group, deduplication, groups locked by messages in flight.
/// </summary>
public sealed class DurableFifoQueueTests : IDisposable
{
    private static readonly QueueOptions Fifo = new() { FifoQueue = true, VisibilityTimeout = TimeSpan.FromSeconds(30) };
    private readonly string root = Directory.CreateTempSubdirectory("broker-durable-fifo-").FullName;
    private readonly FakeTimeProvider time = new();
    private int directories;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Each_group_comes_back_in_order_with_its_sequence_numbers_and_numbering_continues_above_them()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders.fifo", Fifo);
        var sent = new List<SendMessageResult>();
        for (var i = 0; i < 6; i++)
        {
            sent.Add(await queue.SendAsync(Message($"{(i % 2 == 0 ? "a" : "b")}{i}", i % 2 == 0 ? "a" : "b", $"d{i}")));
        }

        using var recovered = Open(Crash(directory));
        var orders = recovered.GetQueue("orders.fifo");
        var received = new List<ReceivedMessage>();
        while (await orders.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, MessageSystemAttributeNames = ["All"] }) is { Count: > 0 } batch)
        {
            received.AddRange(batch);
            foreach (var message in batch)
            {
                await orders.DeleteAsync(message);
            }
        }

        Assert.Equal(["a0", "a2", "a4"], received.Where(m => m.Attributes["MessageGroupId"] == "a").Select(m => m.GetBodyAsString()));
        Assert.Equal(["b1", "b3", "b5"], received.Where(m => m.Attributes["MessageGroupId"] == "b").Select(m => m.GetBodyAsString()));
        Assert.Equal(sent.Select(s => (s.MessageId, s.SequenceNumber)).Order(), received.Select(m => (m.MessageId, (string?)m.Attributes["SequenceNumber"])).Order());
        var next = await orders.SendAsync(Message("a6", "a", "d6"));
        Assert.True(string.CompareOrdinal(next.SequenceNumber, sent.Max(s => s.SequenceNumber)) > 0);
    }

    [Fact]
    public async Task Numbering_continues_above_a_deleted_later_message_when_an_earlier_visible_one_of_its_group_survives()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders.fifo", Fifo);
        var first = await queue.SendAsync(Message("a1", "a", "1"));
        var second = await queue.SendAsync(Message("a2", "a", "2"));
        var both = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 });
        Assert.Equal(["a1", "a2"], both.Select(m => m.GetBodyAsString()));
        await queue.DeleteAsync(both[1]); // the later one is gone
        await queue.ChangeVisibilityAsync(both[0], TimeSpan.Zero); // the earlier one is visible again, and survives the crash

        using var recovered = Open(Crash(directory));
        var orders = recovered.GetQueue("orders.fifo");
        var third = await orders.SendAsync(Message("a3", "a", "3"));

        Assert.True(string.CompareOrdinal(third.SequenceNumber, second.SequenceNumber) > 0, $"{third.SequenceNumber} after {second.SequenceNumber}");
        var after = await orders.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, MessageSystemAttributeNames = ["SequenceNumber"] });
        Assert.Equal([("a1", first.SequenceNumber), ("a3", third.SequenceNumber)], after.Select(m => (m.GetBodyAsString(), (string?)m.Attributes["SequenceNumber"])));
    }

    [Fact]
    public async Task A_resend_within_five_minutes_is_still_a_duplicate_after_the_crash_even_when_the_original_was_deleted()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders.fifo", Fifo);
        var deleted = await queue.SendAsync(Message("first", "a", "order-1"));
        var kept = await queue.SendAsync(Message("second", "a", "order-2"));
        await queue.DeleteAsync((await queue.ReceiveAsync())[0]);
        time.Advance(TimeSpan.FromMinutes(4));

        using var recovered = Open(Crash(directory));
        var orders = recovered.GetQueue("orders.fifo");

        Assert.Equal(deleted.MessageId, (await orders.SendAsync(Message("first again", "a", "order-1"))).MessageId);
        Assert.Equal(kept.MessageId, (await orders.SendAsync(Message("second again", "a", "order-2"))).MessageId);
        Assert.Equal(["second"], (await orders.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).Select(m => m.GetBodyAsString()));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.NotEqual(deleted.MessageId, (await orders.SendAsync(Message("first, later", "a", "order-1"))).MessageId);
    }

    [Fact]
    public async Task A_message_in_flight_at_the_crash_keeps_its_group_locked_until_its_visibility_timeout_ends()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders.fifo", Fifo);
        await queue.SendAsync(Message("a1", "a", "1"));
        await queue.SendAsync(Message("a2", "a", "2"));
        await queue.SendAsync(Message("b1", "b", "3"));
        var taken = await queue.ReceiveAsync(); // a1, in flight: group a is locked
        Assert.Equal("a1", taken.Single().GetBodyAsString());
        await Barrier(broker);

        using var recovered = Open(Crash(directory));
        var orders = recovered.GetQueue("orders.fifo");
        var other = await orders.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 });
        Assert.Equal(["b1"], other.Select(m => m.GetBodyAsString()));
        await orders.DeleteAsync(other[0]);

        time.Advance(TimeSpan.FromSeconds(30));
        var again = await orders.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 });
        Assert.Equal(["a1", "a2"], again.Select(m => m.GetBodyAsString()));
        Assert.Equal(2, again[0].ApproximateReceiveCount);
    }

    [Fact]
    public async Task A_purge_clears_the_deduplication_history_for_good()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders.fifo", Fifo);
        var first = await queue.SendAsync(Message("first", "a", "order-1"));
        await queue.PurgeAsync();

        using var recovered = Open(Crash(directory));

        Assert.NotEqual(first.MessageId, (await recovered.GetQueue("orders.fifo").SendAsync(Message("again", "a", "order-1"))).MessageId);
    }

    [Fact]
    public async Task A_dead_letter_move_into_a_fifo_dead_letter_queue_survives_the_crash()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        broker.CreateQueue("orders-dlq.fifo", Fifo);
        var queue = broker.CreateQueue("orders.fifo", Fifo with { RedrivePolicy = new RedrivePolicy("orders-dlq.fifo", 1) });
        var sent = await queue.SendAsync(Message("poison", "a", "1"));
        await queue.ReceiveAsync(new ReceiveRequest { VisibilityTimeout = TimeSpan.Zero });
        Assert.Empty(await queue.ReceiveAsync());
        await Barrier(broker);

        using var recovered = Open(Crash(directory));

        Assert.Equal(0, recovered.GetQueue("orders.fifo").GetAttributes().ApproximateNumberOfMessages);
        var moved = Assert.Single(await recovered.GetQueue("orders-dlq.fifo").ReceiveAsync());
        Assert.Equal(sent.MessageId, moved.MessageId);
    }

    [Fact]
    public async Task Compaction_keeps_groups_in_order_and_deduplication_records_that_have_not_lapsed()
    {
        var directory = NewDirectory();
        string deletedId;
        using (var broker = Open(directory))
        {
            var queue = broker.CreateQueue("orders.fifo", Fifo);
            deletedId = (await queue.SendAsync(Message("a0", "a", "0"))).MessageId;
            for (var i = 1; i < 4; i++)
            {
                await queue.SendAsync(Message($"a{i}", "a", $"{i}"));
            }

            await queue.DeleteAsync((await queue.ReceiveAsync())[0]);
            await broker.Store!.CompactAsync();
            Assert.Null(broker.Store.CompactionError);
        }

        using var recovered = Open(directory);
        var orders = recovered.GetQueue("orders.fifo");
        Assert.Equal(deletedId, (await orders.SendAsync(Message("a0 again", "a", "0"))).MessageId);
        Assert.Equal(["a1", "a2", "a3"], (await orders.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task A_waiting_message_expires_at_the_end_of_its_retention_and_the_expiry_survives_the_crash()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders.fifo", Fifo with { MessageRetentionPeriod = TimeSpan.FromMinutes(1) });
        await queue.SendAsync(Message("old", "a", "1"));
        time.Advance(TimeSpan.FromSeconds(30));
        await queue.SendAsync(Message("young", "b", "2"));

        time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Equal(2, queue.GetAttributes().ApproximateNumberOfMessages);
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(1, queue.GetAttributes().ApproximateNumberOfMessages);
        await Barrier(broker);

        using var recovered = Open(Crash(directory));

        Assert.Equal(["young"], (await recovered.GetQueue("orders.fifo").ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task Recovered_groups_retire_once_idle_and_empty_like_any_other()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders.fifo", Fifo);
        for (var i = 0; i < 3; i++)
        {
            await queue.SendAsync(Message($"m{i}", $"g{i}", $"d{i}"));
        }

        using var recovered = Open(Crash(directory));
        var orders = (Broker.Queues.Internal.MessageQueue)recovered.GetQueue("orders.fifo");
        while (await orders.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 }) is { Count: > 0 } batch)
        {
            foreach (var message in batch)
            {
                await orders.DeleteAsync(message);
            }
        }

        orders.SweepIdleGroups(); // marks the recovered groups idle
        orders.SweepIdleGroups(); // still idle and empty: they retire

        var groups = (System.Collections.ICollection)typeof(Broker.Queues.Internal.MessageQueue)
            .GetField("groups", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(orders)!;
        Assert.Empty(groups);
    }

    private static SendMessageRequest Message(string body, string group, string deduplicationId)
        => new(body) { MessageGroupId = group, MessageDeduplicationId = deduplicationId };

    private MessageBroker Open(string directory) => new(
        new BrokerOptions { PurgeCooldown = TimeSpan.Zero, Storage = new DurableStorage { Directory = directory } },
        time);

    private string NewDirectory() => Path.Combine(root, $"journal-{directories++}");

    private string Crash(string directory) => Crashes.CopyJournal(directory, NewDirectory());

    private static Task Barrier(MessageBroker broker) => Crashes.Barrier(broker);
}
