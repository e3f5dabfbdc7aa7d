using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Tests.Queues;

public sealed class FifoQueueTests : QueueFixture
{
    private const string Orders = "orders.fifo";
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private static readonly TimeSpan DedupInterval = TimeSpan.FromMinutes(5);

    private static readonly ReceiveRequest WithSystemAttributes = new()
    {
        MaxNumberOfMessages = 10,
        WaitTime = TimeSpan.Zero,
        MessageSystemAttributeNames = [MessageSystemAttributeNames.All],
    };

    private static QueueOptions Fifo => new() { FifoQueue = true, ContentBasedDeduplication = true };

    private static QueueOptions FifoWithoutContentDedup => new() { FifoQueue = true };

    private IMessageQueue CreateFifo(QueueOptions? options = null) => Broker.CreateQueue(Orders, options ?? Fifo);

    /// <summary>A message of <paramref name="group"/> whose body is unique when <paramref name="body"/> is.</summary>
    private static SendMessageRequest Msg(string body, string group, string? deduplicationId = null) =>
        new(body) { MessageGroupId = group, MessageDeduplicationId = deduplicationId };

    /// <summary>Bodies are written as group letter + index ("A1"), so a body names its group.</summary>
    private static string[] Bodies(IEnumerable<ReceivedMessage> messages) => [.. messages.Select(m => m.GetBodyAsString())];

    private static async Task SendAll(IMessageQueue queue, params string[] bodies)
    {
        foreach (var body in bodies)
        {
            await queue.SendAsync(Msg(body, body[..1]));
        }
    }

    private static BigInteger ParseSequence(string? sequenceNumber)
    {
        Assert.NotNull(sequenceNumber);
        Assert.Matches("^[0-9]+$", sequenceNumber);
        return BigInteger.Parse(sequenceNumber, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    // ---------------------------------------------------------------- Names and the queue type

    [Fact]
    public void A_FIFO_queue_without_the_fifo_suffix_is_refused_with_InvalidParameterValue()
    {
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue("orders", Fifo));
        Assert.False(Broker.TryGetQueue("orders", out _));
    }

    [Fact]
    public void A_standard_queue_with_the_fifo_suffix_is_refused_with_InvalidParameterValue()
    {
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue(Orders, new QueueOptions()));
        Assert.False(Broker.TryGetQueue(Orders, out _));
    }

    [Fact]
    public void The_fifo_suffix_counts_toward_the_80_character_limit()
    {
        var tooLong = new string('q', 76) + ".fifo";
        var longest = new string('q', 75) + ".fifo";

        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue(tooLong, Fifo));
        var queue = Broker.CreateQueue(longest, Fifo);

