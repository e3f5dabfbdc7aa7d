using System.Numerics;
using System.Text.Json;
using Broker.Queues;
using Broker.Topics;
using Microsoft.Extensions.Time.Testing;
using static Broker.PropertyTests.Models.Model;

namespace Broker.PropertyTests.Models;

/// <summary>
/// The reference for a FIFO topic fanning out to FIFO queues (the last one filtered to red messages): the topic's
/// 5-minute deduplication window, the sequence numbers it hands out, and per queue the deliveries not yet drained, in
/// publish order. Each queue's count is compared after every step; a drain compares contents group by group, in order.
/// </summary>
internal sealed class FifoTopicModel : IDisposable
{
    public const int Queues = 3;
    private static readonly TimeSpan DeduplicationWindow = TimeSpan.FromMinutes(5);

    private readonly FakeTimeProvider time = new();
    private readonly MessageBroker broker;
    private readonly ITopic topic;
    private readonly IMessageQueue[] queues;
    private readonly bool[] raw;
    private readonly List<Delivery>[] pending;
    private readonly Dictionary<int, (DateTimeOffset Until, string MessageId, string? Sequence)> deduplication = [];
    private readonly HashSet<string> messageIds = new(StringComparer.Ordinal);
    private BigInteger lastSequence = BigInteger.MinusOne;
    private int published;
    private int step;

