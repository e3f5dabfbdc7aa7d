using Broker.Queues;

namespace Broker.Tests.Telemetry;

public sealed class QueueMetricsTests : TelemetryFixture
{
    [Fact]
    public async Task A_send_counts_one_message_sent_tagged_with_its_queue()
    {
        var sent = Collect<long>("broker.queue.messages_sent");
        var orders = Broker.CreateQueue("orders");
        var other = Broker.CreateQueue("other");

        await orders.SendAsync("a");
        await other.SendAsync("b");
        await other.SendAsync("c");

        Assert.Equal(1, Total(sent, Tag("queue", "orders")));
        Assert.Equal(2, Total(sent, Tag("queue", "other")));
        Assert.Equal(3, Total(sent));
    }

    [Fact]
    public async Task A_batch_send_counts_each_entry_that_succeeded()
    {
        var sent = Collect<long>("broker.queue.messages_sent");
        var queue = Broker.CreateQueue("orders");

        var result = await queue.SendBatchAsync(
        [
            new SendMessageBatchEntry("1", "ok"),
            new SendMessageBatchEntry("2", "too late") { DelaySeconds = 901 },
            new SendMessageBatchEntry("3", "ok too"),
        ]);

        Assert.Single(result.Failed);
        Assert.Equal(2, Total(sent, Tag("queue", "orders")));
    }

    [Fact]
    public async Task A_send_that_waited_for_room_counts_once_it_is_added()
    {
        var sent = Collect<long>("broker.queue.messages_sent");
        var queue = Broker.CreateQueue("bounded", new QueueOptions { MaximumDepth = 1, FullMode = QueueFullMode.Wait });
        await queue.SendAsync("first");

        var waiting = queue.SendAsync("second").AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, Total(sent));

        var first = Assert.Single(await queue.ReceiveAsync(Take()));
        await queue.DeleteAsync(first);
        await waiting.WaitAsync(Bound);

