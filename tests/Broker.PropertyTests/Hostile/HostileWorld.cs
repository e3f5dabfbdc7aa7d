using System.Text;
using Broker.Queues;
using Broker.Streams;
using Broker.Topics;
using Microsoft.Extensions.Time.Testing;

namespace Broker.PropertyTests.Hostile;

/// <summary>
/// A broker seeded with real state for hostile calls to corrupt, and genuine tokens to forge from: messages visible,
/// in flight, delayed and dead-lettered in a standard queue with a DLQ; a FIFO queue with two groups, one in flight; a
/// topic with a filtered queue subscription and a handler; a stream with records on both sides of a split; receipt
/// handles and shard iterators from another queue/stream, from a deleted-and-recreated one, and an expired iterator.
/// All on a <see cref="FakeTimeProvider"/>, so nothing changes unless a call changes it.
/// </summary>
internal sealed class HostileWorld : IDisposable
{
    private HostileWorld(FakeTimeProvider time, MessageBroker broker)
    {
        Time = time;
        Broker = broker;
    }

    public FakeTimeProvider Time { get; }

    public MessageBroker Broker { get; }

    /// <summary>Standard queue with visible, in-flight and delayed messages, redriving to <see cref="DeadLetters"/>.</summary>
    public IMessageQueue Jobs { get; private set; } = null!;

    /// <summary>Holds one dead-lettered message from <see cref="Jobs"/>.</summary>
    public IMessageQueue DeadLetters { get; private set; } = null!;

    /// <summary>FIFO queue: groups g1 (head in flight) and g2 (visible).</summary>
    public IMessageQueue Orders { get; private set; } = null!;

    /// <summary>Receives the topic's filtered fan-out.</summary>
    public IMessageQueue Fanout { get; private set; } = null!;

    public ITopic Events { get; private set; } = null!;

    public ISubscription FilteredSubscription { get; private set; } = null!;

    public IDataStream Clicks { get; private set; } = null!;

    /// <summary>The messages in flight in <see cref="Jobs"/> (three of them), as received.</summary>
    public IReadOnlyList<ReceivedMessage> JobMessages { get; private set; } = [];

    /// <summary>Receipt handles of <see cref="JobMessages"/>.</summary>
    public IReadOnlyList<string> JobReceipts => [.. JobMessages.Select(static m => m.ReceiptHandle)];

    public string OrderReceipt { get; private set; } = "";

    /// <summary>A genuine, live receipt handle of another queue.</summary>
    public string ForeignReceipt { get; private set; } = "";

    /// <summary>A receipt handle issued by an earlier queue of the same name as a live one ("ghost").</summary>
    public string GhostReceipt { get; private set; } = "";

    /// <summary>Live iterators of <see cref="Clicks"/>, one per shard (closed parent and open children).</summary>
    public IReadOnlyList<string> ClickIterators { get; private set; } = [];

    public string ForeignIterator { get; private set; } = "";

    public string GhostIterator { get; private set; } = "";

    /// <summary>Issued six minutes before the world was finished: older than an iterator's five-minute life.</summary>
    public string ExpiredIterator { get; private set; } = "";

    /// <summary>Sequence numbers of records in <see cref="Clicks"/>.</summary>
    public IReadOnlyList<string> ClickSequenceNumbers { get; private set; } = [];

    public static HostileWorld Create()
    {
        var time = new FakeTimeProvider();
        var broker = new MessageBroker(new BrokerOptions { QueueDeletionCooldown = TimeSpan.Zero, PurgeCooldown = TimeSpan.Zero }, time);
        var world = new HostileWorld(time, broker);
        world.SeedStreams();
        time.Advance(TimeSpan.FromMinutes(6));
        world.SeedQueues();
        world.SeedTopic();
        world.ClickIterators = [.. world.Clicks.ListShards().Select(s => world.Clicks.GetShardIterator(s.ShardId, ShardIteratorType.TrimHorizon))];
        return world;
    }

    public void Dispose() => Broker.Dispose();

    private static T Wait<T>(ValueTask<T> task) => task.AsTask().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();

    private static ReadOnlyMemory<byte> Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private void SeedStreams()
    {
        Clicks = Broker.CreateStream("clicks", new StreamOptions { ShardCount = 2 });
        var sequences = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            sequences.Add(Wait(Clicks.PutRecordAsync(new PutRecordRequest($"user-{i}", Utf8($"click {i}")))).SequenceNumber);
        }

