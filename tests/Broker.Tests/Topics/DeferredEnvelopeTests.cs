using System.Runtime.InteropServices;
using System.Text.Json;
using Broker.Queues;
using Broker.Queues.Internal;
using Broker.Topics;

namespace Broker.Tests.Topics;

/// <summary>
/// An enveloped delivery to a standard queue is written when its body is first read, not at the publish: the queue holds
/// the publish's few fields until then. What a consumer reads is the same envelope either way.
/// </summary>
public sealed class DeferredEnvelopeTests : TopicFixture
{
    private static readonly ReceiveRequest One = new() { WaitTime = TimeSpan.Zero };

    [Fact]
    public async Task An_enveloped_message_is_written_when_its_body_is_first_read_at_the_length_it_announced()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        topic.Subscribe(queue);
        var published = await topic.PublishAsync(new PublishRequest("{\"order\":42}") { Subject = "placed" });

        var received = Assert.Single(await queue.ReceiveAsync(One));
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(received.Body, out var body), "the queue holds an envelope not written yet");
        Assert.False(body.IsWritten);
        var announced = received.Body.Length;

        var envelope = Envelope(received);

        Assert.True(body.IsWritten);
        Assert.Equal(announced, received.Body.ToArray().Length);
        Assert.Equal(published.MessageId, envelope.GetProperty("MessageId").GetString());
        Assert.Equal("{\"order\":42}", envelope.GetProperty("Message").GetString());
        Assert.Equal("placed", envelope.GetProperty("Subject").GetString());
    }

    [Fact]
    public async Task An_envelope_written_when_first_read_is_the_one_another_queue_got_written_at_the_send()
    {
        var topic = Broker.CreateTopic("orders");
        var deferred = Broker.CreateQueue("deferred");
        // A send that may wait: written at once. (The same writer; that it writes what a JSON writer writes is the
        // property test's to show.)
        var capped = Broker.CreateQueue("capped", new QueueOptions { MaximumDepth = 100 });
        var deferredArn = topic.Subscribe(deferred).Arn;
        var cappedArn = topic.Subscribe(capped).Arn;

        await topic.PublishAsync(new PublishRequest("{\"note\":\"quotes \\\" back\\\\slash \U0001F600 é\", \"total\":9.5}")
        {
            Subject = "Order placed",
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["store"] = MessageAttributeValue.FromString("caf\u00e9 \"corner\""),
                ["price"] = MessageAttributeValue.FromNumber("99.12"),
                ["blob"] = MessageAttributeValue.FromBinary([0, 1, 2, 250, 255]),
                ["colours"] = MessageAttributeValue.FromString("[\"red\",\"green\"]", "String.Array"),
            },
        });

        var late = Assert.Single(await deferred.ReceiveAsync(One));
        var early = Assert.Single(await capped.ReceiveAsync(One));
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(late.Body, out _));
        Assert.False(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(early.Body, out _));
        Assert.Equal(early.GetBodyAsString().Replace(cappedArn, deferredArn, StringComparison.Ordinal), late.GetBodyAsString());
    }

    [Fact]
    public async Task A_fifo_topics_deferred_envelope_to_a_standard_queue_has_its_sequence_number_and_no_signature()
    {
        var topic = Broker.CreateTopic("orders.fifo", new TopicOptions { FifoTopic = true });
        var queue = Broker.CreateQueue("audit");
        topic.Subscribe(queue);

        var published = await topic.PublishAsync(new PublishRequest("placed") { MessageGroupId = "g", MessageDeduplicationId = "d" });

        var received = Assert.Single(await queue.ReceiveAsync(One));
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(received.Body, out _));
        var envelope = Envelope(received);
        Assert.Equal(published.SequenceNumber, envelope.GetProperty("SequenceNumber").GetString());
        Assert.False(envelope.TryGetProperty("Signature", out _));
        Assert.Equal("placed", envelope.GetProperty("Message").GetString());
    }

    [Fact]
    public async Task A_json_structure_without_an_sqs_body_defers_the_default_one()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        topic.Subscribe(queue);

        await topic.PublishAsync(new PublishRequest("{\"default\":\"for everyone\",\"lambda\":\"for handlers\"}") { MessageStructure = "json" });

        var received = Assert.Single(await queue.ReceiveAsync(One));
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(received.Body, out _));
        Assert.Equal("for everyone", Envelope(received).GetProperty("Message").GetString());
    }

    [Fact]
    public async Task A_move_task_redrives_an_unread_envelope_unwritten_and_whole()
    {
        var (topic, queue, dlq) = EnvelopedQueueWithDeadLetters();
        await topic.PublishAsync(new PublishRequest("{\"order\":8}"));
        Assert.Single(await queue.ReceiveAsync(One));
        Assert.Empty(await queue.ReceiveAsync(One)); // moved to the dead-letter queue

        Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = dlq.Arn });

        var back = Assert.Single(await queue.ReceiveAsync(One));
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(back.Body, out var body));
        Assert.False(body.IsWritten);
        Assert.Equal("{\"order\":8}", Envelope(back).GetProperty("Message").GetString());
    }

    [Fact]
    public async Task A_read_envelope_moved_to_a_dead_letter_queue_goes_as_its_bytes_alone()
    {
        var (topic, queue, dlq) = EnvelopedQueueWithDeadLetters();
        await topic.PublishAsync(new PublishRequest("{\"order\":9}") { Subject = "placed" });
        var read = Assert.Single(await queue.ReceiveAsync(One));
        var envelope = read.Body.ToArray(); // written now, in the publish's source
        Assert.Empty(await queue.ReceiveAsync(One)); // moved to the dead-letter queue

        // Not the source, which would keep the publish's body, subject and names beside the bytes for the retention.
        var dead = Assert.Single(await dlq.ReceiveAsync(One));
        Assert.False(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(dead.Body, out _));
        Assert.True(MemoryMarshal.TryGetArray(dead.Body, out var bytes));
        Assert.Equal(envelope, bytes.ToArray());
    }

    [Fact]
    public async Task Each_queue_subscription_gets_its_own_unsubscribe_url_from_the_one_publish()
    {
        var topic = Broker.CreateTopic("orders");
        var first = Broker.CreateQueue("first");
        var second = Broker.CreateQueue("second");
        var firstArn = topic.Subscribe(first).Arn;
        var secondArn = topic.Subscribe(second).Arn;

        await topic.PublishAsync(new PublishRequest("hello"));

        var one = Envelope(Assert.Single(await first.ReceiveAsync(One)));
        var other = Envelope(Assert.Single(await second.ReceiveAsync(One)));
        Assert.EndsWith(firstArn, one.GetProperty("UnsubscribeURL").GetString(), StringComparison.Ordinal);
        Assert.EndsWith(secondArn, other.GetProperty("UnsubscribeURL").GetString(), StringComparison.Ordinal);
        Assert.Equal(one.GetProperty("MessageId").GetString(), other.GetProperty("MessageId").GetString());
    }

    [Fact]
    public async Task Consumers_reading_an_unwritten_envelope_at_the_same_moment_read_the_same_bytes()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        topic.Subscribe(queue);
        for (var round = 0; round < 200; round++)
        {
            await topic.PublishAsync(new PublishRequest($"{{\"order\":{round},\"note\":\"\\\"quoted\\\"\"}}"));
            var received = Assert.Single(await queue.ReceiveAsync(One));
            Assert.True(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(received.Body, out var body));
            Assert.False(body.IsWritten);

            using var start = new Barrier(2);
            var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait(Bound);
                return received.Body.ToArray();
            })).ToArray();
            var bytes = await Task.WhenAll(readers).WaitAsync(Bound);

            Assert.Equal(bytes[0], bytes[1]);
            Assert.Equal(bytes[0], received.Body.ToArray());
            Assert.Equal($"{{\"order\":{round},\"note\":\"\\\"quoted\\\"\"}}", Envelope(received).GetProperty("Message").GetString());
            await queue.DeleteAsync(received);
        }
    }

    [Fact]
    public async Task A_dead_letter_move_keeps_an_unread_envelope_unwritten_and_whole()
    {
        var dlq = Broker.CreateQueue("inbox-dlq");
        var queue = Broker.CreateQueue("inbox", new QueueOptions { RedrivePolicy = new RedrivePolicy(dlq.Arn, 1), VisibilityTimeout = TimeSpan.FromSeconds(30) });
        var topic = Broker.CreateTopic("orders");
        topic.Subscribe(queue);
        await topic.PublishAsync(new PublishRequest("{\"order\":7}"));

        Assert.Single(await queue.ReceiveAsync(One));
        Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Empty(await queue.ReceiveAsync(One)); // the second receive moves it

        var moved = Assert.Single(await dlq.ReceiveAsync(One));
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(moved.Body, out var body));
        Assert.False(body.IsWritten);
        Assert.Equal("{\"order\":7}", Envelope(moved).GetProperty("Message").GetString());
    }

    [Fact]
    public async Task An_unwritten_envelope_serves_array_and_pinned_readers()
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        topic.Subscribe(queue);
        await topic.PublishAsync(new PublishRequest("hello"));
        var received = Assert.Single(await queue.ReceiveAsync(One));
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(received.Body, out var body));
        Assert.False(body.IsWritten);

        using (received.Body.Pin())
        {
            Assert.True(body.IsWritten); // pinning writes it: a pointer needs the bytes
        }

        Assert.True(MemoryMarshal.TryGetArray(received.Body, out var segment));
        Assert.Equal(received.Body.Length, segment.Count);
        Assert.Equal(received.Body.ToArray(), segment.ToArray());
        Assert.Equal("hello", Envelope(received).GetProperty("Message").GetString());
    }

    [Theory]
    [InlineData("tilde ~ and delete \u007F", true)]
    [InlineData("caf\u00E9", true)]
    [InlineData("bell \u0007 rings", false)]
    [InlineData("noncharacter \uFFFF", false)]
    public async Task A_publish_gets_its_envelope_written_when_first_read_unless_it_has_characters_a_queue_refuses_in_a_body(string text, bool deferred)
    {
        var topic = Broker.CreateTopic("orders");
        var queue = Broker.CreateQueue("inbox");
        topic.Subscribe(queue);

        await topic.PublishAsync(new PublishRequest(text));

        // Refused characters: written and checked as it was sent, as every envelope was (the JSON escapes the character,
        // so the queue takes it).
        var received = Assert.Single(await queue.ReceiveAsync(One));
        Assert.Equal(deferred, MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(received.Body, out _));
        Assert.Equal(text, Envelope(received).GetProperty("Message").GetString());
    }

    [Fact]
    public async Task A_publish_to_an_enveloped_queue_allocates_no_envelope()
    {
        var text = new string('x', 4_000);
        var enveloped = Broker.CreateTopic("enveloped");
        var raw = Broker.CreateTopic("raw");
        enveloped.Subscribe(Broker.CreateQueue("a"));
        raw.Subscribe(Broker.CreateQueue("b"), new SubscriptionOptions { RawMessageDelivery = true });
        var request = new PublishRequest(text);
        await enveloped.PublishAsync(request); // warm both paths
        await raw.PublishAsync(request);

        var before = GC.GetAllocatedBytesForCurrentThread();
        await raw.PublishAsync(request);
        var rawBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        await enveloped.PublishAsync(request);
        var envelopedBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        // An envelope would be 4,000 bytes and more; the deferred one is one small object.
        Assert.True(envelopedBytes - rawBytes < 400, $"an enveloped publish allocated {envelopedBytes} bytes, a raw one {rawBytes}");
    }

    [Fact]
    public async Task A_publishs_first_queue_envelope_holds_what_its_others_are_written_from()
    {
        var topic = Broker.CreateTopic("orders");
        var first = Broker.CreateQueue("first");
        var second = Broker.CreateQueue("second");
        var arns = new[] { topic.Subscribe(first).Arn, topic.Subscribe(second).Arn };
        await topic.PublishAsync(new PublishRequest("{\"order\":42}")
        {
            Subject = "placed",
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["store"] = MessageAttributeValue.FromString("north"),
                ["price"] = MessageAttributeValue.FromNumber("9.5"),
            },
        });
        var received = new[] { Assert.Single(await first.ReceiveAsync(One)), Assert.Single(await second.ReceiveAsync(One)) };

        // One delivery's body is the publish's source, the other's a small body that refers to it (one object a message,
        // not two): whichever the topic delivered first.
        var isSource = received.Select(static m => MemoryMarshal.TryGetMemoryManager<byte, Broker.Topics.Internal.EnvelopeSource>(m.Body, out _)).ToArray();
        Assert.Equal(1, isSource.Count(static s => s));
        var other = Array.IndexOf(isSource, false);
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, Broker.Topics.Internal.EnvelopeBody>(received[other].Body, out _));

        // The other is written first, from the source's data, and leaves the source unwritten; then the source's own.
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(received[1 - other].Body, out var source));
        var envelopes = new JsonElement[2];
        envelopes[other] = Envelope(received[other]);
        Assert.False(source.IsWritten);
        envelopes[1 - other] = Envelope(received[1 - other]);
        Assert.True(source.IsWritten);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(received[i].Body.Length, received[i].Body.ToArray().Length);
            Assert.Equal("{\"order\":42}", envelopes[i].GetProperty("Message").GetString());
            Assert.Equal("placed", envelopes[i].GetProperty("Subject").GetString());
            Assert.Equal(["price", "store"], Keys(envelopes[i].GetProperty("MessageAttributes")));
            Assert.Equal("north", envelopes[i].GetProperty("MessageAttributes").GetProperty("store").GetProperty("Value").GetString());
            Assert.EndsWith(arns[i], envelopes[i].GetProperty("UnsubscribeURL").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(envelopes[0].GetProperty("MessageId").GetString(), envelopes[1].GetProperty("MessageId").GetString());
        Assert.Equal(envelopes[0].GetProperty("Timestamp").GetString(), envelopes[1].GetProperty("Timestamp").GetString());
    }

    /// <summary>A topic with one enveloped queue that dead-letters a message at its second receive (no visibility timeout).</summary>
    private (ITopic Topic, IMessageQueue Queue, IMessageQueue DeadLetters) EnvelopedQueueWithDeadLetters()
    {
        var dlq = Broker.CreateQueue("inbox-dlq");
        var queue = Broker.CreateQueue("inbox", new QueueOptions { RedrivePolicy = new RedrivePolicy(dlq.Arn, 1), VisibilityTimeout = TimeSpan.Zero });
        var topic = Broker.CreateTopic("orders");
        topic.Subscribe(queue);
        return (topic, queue, dlq);
    }
}