        Assert.Equal(longest, queue.Name);
        Assert.False(Broker.TryGetQueue(tooLong, out _));
    }

    [Fact]
    public void A_FIFO_queue_can_be_created_from_its_SQS_attributes()
    {
        var queue = Broker.CreateQueue(Orders, new Dictionary<string, string>
        {
            [QueueAttributeNames.FifoQueue] = "true",
            [QueueAttributeNames.ContentBasedDeduplication] = "true",
        });

        Assert.True(queue.GetAttributes().Options.FifoQueue);
        Assert.True(queue.GetAttributes().Options.ContentBasedDeduplication);
    }

    [Fact]
    public void Setting_FifoQueue_false_on_a_FIFO_queue_fails_with_InvalidAttributeValue()
    {
        var queue = CreateFifo();

        var error = ThrowsBroker(BrokerErrorCodes.InvalidAttributeValue, () => queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.FifoQueue] = "false" }));

        Assert.Contains("FifoQueue", error.Message, StringComparison.Ordinal);
        Assert.True(queue.GetAttributes().Options.FifoQueue);
    }

    [Fact]
    public void Setting_typed_options_with_FifoQueue_false_on_a_FIFO_queue_fails_with_InvalidAttributeValue()
    {
        var queue = CreateFifo();

        ThrowsBroker(BrokerErrorCodes.InvalidAttributeValue, () => queue.SetAttributes(queue.GetAttributes().Options with { FifoQueue = false }));

        Assert.True(queue.GetAttributes().Options.FifoQueue);
    }

    [Fact]
    public void Setting_FifoQueue_true_on_a_FIFO_queue_is_a_no_op()
    {
        var queue = CreateFifo();
        var before = queue.GetAttributes().Options;

        queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.FifoQueue] = "true" });

        Assert.Equal(before, queue.GetAttributes().Options);
    }

    [Fact]
    public void Creating_the_same_name_as_a_standard_queue_is_refused_and_leaves_the_FIFO_queue_unchanged()
    {
        var queue = CreateFifo();

        // A standard queue may not carry the .fifo suffix, and the name is checked before the existing queue is looked
        // up, so the refusal is InvalidParameterValue rather than QueueAlreadyExists. Either way the type cannot change.
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue(Orders, new QueueOptions()));
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue(Orders, new Dictionary<string, string>()));

        Assert.Same(queue, Broker.GetQueue(Orders));
        Assert.True(queue.GetAttributes().Options.FifoQueue);
    }

    [Fact]
    public void Creating_a_FIFO_queue_again_with_the_same_settings_returns_it()
    {
        var queue = CreateFifo();
        Assert.Same(queue, Broker.CreateQueue(Orders, Fifo));
    }

    // ---------------------------------------------------------------- FIFO-only options

    [Theory]
    [InlineData("ContentBasedDeduplication")]
    [InlineData("DeduplicationScope")]
    [InlineData("FifoThroughputLimit")]
    public void A_FIFO_only_option_on_a_standard_queue_fails_with_InvalidAttributeName(string option)
    {
        var options = option switch
        {
            "ContentBasedDeduplication" => new QueueOptions { ContentBasedDeduplication = true },
            "DeduplicationScope" => new QueueOptions { DeduplicationScope = DeduplicationScope.MessageGroup },
            _ => new QueueOptions { FifoThroughputLimit = FifoThroughputLimit.PerMessageGroupId },
        };

        var error = ThrowsBroker(BrokerErrorCodes.InvalidAttributeName, () => Broker.CreateQueue("jobs", options));

        Assert.Contains(option, error.Message, StringComparison.Ordinal);
        Assert.False(Broker.TryGetQueue("jobs", out _));
    }

    [Fact]
    public void Per_message_group_throughput_with_queue_dedup_scope_fails_with_InvalidAttributeValue()
    {
        ThrowsBroker(BrokerErrorCodes.InvalidAttributeValue, () => Broker.CreateQueue(Orders, Fifo with
        {
            DeduplicationScope = DeduplicationScope.Queue,
            FifoThroughputLimit = FifoThroughputLimit.PerMessageGroupId,
        }));
        Assert.False(Broker.TryGetQueue(Orders, out _));
    }

    [Fact]
    public void Per_message_group_throughput_with_message_group_dedup_scope_is_accepted()
    {
        var queue = CreateFifo(Fifo with
        {
            DeduplicationScope = DeduplicationScope.MessageGroup,
            FifoThroughputLimit = FifoThroughputLimit.PerMessageGroupId,
        });

        Assert.Equal(FifoThroughputLimit.PerMessageGroupId, queue.GetAttributes().Options.FifoThroughputLimit);
        Assert.Equal(DeduplicationScope.MessageGroup, queue.GetAttributes().Options.DeduplicationScope);
    }

    [Fact]
    public async Task Content_based_deduplication_can_be_switched_on_later()
    {
        var queue = CreateFifo(FifoWithoutContentDedup);
        await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.SendAsync(Msg("m", "A")).AsTask());

        queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.ContentBasedDeduplication] = "true" });
        await queue.SendAsync(Msg("m", "A"));

        Assert.Equal((1, 0, 0), Counts(queue));
    }

    // ---------------------------------------------------------------- Sending

    [Fact]
    public async Task A_send_without_a_message_group_fails_with_MissingParameter()
    {
        var queue = CreateFifo();

        var error = await ThrowsBroker(BrokerErrorCodes.MissingParameter, () => queue.SendAsync(new SendMessageRequest("m")).AsTask());

        Assert.Contains("MessageGroupId", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_send_without_a_deduplication_id_to_a_queue_without_content_based_deduplication_fails_with_InvalidParameterValue()
    {
        var queue = CreateFifo(FifoWithoutContentDedup);

        var error = await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.SendAsync(Msg("m", "A")).AsTask());

        Assert.Contains("ContentBasedDeduplication", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_send_with_an_explicit_deduplication_id_needs_no_content_based_deduplication()
    {
        var queue = CreateFifo(FifoWithoutContentDedup);

        await queue.SendAsync(Msg("m", "A", "d-1"));

        Assert.Equal((1, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_per_message_delay_other_than_zero_fails_with_InvalidParameterValue()
    {
        var queue = CreateFifo();

        var error = await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.SendAsync(new SendMessageRequest("m") { MessageGroupId = "A", DelaySeconds = 2 }).AsTask());

        Assert.Contains("DelaySeconds", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_per_message_delay_of_zero_is_accepted_and_the_queue_delay_still_applies()
    {
        var queue = CreateFifo(Fifo with { Delay = TimeSpan.FromSeconds(10) });

        await queue.SendAsync(new SendMessageRequest("m") { MessageGroupId = "A", DelaySeconds = 0 });

        Assert.Equal((0, 0, 1), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Time.Advance(TimeSpan.FromSeconds(10) - Tick);
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Time.Advance(Tick);
        Assert.Equal("m", (await ReceiveOne(queue)).GetBodyAsString());
    }

    [Fact]
    public async Task Sequence_numbers_are_numeric_and_increase_within_a_group()
    {
        var queue = CreateFifo();

        var a1 = await queue.SendAsync(Msg("A1", "A"));
        var b1 = await queue.SendAsync(Msg("B1", "B"));
        var a2 = await queue.SendAsync(Msg("A2", "A"));
        var a3 = await queue.SendAsync(Msg("A3", "A"));

        var first = ParseSequence(a1.SequenceNumber);
        var second = ParseSequence(a2.SequenceNumber);
        var third = ParseSequence(a3.SequenceNumber);
        ParseSequence(b1.SequenceNumber);
        Assert.True(first < second, $"{first} < {second}");
        Assert.True(second < third, $"{second} < {third}");
    }

    [Fact]
    public async Task A_standard_queue_send_has_no_sequence_number()
    {
        var queue = Broker.CreateQueue("jobs");

        var sent = await queue.SendAsync("m");

        Assert.Null(sent.SequenceNumber);
    }

    [Fact]
    public async Task A_batch_entry_without_a_message_group_fails_alone()
    {
        var queue = CreateFifo();

        var result = await queue.SendBatchAsync(
        [
            new SendMessageBatchEntry("good", "A1") { MessageGroupId = "A" },
            new SendMessageBatchEntry("bad", "A2"),
        ]);

        Assert.Equal("good", Assert.Single(result.Successful).Id);
        var failed = Assert.Single(result.Failed);
        Assert.Equal("bad", failed.Id);
        Assert.Equal(BrokerErrorCodes.MissingParameter, failed.Code);
        Assert.Equal((1, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Batch_entries_are_enqueued_in_entry_order_with_sequence_numbers()
    {
        var queue = CreateFifo();

        var result = await queue.SendBatchAsync([.. new[] { "A1", "A2", "A3" }.Select(b => new SendMessageBatchEntry(b, b) { MessageGroupId = "A" })]);

        Assert.Empty(result.Failed);
        Assert.Equal(["A1", "A2", "A3"], Bodies(await queue.ReceiveAsync(Take())));
        var sequences = result.Successful.Select(e => ParseSequence(e.Result.SequenceNumber)).ToArray();
        Assert.True(sequences[0] < sequences[1] && sequences[1] < sequences[2]);
    }

    // ---------------------------------------------------------------- Order

    [Fact]
    public async Task Messages_of_one_group_are_received_in_send_order_across_receives()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "A2", "A3", "A4", "A5");

        var received = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var got = await queue.ReceiveAsync(Take(2));
            received.AddRange(Bodies(got));
            foreach (var message in got)
            {
                await queue.DeleteAsync(message);
            }
        }

        Assert.Equal(["A1", "A2", "A3", "A4", "A5"], received);
    }

    [Fact]
    public async Task A_receive_returns_each_groups_messages_contiguously_even_when_sends_interleaved()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "B1", "A2", "B2");

        var got = Bodies(await queue.ReceiveAsync(Take(10)));

        Assert.Contains(string.Join(',', got), new[] { "A1,A2,B1,B2", "B1,B2,A1,A2" });
    }

    [Fact]
    public async Task A_receive_fills_with_as_many_messages_of_one_group_as_possible_first()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "B1", "A2", "B2", "A3", "B3");

        var got = Bodies(await queue.ReceiveAsync(Take(3)));

        Assert.Contains(string.Join(',', got), new[] { "A1,A2,A3", "B1,B2,B3" });
    }

    // ---------------------------------------------------------------- Group lock

    [Fact]
    public async Task While_a_message_of_a_group_is_in_flight_no_other_message_of_that_group_is_returned_but_other_groups_are()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "A2");
        Assert.Equal("A1", (await ReceiveOne(queue)).GetBodyAsString());
        await SendAll(queue, "B1");

        Assert.Equal(["B1"], Bodies(await queue.ReceiveAsync(Take(10))));
        Assert.Empty(await queue.ReceiveAsync(Take(10)));
    }

    [Fact]
    public async Task A_partial_delete_keeps_the_group_locked()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "A2", "A3");
        var got = await queue.ReceiveAsync(Take(2));
        Assert.Equal(["A1", "A2"], Bodies(got));

        await queue.DeleteAsync(got[0]);

        Assert.Empty(await queue.ReceiveAsync(Take(10)));
        Assert.Equal((1, 1, 0), Counts(queue));
    }

    [Fact]
    public async Task After_every_received_message_of_a_group_is_deleted_the_next_one_is_returned()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "A2", "A3");
        var got = await queue.ReceiveAsync(Take(2));
        await queue.DeleteAsync(got[0]);
        Assert.Empty(await queue.ReceiveAsync(Take(10)));

        await queue.DeleteAsync(got[1]);

        Assert.Equal(["A3"], Bodies(await queue.ReceiveAsync(Take(10))));
    }

    [Fact]
    public async Task An_expired_message_comes_back_before_later_messages_of_its_group()
    {
        var queue = CreateFifo(Fifo with { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await SendAll(queue, "A1", "A2");
        var first = await ReceiveOne(queue);
        Assert.Equal("A1", first.GetBodyAsString());

        Time.Advance(TimeSpan.FromSeconds(30) - Tick);
        Assert.Empty(await queue.ReceiveAsync(Take(10)));
        Time.Advance(Tick);

        var got = await queue.ReceiveAsync(Take(10));
        Assert.Equal(["A1", "A2"], Bodies(got));
        Assert.Equal(first.MessageId, got[0].MessageId);
        Assert.Equal(2, got[0].ApproximateReceiveCount);
        Assert.Equal(1, got[1].ApproximateReceiveCount);
    }

    [Fact]
    public async Task A_receive_with_zero_visibility_timeout_does_not_lock_the_group()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "A2");
        Assert.Equal("A1", (await ReceiveOne(queue, TimeSpan.Zero)).GetBodyAsString());

        var again = await ReceiveOne(queue);

        Assert.Equal("A1", again.GetBodyAsString());
        Assert.Equal(2, again.ApproximateReceiveCount);
    }

    [Fact]
    public async Task Sending_a_new_message_into_a_locked_group_does_not_unlock_it()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1");
        await ReceiveOne(queue);

        await SendAll(queue, "A2");

        Assert.Empty(await queue.ReceiveAsync(Take(10)));
        Assert.Equal((1, 1, 0), Counts(queue));
    }

    // ---------------------------------------------------------------- Counters

    [Fact]
    public async Task Visible_count_includes_unreceived_messages_of_a_locked_group_and_not_visible_counts_only_received_ones()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "A2", "A3");

        await ReceiveOne(queue);

        Assert.Equal((2, 1, 0), Counts(queue));
    }

    // ---------------------------------------------------------------- Deduplication

    [Fact]
    public async Task The_same_deduplication_id_within_five_minutes_is_accepted_but_delivered_once()
    {
        var queue = CreateFifo(FifoWithoutContentDedup);
        var first = await queue.SendAsync(Msg("first", "A", "d-1"));

        Time.Advance(DedupInterval - Tick);
        var duplicate = await queue.SendAsync(Msg("second", "A", "d-1"));

        Assert.False(string.IsNullOrEmpty(duplicate.MessageId));
        Assert.False(string.IsNullOrEmpty(first.MessageId));
        Assert.Equal((1, 0, 0), Counts(queue));
        Assert.Equal(["first"], Bodies(await queue.ReceiveAsync(Take(10))));
    }

    [Fact]
    public async Task A_duplicate_answers_with_the_originals_id_and_number_and_the_digest_of_its_own_body()
    {
        var queue = CreateFifo(FifoWithoutContentDedup);
        var first = await queue.SendAsync(Msg("first", "A", "d-1"));
        await queue.SendAsync(Msg("other", "A", "d-2"));

        var duplicate = await queue.SendAsync(Msg("second", "A", "d-1"));

        Assert.Equal(first.MessageId, duplicate.MessageId);
        Assert.Equal(first.SequenceNumber, duplicate.SequenceNumber);
        Assert.Equal(Md5Hex("second"u8), duplicate.MD5OfMessageBody); // SDKs check it against what they sent
    }

    [Fact]
    public async Task Duplicates_hold_no_slot_and_their_group_takes_the_next_message_in_order()
    {
        var queue = CreateFifo(FifoWithoutContentDedup);
        await queue.SendAsync(Msg("first", "A", "d-1"));
        var slots = ((MessageQueue)queue).SlotHighWater;

        for (var i = 0; i < 1_000; i++)
        {
            await queue.SendAsync(Msg("again", i % 2 == 0 ? "A" : $"new-{i}", "d-1"));
        }

        Assert.Equal(slots + 1, ((MessageQueue)queue).SlotHighWater); // each duplicate borrowed one slot and gave it back
        await queue.SendAsync(Msg("second", "A", "d-2"));
        Assert.Equal(["first", "second"], Bodies(await queue.ReceiveAsync(Take(10))));
        Assert.Equal((0, 2, 0), Counts(queue));
    }

    [Fact]
    public async Task A_first_receive_keeps_the_slot_the_send_gave_the_message_and_a_later_receive_takes_a_new_one()
    {
        var queue = CreateFifo(FifoWithoutContentDedup);
        for (var i = 0; i < 100; i++)
        {
            await queue.SendAsync(Msg($"m{i}", $"g{i}", $"d{i}"));
        }

        var tracked = ((MessageQueue)queue).SlotHighWater;
        var received = await ReceiveAll(queue);
        Assert.Equal(100, received.Count);
        Assert.Equal(tracked, ((MessageQueue)queue).SlotHighWater); // no receive took a slot of its own
        foreach (var message in received.Skip(1))
        {
            await queue.DeleteAsync(message.ReceiptHandle);
        }

        // Received again, the message moves to a new slot, and the first handle no longer reaches it.
        var first = received[0];
        await queue.ChangeVisibilityAsync(first.ReceiptHandle, TimeSpan.Zero);
        var again = Assert.Single(await queue.ReceiveAsync(Take(1)));
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.NotEqual(first.Receipt.Slot, again.Receipt.Slot);
        await queue.DeleteAsync(first.ReceiptHandle); // lenient: deletes nothing
        await Assert.ThrowsAsync<BrokerException>(() => queue.ChangeVisibilityAsync(first.ReceiptHandle, TimeSpan.FromSeconds(5)).AsTask());
        Assert.Equal((0, 1, 0), Counts(queue));
        await queue.DeleteAsync(again.ReceiptHandle);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Long_polls_parked_on_locked_groups_wake_when_a_delete_batch_unlocks_them()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "B1");
        var locking = await queue.ReceiveAsync(Take(10));
        Assert.Equal(["A1", "B1"], Bodies(locking).Order());
        await SendAll(queue, "A2", "B2");

        // Both groups are locked: these park (the fake clock never ends their wait).
        var longPoll = new ReceiveRequest { MaxNumberOfMessages = 1, WaitTime = TimeSpan.FromSeconds(20) };
        var first = queue.ReceiveAsync(longPoll).AsTask();
        var second = queue.ReceiveAsync(longPoll).AsTask();
        Assert.False(first.IsCompleted || second.IsCompleted);

        await queue.DeleteBatchAsync([.. locking.Select((m, i) => new DeleteMessageBatchEntry($"e{i}", m))]);

        var woken = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["A2", "B2"], woken.SelectMany(Bodies).Order());
    }

    [Fact]
    public async Task A_duplicate_racing_its_original_reads_the_originals_number_once_the_original_has_it()
    {
        // The moment between an original's deduplication record going in and its message entering its group, staged:
        // the record is there with no group sequence number yet.
        var queue = (MessageQueue)CreateFifo(FifoWithoutContentDedup);
        var window = typeof(MessageQueue).GetField("deduplication", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(queue)!;
        var original = typeof(MessageQueue).GetNestedType("FifoOriginal", BindingFlags.NonPublic)!;
        var keyHash = window.GetType().GetMethod("Hash")!.Invoke(window, ["d-1"])!;
        var now = Time.GetUtcNow().UtcTicks;
        window.GetType().GetMethod("TryAdd", [keyHash.GetType().MakeByRefType(), original.MakeByRefType(), typeof(long), original.MakeByRefType()])!
            .Invoke(window, [keyHash, Activator.CreateInstance(original, 1L, 0L), now, null]);

        var duplicate = await queue.SendAsync(Msg("second", "A", "d-1"));
        window.GetType().GetMethod("Update")!.Invoke(window, [keyHash, Activator.CreateInstance(original, 1L, 77L), now]);

        Assert.Equal(77L.ToString("D20", CultureInfo.InvariantCulture), duplicate.SequenceNumber);
        Assert.Equal((0, 0, 0), Counts(queue)); // a duplicate: nothing was queued
    }

#pragma warning disable CA5351 // MD5 is the digest SQS's wire contract specifies, not a security measure.
    private static string Md5Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(data));