        Clicks.SplitShard("shardId-000000000000", "85070591730234615865843651857942052864");
        for (var i = 6; i < 10; i++)
        {
            sequences.Add(Wait(Clicks.PutRecordAsync(new PutRecordRequest($"user-{i}", Utf8($"click {i}")))).SequenceNumber);
        }

        ClickSequenceNumbers = sequences;
        Clicks.RegisterConsumer("dashboard");
        ExpiredIterator = Clicks.GetShardIterator("shardId-000000000001", ShardIteratorType.TrimHorizon);

        var other = Broker.CreateStream("audit");
        Wait(other.PutRecordAsync(new PutRecordRequest("a", Utf8("audit"))));
        ForeignIterator = other.GetShardIterator("shardId-000000000000", ShardIteratorType.TrimHorizon);

        var ghost = Broker.CreateStream("ghost-stream");
        Wait(ghost.PutRecordAsync(new PutRecordRequest("g", Utf8("old"))));
        GhostIterator = ghost.GetShardIterator("shardId-000000000000", ShardIteratorType.TrimHorizon);
        Broker.DeleteStream("ghost-stream");
        var reborn = Broker.CreateStream("ghost-stream");
        Wait(reborn.PutRecordAsync(new PutRecordRequest("g", Utf8("new"))));
    }

    private void SeedQueues()
    {
        DeadLetters = Broker.CreateQueue("jobs-dlq");
        Jobs = Broker.CreateQueue("jobs", new QueueOptions
        {
            VisibilityTimeout = TimeSpan.FromSeconds(30),
            RedrivePolicy = new RedrivePolicy("jobs-dlq", MaxReceiveCount: 1),
        });
        Wait(Jobs.SendAsync(new SendMessageRequest("poison")));
        Wait(Jobs.ReceiveAsync());
        Time.Advance(TimeSpan.FromSeconds(31));
        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            ["kind"] = MessageAttributeValue.FromString("a"),
            ["size"] = MessageAttributeValue.FromNumber(42),
            ["blob"] = MessageAttributeValue.FromBinary([1, 2, 3]),
        };
        foreach (var body in new[] { "a", "b", "c" })
        {
            Wait(Jobs.SendAsync(new SendMessageRequest(body) { MessageAttributes = attributes }));
        }

        // The receive finds "poison" over its receive limit and moves it to the dead-letter queue.
        JobMessages = Wait(Jobs.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 }));
        foreach (var body in new[] { "d", "e", "f" })
        {
            Wait(Jobs.SendAsync(new SendMessageRequest(body)));
        }

        Wait(Jobs.SendAsync(new SendMessageRequest("later") { DelaySeconds = 600 }));

        Orders = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        foreach (var (group, body) in new[] { ("g1", "o1"), ("g1", "o2"), ("g2", "o3"), ("g2", "o4") })
        {
            Wait(Orders.SendAsync(new SendMessageRequest(body) { MessageGroupId = group }));
        }

        OrderReceipt = Wait(Orders.ReceiveAsync())[0].ReceiptHandle;

        var other = Broker.CreateQueue("other");
        Wait(other.SendAsync(new SendMessageRequest("elsewhere")));
        ForeignReceipt = Wait(other.ReceiveAsync())[0].ReceiptHandle;

        var ghost = Broker.CreateQueue("ghost");
        Wait(ghost.SendAsync(new SendMessageRequest("old")));
        GhostReceipt = Wait(ghost.ReceiveAsync())[0].ReceiptHandle;
        Broker.DeleteQueue("ghost");
        var reborn = Broker.CreateQueue("ghost");
        Wait(reborn.SendAsync(new SendMessageRequest("new")));
        Wait(reborn.ReceiveAsync());
    }

    private void SeedTopic()
    {
        Fanout = Broker.CreateQueue("fanout");
        Events = Broker.CreateTopic("events");
        FilteredSubscription = Events.Subscribe(Fanout, new SubscriptionOptions { FilterPolicy = """{"kind":["a"]}""", RawMessageDelivery = true });
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Events.Subscribe((_, _) =>
        {
            handled.TrySetResult();
            return ValueTask.CompletedTask;
        });
        Wait(Events.PublishAsync(new PublishRequest("hello") { MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["kind"] = MessageAttributeValue.FromString("a") } }));

        // The queue's delivery is done when the publish returns; the handler runs on a worker: wait (bounded) until it
        // is called, so that no delivery is still on its way when a snapshot is taken (what the handler's worker does
        // after it returns, counting the delivery, shows in no snapshot).
        if (!handled.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The seed notification did not reach the handler subscriber.");
        }
    }
}