    public FifoTopicModel(bool[] raw)
    {
        this.raw = raw;
        broker = new MessageBroker(new BrokerOptions(), time);
        topic = broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true });
        queues = [.. Enumerable.Range(0, Queues).Select(i => broker.CreateQueue($"fq{i}.fifo", new QueueOptions { FifoQueue = true }))];
        for (var i = 0; i < Queues; i++)
        {
            topic.Subscribe(queues[i], new SubscriptionOptions { RawMessageDelivery = raw[i], FilterPolicy = i == Queues - 1 ? """{"color":["red"]}""" : null });
        }

        pending = [.. queues.Select(_ => new List<Delivery>())];
    }

    private DateTimeOffset Now => time.GetUtcNow();

    public void Run(IReadOnlyList<FifoTopicOp> ops)
    {
        foreach (var op in ops)
        {
            step++;
            Step(op);
            for (var queue = 0; queue < Queues; queue++)
            {
                var attributes = queues[queue].GetAttributes();
                Expect(
                    attributes.ApproximateNumberOfMessages == pending[queue].Count && attributes.ApproximateNumberOfMessagesNotVisible == 0,
                    $"step {step}, after {op}: fq{queue} holds {attributes.ApproximateNumberOfMessages}, the model {pending[queue].Count}");
            }
        }

        for (var queue = 0; queue < Queues; queue++)
        {
            DoDrain(queue, "the end");
        }
    }

    public void Dispose() => broker.Dispose();

    private void Step(FifoTopicOp op)
    {
        switch (op)
        {
            case FifoPub pub:
                var text = $"p{published++}";
                var result = Sync(topic.PublishAsync(new PublishRequest(text) { MessageGroupId = $"g{pub.Group}", MessageDeduplicationId = $"d{pub.DeduplicationId}", MessageAttributes = Attributes(pub) }));
                Published(pub, text, result.MessageId, result.SequenceNumber);
                break;
            case FifoPubBatch batch:
                var texts = batch.Entries.Select(_ => $"p{published++}").ToList();
                var answer = Sync(topic.PublishBatchAsync([.. batch.Entries.Select((e, i) => new PublishBatchEntry($"e{i}", texts[i])
                {
                    MessageGroupId = $"g{e.Group}",
                    MessageDeduplicationId = $"d{e.DeduplicationId}",
                    MessageAttributes = Attributes(e),
                })]));
                Expect(answer.Failed.Count == 0 && answer.Successful.Count == texts.Count, $"step {step}: every entry of the batch is published");
                for (var i = 0; i < texts.Count; i++)
                {
                    var entry = answer.Successful.Single(s => s.Id == $"e{i}");
                    Published(batch.Entries[i], texts[i], entry.MessageId, entry.SequenceNumber);
                }

                break;
            case Drain drain:
                DoDrain(drain.Queue, drain.ToString());
                break;
            case FifoWait wait:
                time.Advance(TimeSpan.FromSeconds(wait.Seconds));
                break;
        }
    }

    private static Dictionary<string, MessageAttributeValue>? Attributes(FifoPub pub) =>
        pub.Red ? new() { ["color"] = MessageAttributeValue.FromString("red") } : null;

    private void Published(FifoPub pub, string text, string messageId, string? sequence)
    {
        var what = $"step {step}: {pub} as {text}";
        if (deduplication.TryGetValue(pub.DeduplicationId, out var first) && first.Until > Now)
        {
            // A duplicate within 5 minutes is accepted, answered as the first was, and delivered nowhere.
            Expect(messageId == first.MessageId && sequence == first.Sequence, $"{what}: a duplicate answers with the first publish's id and sequence number");
            return;
        }

        Expect(messageIds.Add(messageId), $"{what}: a new message id");
        var number = BigInteger.Parse(sequence ?? "-1", System.Globalization.CultureInfo.InvariantCulture);
        Expect(number > lastSequence, $"{what}: sequence number {sequence} is above the last, {lastSequence}");
        lastSequence = number;
        deduplication[pub.DeduplicationId] = (Now + DeduplicationWindow, messageId, sequence);
        for (var queue = 0; queue < Queues; queue++)
        {
            if (queue < Queues - 1 || pub.Red)
            {
                pending[queue].Add(new Delivery(pub.Group, text, messageId, sequence!));
            }
        }
    }

    /// <summary>Receives and deletes until the queue is empty; each group's deliveries must come in publish order.</summary>
    private void DoDrain(int queue, string after)
    {
        var drained = new List<ReceivedMessage>();
        while (Sync(queues[queue].ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.Zero, MessageSystemAttributeNames = ["All"] })) is { Count: > 0 } got)
        {
            drained.AddRange(got);
            foreach (var received in got)
            {
                Sync(queues[queue].DeleteAsync(received));
            }
        }

        var what = $"step {step}, {after}: fq{queue} ({(raw[queue] ? "raw" : "envelope")})";
        Expect(drained.Count == pending[queue].Count, $"{what}: {drained.Count} came out, the model has {pending[queue].Count}");
        foreach (var group in pending[queue].GroupBy(d => d.Group))
        {
            var want = group.ToList();
            var got = drained.Where(r => r.Attributes.GetValueOrDefault("MessageGroupId") == $"g{group.Key}").ToList();
            Expect(got.Count == want.Count, $"{what}: g{group.Key} has {got.Count} messages, the model {want.Count}");
            for (var i = 0; i < want.Count; i++)
            {
                var actual = Describe(got[i], raw[queue]);
                Expect(actual == want[i], $"{what}: message {i} of g{group.Key} is {actual}, the model says {want[i]} (order: {string.Join(", ", want.Select(w => w.Text))})");
            }
        }

        pending[queue].Clear();
    }

    /// <summary>A received message as the model writes a delivery: raw delivery has only the body to show.</summary>
    private Delivery Describe(ReceivedMessage received, bool rawDelivery)
    {
        var group = int.Parse(received.Attributes["MessageGroupId"].AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
        if (rawDelivery)
        {
            var text = received.GetBodyAsString();
            var known = pending.SelectMany(p => p).FirstOrDefault(d => d.Text == text);
            return new Delivery(group, text, known?.MessageId ?? "?", known?.Sequence ?? "?");
        }

        using var envelope = JsonDocument.Parse(received.Body);
        var root = envelope.RootElement;
        Expect(root.GetProperty("TopicArn").GetString() == topic.Arn && root.GetProperty("Type").GetString() == "Notification", $"step {step}: an SNS notification from {topic.Arn}");
        return new Delivery(group, root.GetProperty("Message").GetString()!, root.GetProperty("MessageId").GetString()!, root.GetProperty("SequenceNumber").GetString()!);
    }

    private sealed record Delivery(int Group, string Text, string MessageId, string Sequence)
    {
        public override string ToString() => $"{Text} (g{Group}, #{Sequence})";
    }
}
