using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Tests.Queues;

/// <summary>The issue's memory bar: at most 100 bytes of managed memory per queued message beyond its body.</summary>
[Collection(nameof(MeasuresTheWholeHeap))]
public sealed class MemoryFootprintTests : QueueFixture
{
    [Fact]
    public async Task A_million_queued_messages_cost_at_most_100_bytes_each_beyond_their_bodies()
    {
        const int Count = 1_000_000;
        const int BodyLength = 16;
        var queue = Broker.CreateQueue("deep");
        ReadOnlyMemory<byte> body = new byte[BodyLength];
        body.Span.ToArray().AsSpan().Fill((byte)'x');
        var request = new SendMessageRequest(Enumerable.Repeat((byte)'x', BodyLength).ToArray());

        // Warm the send path so that one-time allocations do not count.
        await queue.SendAsync(request);
        await queue.PurgeAsync();
        var before = GC.GetTotalMemory(forceFullCollection: true);

        for (var i = 0; i < Count; i++)
        {
            // The request's memory is the caller's, so the queue copies it (small bodies into pages shared by the messages sent together).
            await queue.SendAsync(request);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var beyondBody = ((after - before) / (double)Count) - BodyLength;
        Assert.Equal(Count, queue.GetAttributes().ApproximateNumberOfMessages);
        Assert.True(beyondBody <= 100, $"{beyondBody:F1} bytes per queued message beyond its {BodyLength}-byte body");
        GC.KeepAlive(queue);
    }

    [Fact]
    public async Task A_queued_standard_message_with_an_attribute_keeps_no_fifo_or_dead_letter_fields()
    {
        // The extras of a standard message with one attribute hold it and its size (56 bytes); the deduplication,
        // sequence and dead-letter fields (72 bytes more) belong to FIFO and dead-lettered messages only.
        const int Count = 200_000;
        const int BodyLength = 16;
        var queue = Broker.CreateQueue("attributed");
        var request = new SendMessageRequest(Enumerable.Repeat((byte)'x', BodyLength).ToArray())
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["tenant"] = MessageAttributeValue.FromString("acme") },
        };
        await queue.SendAsync(request);
        await queue.PurgeAsync();
        var before = GC.GetTotalMemory(forceFullCollection: true);

        for (var i = 0; i < Count; i++)
        {
            await queue.SendAsync(request);
        }

        var beyondBody = ((GC.GetTotalMemory(forceFullCollection: true) - before) / (double)Count) - BodyLength;

