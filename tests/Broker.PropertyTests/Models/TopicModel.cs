using System.Text.Json;
using Broker.Queues;
using Broker.Topics;
using Microsoft.Extensions.Time.Testing;
using static Broker.PropertyTests.Models.Model;

namespace Broker.PropertyTests.Models;

/// <summary>
/// The reference for a standard topic fanning out to <see cref="TopicModelProperties.Queues"/> queues: which queue is
/// subscribed with which policy and delivery format, and what each publish must have put in each queue. After every step
/// each queue's counts are compared, then the queue is drained and its contents compared, delivery by delivery.
/// </summary>
internal sealed class TopicModel : IDisposable
{
    private readonly FakeTimeProvider time = new();
    private readonly MessageBroker broker;
    private readonly ITopic topic;
    private readonly IMessageQueue[] queues;
    private readonly Subscribed?[] subscriptions = new Subscribed?[TopicModelProperties.Queues];
    private readonly List<Delivery>[] expected;
    private readonly HashSet<string> messageIds = new(StringComparer.Ordinal);
    private int published;
    private int step;

    public TopicModel()
    {
        broker = new MessageBroker(new BrokerOptions(), time);
        topic = broker.CreateTopic("t");
        queues = [.. Enumerable.Range(0, TopicModelProperties.Queues).Select(i => broker.CreateQueue($"q{i}"))];
        expected = [.. queues.Select(_ => new List<Delivery>())];
    }

    public void Run(IReadOnlyList<TopicOp> ops)
    {
        foreach (var op in ops)
        {
            step++;
            Step(op);
            for (var queue = 0; queue < queues.Length; queue++)
            {
                CheckQueue(queue, op);
            }
        }
    }

    public void Dispose() => broker.Dispose();

    private void Step(TopicOp op)
    {
        switch (op)
        {
            case Pub pub:
                var text = pub.Text(published++);
                var result = Sync(topic.PublishAsync(new PublishRequest(text) { MessageAttributes = pub.Attributes() }));
                Published(pub, text, result.MessageId);
                break;
            case PubBatch batch:
                DoPublishBatch(batch.Entries);
                break;
            case Sub sub:
                DoSubscribe(sub);
                break;
            case Unsub unsub when subscriptions[unsub.Queue] is { } current:
                current.Subscription.Unsubscribe();
                subscriptions[unsub.Queue] = null;
                Expect(topic.ListSubscriptions().All(s => s.Arn != current.Subscription.Arn), $"step {step}: q{unsub.Queue}'s subscription is gone from the list");
                break;
            case SetPolicy set when subscriptions[set.Queue] is { } current:
                var policy = Policies.All[set.Policy];
                current.Subscription.SetOptions(current.Subscription.Options with { FilterPolicy = policy.Json, FilterPolicyScope = policy.Scope });
                subscriptions[set.Queue] = current with { Policy = policy };
                break;
            case SetRaw set when subscriptions[set.Queue] is { } current:
                current.Subscription.SetAttribute("RawMessageDelivery", set.Raw ? "true" : "false");
                subscriptions[set.Queue] = current with { Raw = set.Raw };
                break;
            case Wait wait:
                time.Advance(TimeSpan.FromSeconds(wait.Seconds));
                break;
        }
    }

    private void DoPublishBatch(Pub[] entries)
    {
        var texts = Enumerable.Range(published, entries.Length).ToList();
        published += entries.Length;
        var request = entries.Select((e, i) => new PublishBatchEntry($"e{i}", e.Text(texts[i])) { MessageAttributes = e.Attributes() }).ToList();
        var result = Sync(topic.PublishBatchAsync(request));
        Expect(result.Failed.Count == 0 && result.Successful.Count == entries.Length, $"step {step}: every entry of the batch is published");
        for (var i = 0; i < entries.Length; i++)
        {
            Published(entries[i], request[i].Message, result.Successful.Single(s => s.Id == $"e{i}").MessageId);
        }
    }

    /// <summary>Fan-out: one delivery to each subscribed queue whose policy, by the model's own predicate, matches.</summary>
    private void Published(Pub pub, string text, string messageId)
    {
        Expect(messageIds.Add(messageId), $"step {step}: each publish gets a new message id");
        for (var queue = 0; queue < queues.Length; queue++)
        {
            if (subscriptions[queue] is { } subscribed && subscribed.Policy.Matches(pub.Model))
            {
                expected[queue].Add(new Delivery(pub, text, messageId, subscribed.Raw));
            }
        }
    }