        Assert.Equal(2, Total(sent, Tag("queue", "bounded")));
    }

    [Fact]
    public async Task A_batch_entry_that_waited_for_room_is_counted_once()
    {
        var sent = Collect<long>("broker.queue.messages_sent");
        var queue = Broker.CreateQueue("bounded", new QueueOptions { MaximumDepth = 2, FullMode = QueueFullMode.Wait });
        await queue.SendAsync("first");

        var batch = queue.SendBatchAsync([new SendMessageBatchEntry("a", "fits"), new SendMessageBatchEntry("b", "waits")]).AsTask();
        Assert.False(batch.IsCompleted);
        Assert.Equal(2, Total(sent));
        await queue.DeleteAsync(Assert.Single(await queue.ReceiveAsync(Take(1))));

        Assert.Equal(2, (await batch.WaitAsync(Bound)).Successful.Count);
        Assert.Equal(3, Total(sent, Tag("queue", "bounded")));
    }

    [Fact]
    public async Task A_fifo_duplicate_is_accepted_but_not_counted_as_sent()
    {
        var sent = Collect<long>("broker.queue.messages_sent");
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true });

        await queue.SendAsync(new SendMessageRequest("a") { MessageGroupId = "g", MessageDeduplicationId = "d" });
        await queue.SendAsync(new SendMessageRequest("a") { MessageGroupId = "g", MessageDeduplicationId = "d" });
        await queue.SendAsync(new SendMessageRequest("b") { MessageGroupId = "g", MessageDeduplicationId = "e" });

        Assert.Equal(2, Total(sent, Tag("queue", "orders.fifo")));
    }

    [Fact]
    public async Task A_receive_counts_the_messages_it_returns_and_no_empty_receive()
    {
        var received = Collect<long>("broker.queue.messages_received");
        var empty = Collect<long>("broker.queue.empty_receives");
        var queue = Broker.CreateQueue("orders");
        for (var i = 0; i < 3; i++)
        {
            await queue.SendAsync($"m{i}");
        }

        Assert.Equal(3, (await queue.ReceiveAsync(Take())).Count);

        Assert.Equal(3, Total(received, Tag("queue", "orders")));
        Assert.Equal(0, Total(empty));
    }

    [Fact]
    public async Task A_receive_that_returns_no_message_counts_one_empty_receive()
    {
        var received = Collect<long>("broker.queue.messages_received");
        var empty = Collect<long>("broker.queue.empty_receives");
        var queue = Broker.CreateQueue("idle");

        Assert.Empty(await queue.ReceiveAsync(Take()));
        Assert.Empty(await queue.ReceiveAsync(Take()));

        Assert.Equal(2, Total(empty, Tag("queue", "idle")));
        Assert.Equal(0, Total(received));
    }

    [Fact]
    public async Task A_long_poll_that_times_out_counts_one_empty_receive()
    {
        var empty = Collect<long>("broker.queue.empty_receives");
        var queue = Broker.CreateQueue("idle");

        var poll = queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        Assert.False(poll.IsCompleted);
        Assert.Equal(0, Total(empty));
        Time.Advance(TimeSpan.FromSeconds(20));

        Assert.Empty(await poll.WaitAsync(Bound));
        Assert.Equal(1, Total(empty, Tag("queue", "idle")));
    }

    [Fact]
    public async Task A_long_poll_woken_by_a_send_counts_the_message_it_returns()
    {
        var received = Collect<long>("broker.queue.messages_received");
        var empty = Collect<long>("broker.queue.empty_receives");
        var queue = Broker.CreateQueue("orders");

        var poll = queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        await queue.SendAsync("wake up");

        Assert.Single(await poll.WaitAsync(Bound));
        Assert.Equal(1, Total(received, Tag("queue", "orders")));
        Assert.Equal(0, Total(empty));
    }

    [Fact]
    public async Task Deletes_count_each_success_by_handle_by_message_and_in_a_batch()
    {
        var deleted = Collect<long>("broker.queue.messages_deleted");
        var queue = Broker.CreateQueue("orders");
        for (var i = 0; i < 4; i++)
        {
            await queue.SendAsync($"m{i}");
        }

        var got = await queue.ReceiveAsync(Take());
        await queue.DeleteAsync(got[0].ReceiptHandle);
        await queue.DeleteAsync(got[1]);
        var batch = await queue.DeleteBatchAsync(
        [
            new DeleteMessageBatchEntry("a", got[2].ReceiptHandle),
            new DeleteMessageBatchEntry("b", "not-a-handle"),
            new DeleteMessageBatchEntry("c", got[3]),
        ]);

        Assert.Single(batch.Failed);
        Assert.Equal(4, Total(deleted, Tag("queue", "orders")));
    }

    [Fact]
    public async Task A_delete_that_fails_is_not_counted()
    {
        var deleted = Collect<long>("broker.queue.messages_deleted");
        var queue = Broker.CreateQueue("orders");

        await ThrowsBroker(BrokerErrorCodes.ReceiptHandleIsInvalid, async () => await queue.DeleteAsync("not-a-handle"));

        Assert.Equal(0, Total(deleted));
    }

    [Fact]
    public async Task A_move_to_the_dead_letter_queue_counts_one_message_tagged_with_both_queues_and_no_send()
    {
        var deadLettered = Collect<long>("broker.queue.messages_dead_lettered");
        var sent = Collect<long>("broker.queue.messages_sent");
        var dlq = Broker.CreateQueue("orders-dlq");
        var queue = Broker.CreateQueue("orders", new QueueOptions { RedrivePolicy = new RedrivePolicy("orders-dlq", MaxReceiveCount: 1) });
        await queue.SendAsync("poison");

        Assert.Single(await queue.ReceiveAsync(Take(visibility: TimeSpan.FromSeconds(1))));
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, Total(deadLettered));
        Assert.Empty(await queue.ReceiveAsync(Take()));

        Assert.Equal(1, Total(deadLettered, Tag("queue", "orders"), Tag("dead_letter_queue", "orders-dlq")));
        Assert.Single(await dlq.ReceiveAsync(Take()));
        Assert.Equal(0, Total(sent, Tag("queue", "orders-dlq"))); // CloudWatch: a redrive move is not a send
    }
}
