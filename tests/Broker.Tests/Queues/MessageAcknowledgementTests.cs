using Broker.Queues;

namespace Broker.Tests.Queues;

/// <summary>Deleting and changing visibility by the received message itself, as well as by its handle.</summary>
public sealed class MessageAcknowledgementTests : QueueFixture
{
    private static readonly TimeSpan Vt = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Delete_by_message_removes_it_and_is_idempotent()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = Vt });
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue);

        await queue.DeleteAsync(got);
        await queue.DeleteAsync(got);

        Time.Advance(Vt);
        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Delete_by_a_message_received_before_it_was_received_again_leaves_it_to_the_new_holder()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = Vt });
        await queue.SendAsync("m");
        var first = await ReceiveOne(queue);
        Time.Advance(Vt);
        var second = await ReceiveOne(queue);

        await queue.DeleteAsync(first);

        Assert.Equal((0, 1, 0), Counts(queue));
        await queue.DeleteAsync(second);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_message_from_another_queue_is_refused_like_a_foreign_handle_and_changes_nothing()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = Vt });
        var other = Broker.CreateQueue("other", new QueueOptions { VisibilityTimeout = Vt });
        await queue.SendAsync("mine");
        await other.SendAsync("theirs");
        var mine = await ReceiveOne(queue);
        var theirs = await ReceiveOne(other);

        await ThrowsBroker(BrokerErrorCodes.ReceiptHandleIsInvalid, () => queue.DeleteAsync(theirs).AsTask());
        await ThrowsBroker(BrokerErrorCodes.ReceiptHandleIsInvalid, () => queue.ChangeVisibilityAsync(theirs, TimeSpan.Zero).AsTask());
        var batch = await queue.DeleteBatchAsync([new DeleteMessageBatchEntry("a", theirs), new DeleteMessageBatchEntry("b", mine)]);

        Assert.Equal(["b"], batch.Successful);
        Assert.Equal(BrokerErrorCodes.ReceiptHandleIsInvalid, Assert.Single(batch.Failed).Code);
        Assert.Equal((0, 1, 0), Counts(other));
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Change_visibility_by_message_counts_from_the_call()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = Vt });
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue);

        await queue.ChangeVisibilityAsync(got, TimeSpan.FromSeconds(5));
        Time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(2, (await ReceiveOne(queue)).ApproximateReceiveCount);
    }

    [Fact]
    public async Task Batch_entries_made_from_messages_delete_and_change_visibility_like_handles()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = Vt });
        await queue.SendBatchAsync([new SendMessageBatchEntry("1", "a"), new SendMessageBatchEntry("2", "b"), new SendMessageBatchEntry("3", "c")]);
        var got = await queue.ReceiveAsync(Take(10));
        Assert.Equal(3, got.Count);

        var deleted = await queue.DeleteBatchAsync([new DeleteMessageBatchEntry("x", got[0]), new DeleteMessageBatchEntry("y", got[1].ReceiptHandle)]);
        var returned = await queue.ChangeVisibilityBatchAsync([new ChangeVisibilityBatchEntry("z", got[2], TimeSpan.Zero)]);

        Assert.Equal(["x", "y"], deleted.Successful);
        Assert.Equal(["z"], returned.Successful);
        Assert.Equal((1, 0, 0), Counts(queue));
        Assert.Equal(got[2].ReceiptHandle, new DeleteMessageBatchEntry("w", got[2]).ReceiptHandle);
    }
}