    private void DoSubscribe(Sub sub)
    {
        var policy = Policies.All[sub.Policy];
        var options = new SubscriptionOptions { FilterPolicy = policy.Json, FilterPolicyScope = policy.Scope, RawMessageDelivery = sub.Raw };
        if (subscriptions[sub.Queue] is { } current)
        {
            // SNS: subscribing the same endpoint again returns the subscription if nothing differs, and is refused otherwise.
            if (current.Policy.Json == policy.Json && current.Policy.Scope == policy.Scope && current.Raw == sub.Raw)
            {
                Expect(topic.Subscribe(queues[sub.Queue], options).Arn == current.Subscription.Arn, $"step {step}: the same subscription of q{sub.Queue} again is the one there");
            }
            else
            {
                ExpectError(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe(queues[sub.Queue], options), $"step {step}: {sub} while subscribed with {current.Policy}, raw {current.Raw}");
            }

            return;
        }

        subscriptions[sub.Queue] = new Subscribed(topic.Subscribe(queues[sub.Queue], options), policy, sub.Raw);
        Expect(topic.ListSubscriptions().Count == subscriptions.Count(s => s is not null), $"step {step}: the topic lists one subscription per subscribed queue");
    }

    /// <summary>The queue's count, then its contents (drained): exactly the model's deliveries, each as its format says.</summary>
    private void CheckQueue(int queue, TopicOp after)
    {
        var what = $"step {step}, after {after}: q{queue}";
        var want = expected[queue];
        var count = queues[queue].GetAttributes().ApproximateNumberOfMessages;
        Expect(count == want.Count, $"{what} holds {count} messages, the model {want.Count} ({string.Join("; ", want)})");
        var drained = new List<ReceivedMessage>();
        while (Sync(queues[queue].ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.Zero, MessageAttributeNames = ["All"] })) is { Count: > 0 } got)
        {
            drained.AddRange(got);
            foreach (var received in got)
            {
                Sync(queues[queue].DeleteAsync(received));
            }
        }

        Expect(drained.Count == want.Count, $"{what}: {drained.Count} came out, the model has {want.Count}");
        var left = new List<Delivery>(want);
        foreach (var received in drained)
        {
            var match = left.FindIndex(d => Same(d, received));
            Expect(match >= 0, $"{what}: {received.GetBodyAsString()} (attributes {string.Join(",", received.MessageAttributes.Keys)}) is none of the model's ({string.Join("; ", left)})");
            left.RemoveAt(match);
        }

        want.Clear();
    }

    /// <summary>Raw: the body and attributes as published. Envelope: the SNS notification JSON carrying both.</summary>
    private bool Same(Delivery delivery, ReceivedMessage received)
    {
        var attributes = delivery.Pub.Attributes();
        if (delivery.Raw)
        {
            return received.GetBodyAsString() == delivery.Text
                && received.MessageAttributes.Count == attributes.Count
                && attributes.All(a => received.MessageAttributes.TryGetValue(a.Key, out var v) && v.DataType == a.Value.DataType && v.StringValue == a.Value.StringValue);
        }

        if (received.MessageAttributes.Count != 0)
        {
            return false;
        }

        using var envelope = JsonDocument.Parse(received.Body);
        var root = envelope.RootElement;
        var sameAttributes = attributes.Count == 0
            ? !root.TryGetProperty("MessageAttributes", out _)
            : root.TryGetProperty("MessageAttributes", out var sent) && sent.EnumerateObject().Count() == attributes.Count
                && attributes.All(a => sent.TryGetProperty(a.Key, out var v)
                    && v.GetProperty("Type").GetString() == a.Value.DataType && v.GetProperty("Value").GetString() == a.Value.StringValue);
        return root.GetProperty("Type").GetString() == "Notification"
            && root.GetProperty("MessageId").GetString() == delivery.MessageId
            && root.GetProperty("TopicArn").GetString() == topic.Arn
            && root.GetProperty("Message").GetString() == delivery.Text
            && sameAttributes;
    }

    private sealed record Subscribed(ISubscription Subscription, Policy Policy, bool Raw);

    private sealed record Delivery(Pub Pub, string Text, string MessageId, bool Raw)
    {
        public override string ToString() => $"{Text} {(Raw ? "raw" : "envelope")}";
    }
}
