using Broker.Durability;
using Broker.Durability.Internal;
using Broker.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Durability;

/// <summary>
/// Standard queues of a durable broker after a crash. A crash is the journal directory copied while the broker runs
/// (what a SIGKILL leaves on disk: under <c>Always</c>, everything acknowledged), then a new broker opened on the copy.
/// </summary>
public sealed class DurableQueueTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("broker-durable-").FullName;
    private readonly FakeTimeProvider time = new();
    private int copies;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Acknowledged_sends_come_back_with_their_ids_bodies_attributes_and_sent_time()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders");
        var sent = new List<SendMessageResult>();
        for (var i = 0; i < 3; i++)
        {
            sent.Add(await queue.SendAsync(new SendMessageRequest($"order {i}")
            {
                MessageAttributes = new Dictionary<string, MessageAttributeValue>
                {
                    ["total"] = MessageAttributeValue.FromNumber(i * 10),
                    ["thumb"] = MessageAttributeValue.FromBinary([1, 2, (byte)i]),
                },
            }));
        }

        using var recovered = Open(Crash(directory));
        var messages = await recovered.GetQueue("orders").ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, MessageAttributeNames = ["All"], MessageSystemAttributeNames = ["All"] });

        Assert.Equal(sent.Select(s => s.MessageId), messages.Select(m => m.MessageId));
        Assert.Equal(["order 0", "order 1", "order 2"], messages.Select(m => m.GetBodyAsString()));
        Assert.Equal(sent.Select(s => s.MD5OfMessageAttributes), messages.Select(m => m.MD5OfMessageAttributes));
        Assert.Equal(MessageAttributeValue.FromNumber(20), messages[2].MessageAttributes["total"]);
        Assert.All(messages, m => Assert.Equal(time.GetUtcNow(), m.SentTimestamp));
        Assert.All(messages, m => Assert.Equal(1, m.ApproximateReceiveCount));
    }

    [Fact]
    public async Task The_active_segment_reserves_its_length_and_a_crash_leaves_zeros_that_recovery_cuts_without_reporting_damage()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders");
        await queue.SendAsync("one");
        await queue.SendAsync("two");
        var active = SegmentFiles.List(directory)[^1].Path;
        Assert.Equal(new DurableStorage { Directory = directory }.SegmentSize, new FileInfo(active).Length); // reserved up front, records at its start

        var copy = Crash(directory);
        using var recovered = Open(copy);

        Assert.Null(recovered.Recovery!.CutTail);
        Assert.Equal(["one", "two"], (await recovered.GetQueue("orders").ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).Select(m => m.GetBodyAsString()));
        var recoveredSegment = Path.Combine(copy, Path.GetFileName(active));
        Assert.True(new FileInfo(recoveredSegment).Length < 4096, $"{new FileInfo(recoveredSegment).Length} bytes: the reserved zeros were not cut");
    }

    [Fact]
    public async Task A_closed_broker_leaves_its_segments_trimmed_to_their_records()
    {
        var directory = NewDirectory();
        using (var broker = Open(directory))
        {
            await broker.CreateQueue("orders").SendAsync("one");
        }

        Assert.All(SegmentFiles.List(directory), s => Assert.True(new FileInfo(s.Path).Length < 4096, $"{s.Path}: {new FileInfo(s.Path).Length} bytes"));
    }

    [Fact]
    public async Task Deleted_messages_do_not_come_back()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders");
        await queue.SendAsync("keep");
        await queue.SendAsync("delete");
        var received = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, VisibilityTimeout = TimeSpan.Zero });
        await queue.DeleteAsync(received.Single(m => m.GetBodyAsString() == "delete"));

        using var recovered = Open(Crash(directory));

        Assert.Equal(["keep"], (await recovered.GetQueue("orders").ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task A_delete_batch_survives_the_crash_for_every_entry_it_deleted_and_no_other()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders");
        foreach (var body in new[] { "a", "b", "c", "d" })
        {
            await queue.SendAsync(body);
        }

        var received = (await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, VisibilityTimeout = TimeSpan.Zero })).ToDictionary(m => m.GetBodyAsString());
        var result = await queue.DeleteBatchAsync(
        [
            new DeleteMessageBatchEntry("by-message", received["a"]),
            new DeleteMessageBatchEntry("by-handle", received["c"].ReceiptHandle),
            new DeleteMessageBatchEntry("forged", "not-a-receipt-handle"),
            new DeleteMessageBatchEntry("last", received["d"]),
            new DeleteMessageBatchEntry("again", received["d"]),
        ]);

        using var recovered = Open(Crash(directory));

        Assert.Equal(["by-message", "by-handle", "last", "again"], result.Successful);
        Assert.Equal("forged", Assert.Single(result.Failed).Id);
        Assert.Equal(["b"], (await recovered.GetQueue("orders").ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task A_message_in_flight_at_the_crash_comes_back_when_its_visibility_timeout_ends_with_its_receive_count()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await queue.SendAsync("order 1");
        var firstReceive = time.GetUtcNow();
        var first = (await queue.ReceiveAsync())[0];
        await Barrier(broker);
        time.Advance(TimeSpan.FromSeconds(10));

        using var recovered = Open(Crash(directory));
        var orders = recovered.GetQueue("orders");
        Assert.Empty(await orders.ReceiveAsync());
        Assert.Equal(1, orders.GetAttributes().ApproximateNumberOfMessagesNotVisible);

        time.Advance(TimeSpan.FromSeconds(20));
        var again = Assert.Single(await orders.ReceiveAsync(new ReceiveRequest { MessageSystemAttributeNames = ["All"] }));

        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(2, again.ApproximateReceiveCount);
        Assert.Equal(firstReceive, again.ApproximateFirstReceiveTimestamp);
    }

    [Fact]
    public async Task An_acknowledged_visibility_change_survives_the_crash()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await queue.SendAsync("order 1");
        var received = (await queue.ReceiveAsync())[0];
        await queue.ChangeVisibilityAsync(received, TimeSpan.FromMinutes(5));

        using var recovered = Open(Crash(directory));
        var orders = recovered.GetQueue("orders");
        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.Empty(await orders.ReceiveAsync());
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Single(await orders.ReceiveAsync());
    }

    [Fact]
    public async Task A_visibility_change_to_zero_makes_the_message_visible_after_the_crash()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders", new QueueOptions { VisibilityTimeout = TimeSpan.FromMinutes(10) });
        await queue.SendAsync("order 1");
        await queue.ChangeVisibilityAsync((await queue.ReceiveAsync())[0], TimeSpan.Zero);

        using var recovered = Open(Crash(directory));

        Assert.Single(await recovered.GetQueue("orders").ReceiveAsync());
    }

    [Fact]
    public async Task A_delayed_message_stays_delayed_until_its_delay_ends()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        await broker.CreateQueue("orders").SendAsync(new SendMessageRequest("later") { DelaySeconds = 60 });
        time.Advance(TimeSpan.FromSeconds(20));

        using var recovered = Open(Crash(directory));
        var orders = recovered.GetQueue("orders");
        Assert.Equal(1, orders.GetAttributes().ApproximateNumberOfMessagesDelayed);
        time.Advance(TimeSpan.FromSeconds(40) - TimeSpan.FromTicks(1));
        Assert.Empty(await orders.ReceiveAsync());
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Single(await orders.ReceiveAsync());
    }

    [Fact]
    public async Task A_message_whose_retention_ended_while_the_broker_was_down_does_not_come_back()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders", new QueueOptions { MessageRetentionPeriod = TimeSpan.FromMinutes(1) });
        await queue.SendAsync("old");
        time.Advance(TimeSpan.FromSeconds(30));
        await queue.SendAsync("young");
        var crashed = Crash(directory);
        time.Advance(TimeSpan.FromSeconds(30));

        using var recovered = Open(crashed);

        Assert.Equal(["young"], (await recovered.GetQueue("orders").ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task Queues_come_back_with_their_settings_and_deleted_queues_stay_deleted()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        broker.CreateQueue("orders-dlq");
        var options = new QueueOptions
        {
            VisibilityTimeout = TimeSpan.FromMinutes(2),
            RedrivePolicy = new RedrivePolicy("orders-dlq", 3),
            MaximumDepth = 100,
        };
        var orders = broker.CreateQueue("orders", options);
        orders.SetAttributes(options with { Delay = TimeSpan.FromSeconds(5) });
        broker.CreateQueue("scratch");
        broker.DeleteQueue("scratch");
        var created = orders.GetAttributes();

        using var recovered = Open(Crash(directory));

        Assert.Equal(["orders", "orders-dlq"], recovered.ListQueues().QueueNames);
        var attributes = recovered.GetQueue("orders").GetAttributes();
        Assert.Equal(options with { Delay = TimeSpan.FromSeconds(5) }, attributes.Options);
        Assert.Equal((created.CreatedTimestamp, created.LastModifiedTimestamp, created.QueueArn), (attributes.CreatedTimestamp, attributes.LastModifiedTimestamp, attributes.QueueArn));
        Assert.Same(recovered.GetQueue("orders"), recovered.CreateQueue("orders", options with { Delay = TimeSpan.FromSeconds(5) }));
    }

    [Fact]
    public async Task A_purge_survives_the_crash_and_messages_sent_after_it_are_kept()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders");
        for (var i = 0; i < 5; i++)
        {
            await queue.SendAsync($"before {i}");
        }

        await queue.ReceiveAsync(); // one of them in flight: purged too
        await queue.PurgeAsync();
        await queue.SendAsync("after");

        using var recovered = Open(Crash(directory));

        Assert.Equal(["after"], (await recovered.GetQueue("orders").ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task A_dead_letter_move_survives_the_crash_with_the_message_id_it_had()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var dlq = broker.CreateQueue("orders-dlq");
        var queue = broker.CreateQueue("orders", new QueueOptions { RedrivePolicy = new RedrivePolicy("orders-dlq", 1) });
        var sent = await queue.SendAsync("poison");
        await queue.ReceiveAsync(new ReceiveRequest { VisibilityTimeout = TimeSpan.Zero });
        Assert.Empty(await queue.ReceiveAsync()); // the second receive moves it
        await Barrier(broker);

        using var recovered = Open(Crash(directory));

        Assert.Equal(0, recovered.GetQueue("orders").GetAttributes().ApproximateNumberOfMessages);
        var moved = Assert.Single(await recovered.GetQueue("orders-dlq").ReceiveAsync());
        Assert.Equal(sent.MessageId, moved.MessageId);
        Assert.Equal(2, moved.ApproximateReceiveCount);
    }

    [Fact]
    public async Task Messages_sent_after_recovery_get_new_ids_and_a_second_recovery_keeps_both()
    {
        var directory = NewDirectory();
        string firstId;
        using (var broker = Open(directory))
        {
            firstId = (await broker.CreateQueue("orders").SendAsync("first")).MessageId;
        }

        string secondId;
        using (var reopened = Open(directory))
        {
            secondId = (await reopened.GetQueue("orders").SendAsync("second")).MessageId;
        }

        using var again = Open(directory);
        var messages = await again.GetQueue("orders").ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 });

        Assert.NotEqual(firstId, secondId);
        Assert.Equal([firstId, secondId], messages.Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_torn_last_record_is_cut_and_everything_acknowledged_before_it_comes_back()
    {
        var directory = NewDirectory();
        using var broker = Open(directory);
        var queue = broker.CreateQueue("orders");
        await queue.SendAsync("acknowledged");
        var crashed = Crash(directory);
        var last = SegmentFiles.List(crashed)[^1].Path;
        using (var file = new FileStream(last, FileMode.Append))
        {
            file.Write([0x10, 0x20, 0x30, 0x40, 0x50, 0x00, 0x00]); // a record the crash interrupted
        }

        using var recovered = Open(crashed);

        Assert.NotNull(recovered.Store!.Recovery.CutTail);
        Assert.Equal(["acknowledged"], (await recovered.GetQueue("orders").ReceiveAsync()).Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task Recovery_reports_what_it_read()
    {
        var directory = NewDirectory();
        using (var broker = Open(directory))
        {
            var queue = broker.CreateQueue("orders");
            await queue.SendAsync("one");
            await queue.SendAsync("two");
        }

        using var recovered = Open(directory);

        Assert.Equal(3, recovered.Store!.Recovery.Records); // the queue and two messages
        Assert.True(recovered.Store.RecoveryTime >= TimeSpan.Zero);
    }

    [Fact]
    public async Task A_broker_without_storage_writes_nothing()
    {
        using var broker = new MessageBroker(new BrokerOptions(), time);
        await broker.CreateQueue("orders").SendAsync("in memory");

        Assert.Null(broker.Store);
    }

    private MessageBroker Open(string directory) => new(
        new BrokerOptions
        {
            PurgeCooldown = TimeSpan.Zero,
            QueueDeletionCooldown = TimeSpan.Zero,
            Storage = new DurableStorage { Directory = directory },
        },
        time);

    private string NewDirectory() => Path.Combine(root, $"journal-{copies++}");

    private string Crash(string directory) => Crashes.CopyJournal(directory, NewDirectory());

    private static Task Barrier(MessageBroker broker) => Crashes.Barrier(broker);
}
