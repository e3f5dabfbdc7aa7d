using Broker.Queues;

namespace Broker.Tests.Queues;

public sealed class DeleteTests : QueueFixture
{
    private static readonly TimeSpan Vt = TimeSpan.FromSeconds(30);

    private IMessageQueue CreateJobs() => Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = Vt });

    private static async Task<ReceivedMessage> SendAndReceive(IMessageQueue queue, string body = "m")
    {
        await queue.SendAsync(body);
        return await ReceiveOne(queue);
    }

    /// <summary>A handle that failed left the message as it was: still in flight, back after the visibility timeout.</summary>
    private async Task AssertStillInFlight(IMessageQueue queue, ReceivedMessage message)
    {
        Assert.Equal((0, 1, 0), Counts(queue));
        Time.Advance(Vt);
        var again = await ReceiveOne(queue);
        Assert.Equal(message.MessageId, again.MessageId);
        Assert.Equal(2, again.ApproximateReceiveCount);
    }

    // ---- DeleteMessage ----

    [Fact]
    public async Task Delete_removes_the_message_for_good()
    {
        var queue = CreateJobs();
        var got = await SendAndReceive(queue);

        await queue.DeleteAsync(got.ReceiptHandle);

        Assert.Equal((0, 0, 0), Counts(queue));
        Time.Advance(Vt + TimeSpan.FromSeconds(1));
        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Delete_is_idempotent()
    {
        var queue = CreateJobs();
        var got = await SendAndReceive(queue);
        await queue.DeleteAsync(got.ReceiptHandle);

        await queue.DeleteAsync(got.ReceiptHandle);

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Deleting_again_after_another_message_took_the_freed_place_does_not_touch_that_message()
    {
        var queue = CreateJobs();
        var first = await SendAndReceive(queue, "first");
        await queue.DeleteAsync(first.ReceiptHandle);
        var second = await SendAndReceive(queue, "second");

        await queue.DeleteAsync(first.ReceiptHandle);

        Assert.Equal((0, 1, 0), Counts(queue));
        await queue.DeleteAsync(second.ReceiptHandle);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    public async Task Malformed_handle_fails_with_ReceiptHandleIsInvalid_and_changes_nothing(string handle)
    {
        var queue = CreateJobs();
        var got = await SendAndReceive(queue);

        await ThrowsBroker(BrokerErrorCodes.ReceiptHandleIsInvalid, () => queue.DeleteAsync(handle).AsTask());

        await AssertStillInFlight(queue, got);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(18)]
    [InlineData(24)]
    public async Task Handle_with_one_character_changed_fails_with_ReceiptHandleIsInvalid_and_changes_nothing(int position)
    {
        var queue = CreateJobs();
        var got = await SendAndReceive(queue);
        var chars = got.ReceiptHandle.ToCharArray();
        Assert.InRange(position, 0, chars.Length - 1);
        chars[position] = chars[position] == 'A' ? 'B' : 'A';
        var forged = new string(chars);

        await ThrowsBroker(BrokerErrorCodes.ReceiptHandleIsInvalid, () => queue.DeleteAsync(forged).AsTask());

        await AssertStillInFlight(queue, got);
    }

    [Fact]
    public async Task Handle_from_another_queue_fails_with_ReceiptHandleIsInvalid_and_changes_nothing()
    {
        var queue = CreateJobs();
        var other = Broker.CreateQueue("other", new QueueOptions { VisibilityTimeout = Vt });
        var got = await SendAndReceive(queue);
        var foreign = await SendAndReceive(other);

        await ThrowsBroker(BrokerErrorCodes.ReceiptHandleIsInvalid, () => queue.DeleteAsync(foreign.ReceiptHandle).AsTask());

        Assert.Equal((0, 1, 0), Counts(other));
        await AssertStillInFlight(queue, got);
    }

    [Fact]
    public async Task Handle_from_a_deleted_queue_of_the_same_name_fails_with_ReceiptHandleIsInvalid_and_changes_nothing()
    {
        var old = CreateJobs();
        var stale = await SendAndReceive(old);
        Broker.DeleteQueue("jobs");
        var queue = CreateJobs();
        var got = await SendAndReceive(queue);

        await ThrowsBroker(BrokerErrorCodes.ReceiptHandleIsInvalid, () => queue.DeleteAsync(stale.ReceiptHandle).AsTask());

        await AssertStillInFlight(queue, got);
    }

    [Fact]
    public async Task Stale_handle_deletes_a_message_nobody_received_since_its_visibility_expired()
    {
        var queue = CreateJobs();
        var got = await SendAndReceive(queue);
        Time.Advance(Vt);
        Assert.Equal((1, 0, 0), Counts(queue));

        await queue.DeleteAsync(got.ReceiptHandle);

        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Stale_handle_of_a_message_received_again_succeeds_but_deletes_nothing()
    {
        var queue = CreateJobs();
        var first = await SendAndReceive(queue);
        Time.Advance(Vt);
        var second = await ReceiveOne(queue);

        await queue.DeleteAsync(first.ReceiptHandle);

        // The new receiver still holds it...
        Assert.Equal((0, 1, 0), Counts(queue));

        // ... and it comes back when the new receiver's timeout ends.
        Time.Advance(Vt);
        var third = await ReceiveOne(queue);
        Assert.Equal(second.MessageId, third.MessageId);
        Assert.Equal(3, third.ApproximateReceiveCount);
    }

    // ---- DeleteMessageBatch ----

    [Fact]
    public async Task Empty_delete_batch_fails_with_EmptyBatchRequest()
    {
        var queue = CreateJobs();
        await ThrowsBroker(BrokerErrorCodes.EmptyBatchRequest, () => queue.DeleteBatchAsync([]).AsTask());
    }

    [Fact]
    public async Task Delete_batch_of_eleven_fails_with_TooManyEntriesInBatchRequest_and_deletes_nothing()
    {
        var queue = CreateJobs();
        var got = await SendAndReceive(queue);
        var entries = Enumerable.Range(0, 11).Select(i => new DeleteMessageBatchEntry($"e{i}", got.ReceiptHandle)).ToList();

        await ThrowsBroker(BrokerErrorCodes.TooManyEntriesInBatchRequest, () => queue.DeleteBatchAsync(entries).AsTask());

        await AssertStillInFlight(queue, got);
    }

    [Fact]
    public async Task Delete_batch_with_repeated_ids_fails_with_BatchEntryIdsNotDistinct_and_deletes_nothing()
    {
        var queue = CreateJobs();
        var got = await SendAndReceive(queue);

        await ThrowsBroker(
            BrokerErrorCodes.BatchEntryIdsNotDistinct,
            () => queue.DeleteBatchAsync([new("a", got.ReceiptHandle), new("a", got.ReceiptHandle)]).AsTask());

        await AssertStillInFlight(queue, got);
    }

    [Theory]
    [InlineData("bad id")]
    [InlineData("bad.id")]
    [InlineData("")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345678901234567890")]
    public async Task Delete_batch_with_an_invalid_entry_id_fails_with_InvalidBatchEntryId_and_deletes_nothing(string id)
    {
        var queue = CreateJobs();
        var got = await SendAndReceive(queue);

        await ThrowsBroker(BrokerErrorCodes.InvalidBatchEntryId, () => queue.DeleteBatchAsync([new(id, got.ReceiptHandle)]).AsTask());

        await AssertStillInFlight(queue, got);
    }

    [Fact]
    public async Task Delete_batch_fails_a_garbage_handle_alone_and_deletes_the_others()
    {
        var queue = CreateJobs();
        await queue.SendAsync("a");
        await queue.SendAsync("b");
        var got = await queue.ReceiveAsync(Take(10));
        Assert.Equal(2, got.Count);

        var result = await queue.DeleteBatchAsync(
        [
            new("first", got[0].ReceiptHandle),
            new("bad", "garbage"),
            new("second", got[1].ReceiptHandle),
        ]);

        Assert.Equal(["first", "second"], result.Successful);
        var failed = Assert.Single(result.Failed);
        Assert.Equal("bad", failed.Id);
        Assert.Equal(BrokerErrorCodes.ReceiptHandleIsInvalid, failed.Code);
        Assert.True(failed.SenderFault);
        Assert.Equal((0, 0, 0), Counts(queue));
        Time.Advance(Vt);
        Assert.Empty(await queue.ReceiveAsync(Take()));
    }

    // ---- ChangeMessageVisibilityBatch ----

    [Fact]
    public async Task Change_visibility_batch_fails_bad_entries_alone_and_applies_the_others()
    {
        var queue = CreateJobs();
        await queue.SendAsync("now");
        await queue.SendAsync("unchanged");
        await queue.SendAsync("later");
        var got = (await queue.ReceiveAsync(Take(10))).ToDictionary(m => m.GetBodyAsString(), StringComparer.Ordinal);
        Assert.Equal(3, got.Count);

        var result = await queue.ChangeVisibilityBatchAsync(
        [
            new("now", got["now"].ReceiptHandle, TimeSpan.Zero),
            new("garbage", "garbage", TimeSpan.FromSeconds(5)),
            new("outOfRange", got["unchanged"].ReceiptHandle, TimeSpan.FromSeconds(43_201)),
            new("later", got["later"].ReceiptHandle, TimeSpan.FromSeconds(100)),
        ]);

        Assert.Equal(["now", "later"], result.Successful);
        Assert.Equal(2, result.Failed.Count);
        var failures = result.Failed.ToDictionary(f => f.Id, f => f.Code, StringComparer.Ordinal);
        Assert.Equal(BrokerErrorCodes.ReceiptHandleIsInvalid, failures["garbage"]);
        Assert.Equal(BrokerErrorCodes.InvalidParameterValue, failures["outOfRange"]);

        // "now" is visible at once; the failed change left "unchanged" on its 30 s; "later" waits 100 s.
        Assert.Equal((1, 2, 0), Counts(queue));
        Time.Advance(Vt - TimeSpan.FromTicks(1));
        Assert.Equal((1, 2, 0), Counts(queue));
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal((2, 1, 0), Counts(queue));
        Time.Advance(TimeSpan.FromSeconds(70) - TimeSpan.FromTicks(1));
        Assert.Equal((2, 1, 0), Counts(queue));
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal((3, 0, 0), Counts(queue));
    }
}
