using System.Text.Json;
using Broker.Queues;
using Broker.Testing.Tests.Support;

namespace Broker.Testing.Tests.Recording;

/// <summary>The harness without a host records what happens to queue messages, with bodies, attributes and clock times.</summary>
public sealed class QueueRecordingTests : IAsyncDisposable
{
    private readonly BrokerTestHarness harness = new();

    public ValueTask DisposeAsync() => harness.DisposeAsync();

    [Fact]
    public async Task Send_is_recorded_with_body_attributes_and_the_harness_clock_time()
    {
        var queue = harness.Broker.CreateQueue("orders");
        harness.Time.Advance(TimeSpan.FromMinutes(3));
        var sent = await queue.SendAsync(new SendMessageRequest(JsonSerializer.Serialize(new Order(7, 12.5m)))
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["tenant"] = MessageAttributeValue.FromString("acme") },
        });

        var recorded = Assert.Single(harness.Sent("orders"));
        Assert.Equal(BrokerEventKind.Sent, recorded.Kind);
        Assert.Equal(sent.MessageId, recorded.MessageId);
        Assert.Equal(new Order(7, 12.5m), recorded.GetBody<Order>());
        Assert.Contains("\"Id\":7", recorded.BodyText, StringComparison.Ordinal);
        Assert.Equal("acme", recorded.Attributes["tenant"].StringValue);
        Assert.Equal(new DateTimeOffset(2000, 1, 1, 0, 3, 0, TimeSpan.Zero), recorded.Timestamp);
    }

    [Fact]
    public async Task Receive_and_delete_are_recorded_per_message_with_the_receive_count()
    {
        var queue = harness.Broker.CreateQueue("orders", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await queue.SendAsync(new SendMessageRequest("a"));
        await queue.SendAsync(new SendMessageRequest("b"));

        var first = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 });
        harness.Time.Advance(TimeSpan.FromSeconds(30));
        var second = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 });
        await queue.DeleteAsync(second[0]);

        Assert.Equal(2, first.Count);
        Assert.Equal(["a", "b", "a", "b"], harness.Received("orders").Select(e => e.BodyText));
        Assert.Equal([1, 1, 2, 2], harness.Received("orders").Select(e => e.ReceiveCount));
        var deleted = Assert.Single(harness.Deleted("orders"));
        Assert.Equal(second[0].MessageId, deleted.MessageId);
        Assert.Equal(2, deleted.ReceiveCount);
    }

    [Fact]
    public async Task A_delete_with_a_stale_handle_that_deletes_nothing_is_not_recorded()
    {
        var queue = harness.Broker.CreateQueue("orders", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await queue.SendAsync(new SendMessageRequest("a"));
        var stale = (await queue.ReceiveAsync())[0];
        harness.Time.Advance(TimeSpan.FromSeconds(30));
        var fresh = (await queue.ReceiveAsync())[0];

        await queue.DeleteAsync(stale); // received again since: SQS deletes nothing and answers success
        Assert.Empty(harness.Deleted("orders"));
        await queue.DeleteAsync(fresh);
        Assert.Single(harness.Deleted("orders"));
    }

    [Fact]
    public async Task Dead_letter_move_is_recorded_with_the_dead_letter_queue_and_the_receive_count()
    {
        harness.Broker.CreateQueue("orders-dlq");
        var queue = harness.Broker.CreateQueue("orders", new QueueOptions
        {
            VisibilityTimeout = TimeSpan.FromSeconds(30),
            RedrivePolicy = new RedrivePolicy("orders-dlq", MaxReceiveCount: 2),
        });
        var sent = await queue.SendAsync(new SendMessageRequest("poison"));
        for (var i = 0; i < 2; i++)
        {
            Assert.Single(await queue.ReceiveAsync());
            harness.Time.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Empty(await queue.ReceiveAsync()); // the third receive moves it instead

        var moved = Assert.Single(harness.DeadLettered("orders"));
        Assert.Equal("orders-dlq", moved.Endpoint);
        Assert.Equal(sent.MessageId, moved.MessageId);
        Assert.Equal(2, moved.ReceiveCount);
        Assert.Equal("poison", moved.BodyText);
        Assert.Empty(harness.Sent("orders-dlq")); // a move is not a send
    }

    [Fact]
    public async Task Events_keep_the_order_in_which_things_happened()
    {
        var queue = harness.Broker.CreateQueue("orders");
        await queue.SendAsync(new SendMessageRequest("a"));
        var received = await queue.ReceiveAsync();
        await queue.DeleteAsync(received[0]);

        Assert.Equal([BrokerEventKind.Sent, BrokerEventKind.Received, BrokerEventKind.Deleted], harness.Events.Select(e => e.Kind));
        Assert.Equal([1L, 2L, 3L], harness.Events.Select(e => e.Sequence));
    }
}