#pragma warning restore CA5351

    [Fact]
    public async Task The_same_deduplication_id_after_five_minutes_is_delivered_again()
    {
        var queue = CreateFifo(FifoWithoutContentDedup);
        await queue.SendAsync(Msg("first", "A", "d-1"));

        Time.Advance(DedupInterval);
        await queue.SendAsync(Msg("second", "A", "d-1"));

        Assert.Equal((2, 0, 0), Counts(queue));
        Assert.Equal(["first", "second"], Bodies(await queue.ReceiveAsync(Take(10))));
    }

    [Fact]
    public async Task The_deduplication_record_outlives_a_delete()
    {
        var queue = CreateFifo(FifoWithoutContentDedup);
        await queue.SendAsync(Msg("first", "A", "d-1"));
        await queue.DeleteAsync(await ReceiveOne(queue));

        await queue.SendAsync(Msg("again", "A", "d-1"));

        Assert.Equal((0, 0, 0), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take(10)));
    }

    [Fact]
    public async Task Purge_clears_the_deduplication_history()
    {
        var queue = CreateFifo(FifoWithoutContentDedup);
        await queue.SendAsync(Msg("first", "A", "d-1"));

        await queue.PurgeAsync();
        await queue.SendAsync(Msg("after-purge", "A", "d-1"));

        Assert.Equal((1, 0, 0), Counts(queue));
        Assert.Equal(["after-purge"], Bodies(await queue.ReceiveAsync(Take(10))));
    }

    [Fact]
    public async Task Content_based_deduplication_ignores_message_attributes()
    {
        var queue = CreateFifo();

        await queue.SendAsync(new SendMessageRequest("same") { MessageGroupId = "A", MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["v"] = MessageAttributeValue.FromString("1") } });
        await queue.SendAsync(new SendMessageRequest("same") { MessageGroupId = "A", MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["v"] = MessageAttributeValue.FromString("2") } });

        Assert.Equal((1, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Content_based_deduplication_delivers_different_bodies()
    {
        var queue = CreateFifo();

        await queue.SendAsync(Msg("one", "A"));
        await queue.SendAsync(Msg("two", "A"));
        await queue.SendAsync(Msg("one", "A"));

        Assert.Equal((2, 0, 0), Counts(queue));
        Assert.Equal(["one", "two"], Bodies(await queue.ReceiveAsync(Take(10))));
    }

    [Fact]
    public async Task An_explicit_deduplication_id_overrides_content_based_deduplication()
    {
        var queue = CreateFifo();

        await queue.SendAsync(Msg("same", "A", "d-1"));
        await queue.SendAsync(Msg("same", "A", "d-2"));
        await queue.SendAsync(Msg("different", "A", "d-1"));

        Assert.Equal((2, 0, 0), Counts(queue));
        Assert.Equal(["same", "same"], Bodies(await queue.ReceiveAsync(Take(10))));
    }

    [Fact]
    public async Task With_queue_dedup_scope_the_same_id_in_another_group_is_a_duplicate()
    {
        var queue = CreateFifo(FifoWithoutContentDedup);
        Assert.Equal(DeduplicationScope.Queue, queue.GetAttributes().Options.DeduplicationScope);

        await queue.SendAsync(Msg("A1", "A", "d-1"));
        await queue.SendAsync(Msg("B1", "B", "d-1"));

        Assert.Equal((1, 0, 0), Counts(queue));
        Assert.Equal(["A1"], Bodies(await queue.ReceiveAsync(Take(10))));
    }

    [Fact]
    public async Task With_message_group_dedup_scope_the_same_id_in_another_group_is_delivered()
    {
        var queue = CreateFifo(FifoWithoutContentDedup with { DeduplicationScope = DeduplicationScope.MessageGroup });

        await queue.SendAsync(Msg("A1", "A", "d-1"));
        await queue.SendAsync(Msg("B1", "B", "d-1"));
        await queue.SendAsync(Msg("A2", "A", "d-1"));

        Assert.Equal((2, 0, 0), Counts(queue));
        Assert.Equal(["A1", "B1"], Bodies(await queue.ReceiveAsync(Take(10))).Order(StringComparer.Ordinal).ToArray());
    }

    // ---------------------------------------------------------------- Receipt handles

    [Fact]
    public async Task Deleting_with_a_handle_whose_visibility_expired_fails_with_InvalidParameterValue()
    {
        var queue = CreateFifo(Fifo with { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await SendAll(queue, "A1");
        var got = await ReceiveOne(queue);
        Time.Advance(TimeSpan.FromSeconds(30));

        var error = await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.DeleteAsync(got.ReceiptHandle).AsTask());

        Assert.Contains("The receipt handle has expired", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_stale_handle_does_not_delete_a_message_received_again_since()
    {
        var queue = CreateFifo(Fifo with { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await SendAll(queue, "A1");
        var stale = await ReceiveOne(queue);
        Time.Advance(TimeSpan.FromSeconds(30));
        var current = await ReceiveOne(queue);

        // SQS either refuses the expired handle or accepts it without deleting; it never deletes the re-received message.
        try
        {
            await queue.DeleteAsync(stale.ReceiptHandle);
        }
        catch (BrokerException error) when (error.ErrorCode == BrokerErrorCodes.InvalidParameterValue)
        {
        }

        Assert.Equal((0, 1, 0), Counts(queue));
        await queue.DeleteAsync(current.ReceiptHandle);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Deleting_within_a_window_extended_by_change_visibility_succeeds()
    {
        var queue = CreateFifo(Fifo with { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await SendAll(queue, "A1");
        var got = await ReceiveOne(queue);
        Time.Advance(TimeSpan.FromSeconds(20));
        await queue.ChangeVisibilityAsync(got.ReceiptHandle, TimeSpan.FromSeconds(60));
        Time.Advance(TimeSpan.FromSeconds(30));

        await queue.DeleteAsync(got.ReceiptHandle);

        Assert.Equal((0, 0, 0), Counts(queue));
        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(await queue.ReceiveAsync(Take(10)));
    }

    // ---------------------------------------------------------------- System attributes

    [Fact]
    public async Task A_received_message_carries_its_group_explicit_deduplication_id_and_sequence_number()
    {
        var queue = CreateFifo();
        var sent = await queue.SendAsync(Msg("A1", "A", "d-1"));

        var got = Assert.Single(await queue.ReceiveAsync(WithSystemAttributes));

        Assert.Equal("A", got.Attributes[MessageSystemAttributeNames.MessageGroupId]);
        Assert.Equal("d-1", got.Attributes[MessageSystemAttributeNames.MessageDeduplicationId]);
        Assert.NotNull(sent.SequenceNumber);
        Assert.Equal(sent.SequenceNumber, got.Attributes[MessageSystemAttributeNames.SequenceNumber]);
    }

    [Fact]
    public async Task A_content_based_deduplication_id_is_the_SHA256_hex_of_the_body()
    {
        var queue = CreateFifo();
        const string body = "{\"order\":42}";
        await queue.SendAsync(Msg(body, "A"));

        var got = Assert.Single(await queue.ReceiveAsync(WithSystemAttributes));

        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        Assert.Equal(expected, got.Attributes[MessageSystemAttributeNames.MessageDeduplicationId]);
    }

    [Fact]
    public async Task An_explicit_id_equal_to_an_earlier_content_hash_is_a_duplicate()
    {
        var queue = CreateFifo();
        await queue.SendAsync(Msg("body", "A"));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("body")));

        await queue.SendAsync(Msg("other body", "A", hash));

        Assert.Equal((1, 0, 0), Counts(queue));
    }

    // ---------------------------------------------------------------- Dead-letter queues

    [Fact]
    public void A_FIFO_queue_with_a_standard_dead_letter_queue_is_refused_with_InvalidParameterValue()
    {
        Broker.CreateQueue("dlq");

        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue(Orders, Fifo with { RedrivePolicy = new RedrivePolicy("dlq", 1) }));

        Assert.False(Broker.TryGetQueue(Orders, out _));
    }

    [Fact]
    public void A_standard_queue_with_a_FIFO_dead_letter_queue_is_refused_with_InvalidParameterValue()
    {
        Broker.CreateQueue("dlq.fifo", Fifo);

        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue("jobs", new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq.fifo", 1) }));

        Assert.False(Broker.TryGetQueue("jobs", out _));
    }

    private (IMessageQueue Source, IMessageQueue DeadLetters) CreateFifoPair(TimeSpan? deadLetterRetention = null)
    {
        var dlq = Broker.CreateQueue("orders-dlq.fifo", new QueueOptions
        {
            FifoQueue = true,
            MessageRetentionPeriod = deadLetterRetention ?? TimeSpan.FromDays(4),
        });
        var source = Broker.CreateQueue(Orders, Fifo with
        {
            VisibilityTimeout = TimeSpan.Zero,
            RedrivePolicy = new RedrivePolicy("orders-dlq.fifo", 1),
        });
        return (source, dlq);
    }

    [Fact]
    public async Task The_second_receive_moves_the_message_into_the_FIFO_dead_letter_queue_keeping_its_id_and_group()
    {
        var (source, dlq) = CreateFifoPair();
        var sent = await source.SendAsync(Msg("poison", "A", "d-1"));

        Assert.Single(await source.ReceiveAsync(Take()));
        Assert.Empty(await source.ReceiveAsync(Take()));

        Assert.Equal((0, 0, 0), Counts(source));
        Assert.Equal((1, 0, 0), Counts(dlq));
        var moved = Assert.Single(await dlq.ReceiveAsync(WithSystemAttributes));
        Assert.Equal(sent.MessageId, moved.MessageId);
        Assert.Equal("poison", moved.GetBodyAsString());
        Assert.Equal("A", moved.Attributes[MessageSystemAttributeNames.MessageGroupId]);
        Assert.Equal(source.Arn, moved.Attributes[MessageSystemAttributeNames.DeadLetterQueueSourceArn]);
    }

    [Fact]
    public async Task In_a_FIFO_dead_letter_queue_the_deduplication_id_becomes_the_message_id()
    {
        var (source, dlq) = CreateFifoPair();
        var sent = await source.SendAsync(Msg("poison", "A", "d-1"));
        await ReceiveOne(source);
        Assert.Empty(await source.ReceiveAsync(Take()));

        var moved = Assert.Single(await dlq.ReceiveAsync(WithSystemAttributes));

        Assert.Equal(sent.MessageId, moved.Attributes[MessageSystemAttributeNames.MessageDeduplicationId]);
    }

    [Fact]
    public async Task Retention_in_a_FIFO_dead_letter_queue_restarts_at_the_move()
    {
        var (source, dlq) = CreateFifoPair(deadLetterRetention: TimeSpan.FromSeconds(60));
        await SendAll(source, "A1");
        await ReceiveOne(source);
        Time.Advance(TimeSpan.FromSeconds(50));
        Assert.Empty(await source.ReceiveAsync(Take()));
        Assert.Equal((1, 0, 0), Counts(dlq));

        Time.Advance(TimeSpan.FromSeconds(60) - Tick);
        Assert.Equal((1, 0, 0), Counts(dlq));
        Time.Advance(Tick);
        Assert.Equal((0, 0, 0), Counts(dlq));
    }

    // ---------------------------------------------------------------- ReceiveRequestAttemptId

    private static ReceiveRequest Attempt(string attemptId) =>
        new() { MaxNumberOfMessages = 1, WaitTime = TimeSpan.Zero, ReceiveRequestAttemptId = attemptId };

    [Fact]
    public async Task A_retry_with_the_same_attempt_id_returns_the_same_messages_and_receipt_handles()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "A2", "B1");

        var first = Assert.Single(await queue.ReceiveAsync(Attempt("attempt-1")));
        var retry = Assert.Single(await queue.ReceiveAsync(Attempt("attempt-1")));

        Assert.Equal(first.MessageId, retry.MessageId);
        Assert.Equal(first.ReceiptHandle, retry.ReceiptHandle);
        Assert.Equal((2, 1, 0), Counts(queue));
    }

    [Fact]
    public async Task A_retry_after_a_visibility_change_is_a_new_receive()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "A2");
        var first = Assert.Single(await queue.ReceiveAsync(Attempt("attempt-1")));
        Assert.Equal(first.ReceiptHandle, Assert.Single(await queue.ReceiveAsync(Attempt("attempt-1"))).ReceiptHandle); // a retry
        Assert.Equal(first.ReceiptHandle, Assert.Single(await queue.ReceiveAsync(Attempt("attempt-1"))).ReceiptHandle); // and another

        await queue.ChangeVisibilityAsync(first, TimeSpan.FromSeconds(100));

        Assert.Empty(await queue.ReceiveAsync(Attempt("attempt-1"))); // a new receive: group A is locked by A1 in flight
    }

    [Fact]
    public async Task A_different_attempt_id_returns_new_messages_or_nothing_when_the_groups_are_locked()
    {
        var queue = CreateFifo();
        await SendAll(queue, "A1", "B1");

        var first = Assert.Single(await queue.ReceiveAsync(Attempt("attempt-1")));
        var second = Assert.Single(await queue.ReceiveAsync(Attempt("attempt-2")));
        var third = await queue.ReceiveAsync(Attempt("attempt-3"));

        Assert.NotEqual(first.MessageId, second.MessageId);
        Assert.NotEqual(first.GetBodyAsString()[..1], second.GetBodyAsString()[..1]);
        Assert.Empty(third);
        Assert.Equal((0, 2, 0), Counts(queue));
    }
    [Fact]
    public async Task A_queue_delay_change_applies_to_messages_still_inside_their_delay()
    {
        var queue = Broker.CreateQueue("slow.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true, Delay = TimeSpan.FromSeconds(60) });
        await queue.SendAsync(new SendMessageRequest("late") { MessageGroupId = "g" });
        Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal((0, 0, 1), Counts(queue));

        queue.SetAttributes(queue.GetAttributes().Options with { Delay = TimeSpan.FromSeconds(20) });

        Time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.Equal((0, 0, 1), Counts(queue));
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal((1, 0, 0), Counts(queue));
        Assert.Equal("late", (await ReceiveOne(queue)).GetBodyAsString());
    }

    [Fact]
    public async Task A_queue_delay_cut_to_zero_releases_delayed_messages_in_group_order()
    {
        var queue = Broker.CreateQueue("slow.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true, Delay = TimeSpan.FromSeconds(60) });
        await queue.SendAsync(new SendMessageRequest("first") { MessageGroupId = "g" });
        await queue.SendAsync(new SendMessageRequest("second") { MessageGroupId = "g" });

        queue.SetAttributes(queue.GetAttributes().Options with { Delay = TimeSpan.Zero });

        var got = await queue.ReceiveAsync(Take(10));
        Assert.Equal(["first", "second"], got.Select(m => m.GetBodyAsString()));
    }
    [Fact]
    public async Task A_receive_with_an_attempt_id_long_polls_like_any_other()
    {
        var queue = Broker.CreateQueue("poll.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        var pending = queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.FromSeconds(20), ReceiveRequestAttemptId = "attempt-1" }).AsTask();
        Assert.False(pending.IsCompleted);

        await queue.SendAsync(new SendMessageRequest("m") { MessageGroupId = "g" });

        var got = Assert.Single(await pending.WaitAsync(TimeSpan.FromSeconds(60)));
        var retried = await queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.Zero, ReceiveRequestAttemptId = "attempt-1" });
        Assert.Equal(got.ReceiptHandle, Assert.Single(retried).ReceiptHandle);
    }
    [Fact]
    public async Task A_full_fifo_queue_makes_senders_wait_for_room_and_keeps_their_order()
    {
        var queue = Broker.CreateQueue("capped.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true, MaximumDepth = 1 });
        await queue.SendAsync(new SendMessageRequest("first") { MessageGroupId = "g" });

        var waiting = queue.SendAsync(new SendMessageRequest("second") { MessageGroupId = "g" }).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal((1, 0, 0), Counts(queue));

        await queue.DeleteAsync(await ReceiveOne(queue));
        await waiting.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal("second", (await ReceiveOne(queue)).GetBodyAsString());
    }

    [Fact]
    public async Task A_full_fifo_queue_in_fail_mode_refuses_with_OverLimit()
    {
        var queue = Broker.CreateQueue("capped.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true, MaximumDepth = 1, FullMode = QueueFullMode.Fail });
        await queue.SendAsync(new SendMessageRequest("first") { MessageGroupId = "g" });

        await ThrowsBroker(BrokerErrorCodes.OverLimit, () => queue.SendAsync(new SendMessageRequest("second") { MessageGroupId = "g" }).AsTask());
        Assert.Equal((1, 0, 0), Counts(queue));
    }
}
