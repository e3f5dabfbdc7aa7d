using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Tests.Queues;

/// <summary>
/// What a receive or delete of several messages does once for all of them: one visibility ticket per receive, the
/// vacated slots handed back together, and handle strings recognised without decoding.
/// </summary>
public sealed class BatchBookkeepingTests : QueueFixture
{
    private static readonly TimeSpan Vt = TimeSpan.FromSeconds(30);

    private IMessageQueue CreateJobs() => Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = Vt });

    private static async Task SendTen(IMessageQueue queue, string prefix) =>
        await queue.SendBatchAsync([.. Enumerable.Range(0, 10).Select(i => new SendMessageBatchEntry($"e{i}", $"{prefix}{i}"))]);

    [Fact]
    public async Task A_delete_batch_by_message_allocates_its_result_and_nothing_per_entry()
    {
        // The result (its ids array of 104 bytes and the result of 32) and nothing else (136 in all): no enumerator boxed
        // to walk the entries (48 bytes more), no empty list for the failures (32 more).
        var queue = CreateJobs();
        await SendTen(queue, "w");
        await queue.DeleteBatchAsync([.. (await queue.ReceiveAsync(Take(10))).Select((m, i) => new DeleteMessageBatchEntry($"d{i}", m))]);
        await SendTen(queue, "m");
        var entries = (await queue.ReceiveAsync(Take(10))).Select((m, i) => new DeleteMessageBatchEntry($"d{i}", m)).ToList();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = await queue.DeleteBatchAsync(entries);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(10, result.Successful.Count);
        Assert.True(allocated <= 150, $"{allocated} bytes for a delete batch of 10");
    }

    [Fact]
    public async Task Of_messages_received_together_only_those_not_deleted_come_back_when_their_visibility_ends()
    {
        var queue = CreateJobs();

        // A message due earlier keeps the timer armed before the batch's deadline, so the batch's ticket is still
        // waiting to be sorted when half of its messages are deleted: the timer must keep it for the other half.
        await queue.SendAsync("early");
        Assert.Equal("early", (await ReceiveOne(queue, TimeSpan.FromSeconds(10))).GetBodyAsString());
        await SendTen(queue, "m");
        var got = await queue.ReceiveAsync(Take(10));
        Assert.Equal(10, got.Count);
        var deleted = await queue.DeleteBatchAsync([.. got.Where((_, i) => i % 2 == 0).Select((m, i) => new DeleteMessageBatchEntry($"d{i}", m))]);
        Assert.Equal(5, deleted.Successful.Count);
        Time.Advance(TimeSpan.FromSeconds(10));
        var returned = await ReceiveOne(queue);
        Assert.Equal("early", returned.GetBodyAsString());
        await queue.DeleteAsync(returned);

        Time.Advance(Vt - TimeSpan.FromSeconds(11));
        Assert.Equal((0, 5, 0), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((5, 0, 0), Counts(queue));
        var back = await ReceiveAll(queue);
        Assert.Equal(got.Where((_, i) => i % 2 == 1).Select(m => m.GetBodyAsString()).Order(), back.Select(m => m.GetBodyAsString()).Order());
        Assert.All(back, m => Assert.Equal(2, m.ApproximateReceiveCount));
    }

    [Fact]
    public async Task Messages_received_together_whose_visibility_one_changed_come_back_each_at_its_own_time()
    {
        var queue = CreateJobs();
        await SendTen(queue, "m");
        var got = await queue.ReceiveAsync(Take(10));
        await queue.ChangeVisibilityAsync(got[3], TimeSpan.FromSeconds(60));

        Time.Advance(Vt);
        Assert.Equal((9, 1, 0), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal((10, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Slots_a_delete_batch_vacates_are_reused_by_later_receives()
    {
        var queue = CreateJobs();
        for (var round = 0; round < 1_000; round++)
        {
            await SendTen(queue, $"r{round}-");
            var got = await queue.ReceiveAsync(Take(10));
            Assert.Equal(10, got.Count);

            // Ten distinct slots, each naming its own message: the vacated ones were chained back correctly.
            Assert.Equal(10, got.Select(m => m.Receipt.Slot).Distinct().Count());
            var result = await queue.DeleteBatchAsync([.. got.Select((m, i) => new DeleteMessageBatchEntry($"d{i}", m.ReceiptHandle))]);
            Assert.Equal(10, result.Successful.Count);
        }

        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.InRange(((MessageQueue)queue).SlotHighWater, 10, 20);
    }

    [Fact]
    public async Task A_copy_of_a_handle_string_deletes_like_the_string_the_receive_returned()
    {
        var queue = CreateJobs();
        await queue.SendAsync("a");
        var got = await ReceiveOne(queue);
        var copy = new string(got.ReceiptHandle.AsSpan());
        Assert.NotSame(got.ReceiptHandle, copy);

        await queue.DeleteAsync(copy);

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_handle_whose_slot_another_message_took_since_deletes_nothing_and_the_new_handle_still_works()
    {
        var queue = CreateJobs();
        await queue.SendAsync("a");
        var first = await ReceiveOne(queue);
        var stale = first.ReceiptHandle;
        await queue.ChangeVisibilityAsync(stale, TimeSpan.Zero);
        var again = await ReceiveOne(queue); // "a" moves to a new slot; its old one goes back to the free list
        await queue.SendAsync("b");
        var b = await ReceiveOne(queue);
        Assert.Equal(first.Receipt.Slot, b.Receipt.Slot); // "b" took the slot the stale handle names

        await queue.DeleteAsync(stale); // lenient, as SQS standard queues are: received again since, so nothing happens

        Assert.Equal((0, 2, 0), Counts(queue));
        await queue.DeleteAsync(b.ReceiptHandle);
        await queue.DeleteAsync(again.ReceiptHandle);
        Assert.Equal((0, 0, 0), Counts(queue));
    }
}