        // The message 64, its extras holding the one attribute 56, its queue slot 8: 128, and some slack for partly
        // filled pages and segments. With the attribute in an array of its own (extras 40, array 40) it was 152; with
        // every field on every extras object, 224.
        Assert.Equal(Count, queue.GetAttributes().ApproximateNumberOfMessages);
        Assert.True(beyondBody <= 145, $"{beyondBody:F1} bytes per queued message beyond its {BodyLength}-byte body");
        GC.KeepAlive(queue);
    }

    [Fact]
    public async Task A_queued_fifo_message_is_its_message_and_its_extras_and_no_node_of_its_own()
    {
        // A FIFO message waiting in its group: the message, its extras of 88 bytes (which are also its node in the group's
        // stack), and its share of a body page, 152 bytes beyond the body. With a stack node of its own (40 bytes) it
        // measured 176.
        const int Count = 100_000;
        const int BodyLength = 16;
        var queue = Broker.CreateQueue("footprint.fifo", new QueueOptions { FifoQueue = true });
        var groupIds = Enumerable.Range(0, 100).Select(g => $"group-{g}").ToArray();
        var requests = Enumerable.Range(0, Count)
            .Select(i => new SendMessageRequest(Enumerable.Repeat((byte)'x', BodyLength).ToArray()) { MessageGroupId = groupIds[i % groupIds.Length], MessageDeduplicationId = $"id-{i}" })
            .ToArray();

        // The same number sent and purged first: the deduplication table and the slot table keep their size (a purge
        // clears them), so what follows measures the messages alone.
        foreach (var request in requests)
        {
            await queue.SendAsync(request);
        }

        await queue.PurgeAsync();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var request in requests)
        {
            await queue.SendAsync(request);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var beyondBody = ((after - before) / (double)Count) - BodyLength;
        Assert.Equal(Count, queue.GetAttributes().ApproximateNumberOfMessages);
        Assert.True(beyondBody <= 160, $"{beyondBody:F1} bytes per queued FIFO message beyond its {BodyLength}-byte body");
        GC.KeepAlive(requests);
    }

    [Fact]
    public void A_sent_fifo_messages_extras_hold_its_deduplication_and_sequence_fields_but_no_dead_letter_ones()
    {
        // A FIFO queue's backlog is made of these, and each collection the backlog survives copies them: 88 bytes, the
        // links of the group's stack included (with the dead-letter fields, which only a dead-lettered or recovered
        // message needs, it would be 128).
        KeyValuePair<string, MessageAttributeValue>[] none = [];
        MessageExtras.Create(none, 0, "group", "dedup");
        var before = GC.GetAllocatedBytesForCurrentThread();
        var extras = MessageExtras.Create(none, 0, "group", "dedup");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        extras.SequenceNumber = 7;
        extras.DeduplicationKey = "key";
        extras.DeduplicationExpiresAt = 9;
        Assert.True(allocated <= 88, $"{allocated} bytes for a FIFO message's extras");
        Assert.Equal(("group", "dedup", 7L, "key", 9L), (extras.MessageGroupId, extras.DeduplicationId, extras.SequenceNumber, extras.DeduplicationKey, extras.DeduplicationExpiresAt));
        Assert.Equal((null, null, 0L, 0L, 0), (extras.OriginalMessageId, extras.DeadLetterSourceArn, extras.FirstReceiveAt, extras.DeadLetteredAt, extras.DeadLetteredReceiveCount));
    }

    [Theory]
    [InlineData(false, 8 * 1024)]
    [InlineData(true, 12 * 1024)]
    public void An_idle_queue_costs_a_few_kilobytes_beyond_its_per_core_counters(bool fifo, int budget)
    {
        // A broker may hold thousands of queues (one per customer behind a topic): an idle one used to cost 34 KB, most
        // of it FIFO machinery on standard queues and 8 KiB queue segments.
        const int Count = 2_000;
        var queues = new IMessageQueue[Count];
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < Count; i++)
        {
            queues[i] = Broker.CreateQueue(fifo ? $"idle-{i}.fifo" : $"idle-{i}", new QueueOptions { FifoQueue = fifo });
        }

        var each = (GC.GetTotalMemory(forceFullCollection: true) - before) / Count;

        // Three striped counters (visible, in flight, delayed), each one padded 128-byte cell per stripe, two stripes per core.
        var stripes = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, Environment.ProcessorCount * 2));
        var counters = 3 * (stripes + 1) * 128;
        Assert.True(each - counters <= budget, $"{each:N0} bytes per idle {(fifo ? "FIFO" : "standard")} queue, {counters:N0} of them per-core counters");
        GC.KeepAlive(queues);
    }

    [Fact]
    public async Task A_deleted_fifo_message_leaves_only_numbers_in_its_deduplication_record()
    {
        // The record lives 5 minutes after the message is gone; what it keeps must not include the message's attributes.
        const int Count = 40;
        const int AttributeLength = 100_000;
        var queue = Broker.CreateQueue("deep.fifo", new QueueOptions { FifoQueue = true });
        await queue.SendAsync(Sent(-1)); // warm up, and grow the table once
        await queue.DeleteAsync(Assert.Single(await queue.ReceiveAsync(new ReceiveRequest())));
        var before = GC.GetTotalMemory(forceFullCollection: true);

        for (var i = 0; i < Count; i++)
        {
            await queue.SendAsync(Sent(i));
            await queue.DeleteAsync(Assert.Single(await queue.ReceiveAsync(new ReceiveRequest())));
        }

        var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(retained < Count * AttributeLength / 10, $"{retained:N0} bytes retained by {Count} deleted messages with {AttributeLength:N0}-byte attributes");
        GC.KeepAlive(queue);

        static SendMessageRequest Sent(int i) => new($"m{i}")
        {
            MessageGroupId = "g",
            MessageDeduplicationId = $"d{i}",
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["blob"] = MessageAttributeValue.FromBinary(new byte[AttributeLength]) },
        };
    }
}

/// <summary>Runs alone: the measurement reads the whole process's heap, which parallel tests would disturb.</summary>
[CollectionDefinition(nameof(MeasuresTheWholeHeap), DisableParallelization = true)]
public sealed class MeasuresTheWholeHeap
{
}
