using System.Globalization;
using System.Reflection;
using System.Text;
using Broker.Queues.Internal;
using Broker.Streams.Internal;
using Broker.Topics.Internal;

namespace Broker.PropertyTests.Hostile;

/// <summary>
/// A canonical text picture of everything a broker holds — every queue's settings, counters and messages (id, body,
/// attributes, status, receive count, visibility deadline, first receive), every topic's attributes and subscriptions,
/// every stream's description, consumers, shards and records — taken without changing any of it: no receive, no read
/// that moves a cursor, only field reads. Two snapshots are equal exactly when nothing observable changed, and the text
/// diff says what did.
/// <para>
/// The queue's message stores are private fields, so they are read by reflection; their internal types are visible to
/// this project. A rename in the engine fails the field lookup loudly rather than silently snapshotting nothing.
/// </para>
/// </summary>
internal static class BrokerSnapshot
{
    private static readonly FieldInfo VisibleField = PrivateField(typeof(MessageQueue), "visible");
    private static readonly FieldInfo SlotsField = PrivateField(typeof(MessageQueue), "slots");
    private static readonly FieldInfo ShardsField = PrivateField(typeof(DataStream), "shards");

    public static string Take(MessageBroker broker)
    {
        var text = new StringBuilder();
        foreach (var name in broker.ListQueues().QueueNames)
        {
            if (broker.TryGetQueue(name, out var queue) && queue is MessageQueue engineQueue)
            {
                AppendQueue(text, engineQueue);
            }
        }

        foreach (var topic in broker.ListTopics().Cast<Topic>().OrderBy(static t => t.Name, StringComparer.Ordinal))
        {
            AppendTopic(text, topic);
        }

        foreach (var stream in broker.ListStreams().Cast<DataStream>().OrderBy(static s => s.Name, StringComparer.Ordinal))
        {
            AppendStream(text, stream);
        }

        return text.ToString();
    }

    private static void AppendQueue(StringBuilder text, MessageQueue queue)
    {
        text.Append("queue ").Append(queue.Name).Append(' ').Append(queue.Settings.Options).AppendLine();
        foreach (var (key, value) in queue.GetAttributes(["All"]).OrderBy(static a => a.Key, StringComparer.Ordinal))
        {
            text.Append("  ").Append(key).Append('=').Append(value).AppendLine();
        }

        text.Append("  counts visible=").Append(queue.VisibleCount).Append(" inFlight=").Append(queue.InFlightCount)
            .Append(" delayed=").Append(queue.DelayedCount).AppendLine();

        // A message is live in the visible queue, in the slot table, or both; dedupe by reference.
        var live = new HashSet<QueueMessage>(ReferenceEqualityComparer.Instance);
        var visible = (Broker.Internal.SegmentedQueue<QueueMessage>)VisibleField.GetValue(queue)!;
        visible.TryFindFirst(message => { AddIfLive(live, message); return false; }, out _);
        var slots = (SlotTable)SlotsField.GetValue(queue)!;
        var slotOf = new Dictionary<QueueMessage, int>(ReferenceEqualityComparer.Instance);
        for (var index = 0; index < slots.HighWater; index++)
        {
            if (slots.Exists(index) && Volatile.Read(ref slots[index].Message) is { } held && MessageState.IsLive(Volatile.Read(ref held.State)))
            {
                live.Add(held);
                slotOf[held] = index;
            }
        }

        foreach (var message in live.OrderBy(static m => m.Sequence))
        {
            var state = Volatile.Read(ref message.State);
            text.Append("  message ").Append(queue.MessageIdOf(message))
                .Append(' ').Append(MessageState.Status(state))
                .Append(" receives=").Append(MessageState.ReceiveCount(state))
                .Append(" sent=").Append(message.SentAt)
                .Append(" body=").Append(Convert.ToHexString(message.Body.Span));
            if (slotOf.TryGetValue(message, out var slot))
            {
                text.Append(" deadline=").Append(Volatile.Read(ref slots[slot].Deadline))
                    .Append(" firstReceive=").Append(slots[slot].FirstReceiveAt);
            }

            if (message.Extras is { } extras)
            {
                text.Append(" group=").Append(extras.MessageGroupId).Append(" dedup=").Append(extras.DeduplicationId)
                    .Append(" from=").Append(extras.DeadLetterSourceArn);
                foreach (var (name, value) in extras.Attributes)
                {
                    text.Append(" attr ").Append(name).Append(':').Append(value.DataType).Append('=')
                        .Append(value.StringValue ?? Convert.ToHexString(value.BinaryBytes ?? []));
                }
            }

            text.AppendLine();
        }
    }

    private static void AddIfLive(HashSet<QueueMessage> live, QueueMessage message)
    {
        if (MessageState.IsLive(Volatile.Read(ref message.State)))
        {
            live.Add(message);
        }
    }

    private static void AppendTopic(StringBuilder text, Topic topic)
    {
        text.Append("topic ").Append(topic.Name)
            .Append(" deadLettered=").Append(topic.DeadLetteredCount).Append(" dropped=").Append(topic.DroppedCount).AppendLine();
        AppendAttributes(text, "  ", topic.GetAttributes());
        foreach (var subscription in topic.ListSubscriptions())
        {
            text.Append("  subscription").AppendLine();
            AppendAttributes(text, "    ", subscription.GetAttributes());
        }
    }

    private static void AppendStream(StringBuilder text, DataStream stream)
    {
        var description = stream.Describe() with { StreamCreationTimestamp = default };
        text.Append("stream ").Append(description).AppendLine();
        foreach (var consumer in stream.ListConsumers())
        {
            text.Append("  consumer ").Append(consumer.ConsumerName).AppendLine();
        }

        var shards = (ShardSet)ShardsField.GetValue(stream)!;
        foreach (var shard in shards.All.OrderBy(static s => s.Index))
        {
            text.Append("  shard ").Append(shard.Id).Append(' ').Append(shard.HashKeyRange)
                .Append(" parent=").Append(shard.ParentShardId).Append(" adjacent=").Append(shard.AdjacentParentShardId)
                .Append(" closedAt=").Append(shard.ClosedAtMs).Append(" end=").Append(shard.EndingSequenceNumber())
                .Append(" children=").Append(string.Join(',', shard.Children.Select(static c => c.ShardId))).AppendLine();
            var view = shard.Log.Snapshot();
            text.Append("    reserved=").Append(shard.Log.Reserved).Append(" published=").Append(view.Published)
                .Append(" horizon=").Append(view.Horizon).AppendLine();
            for (var position = view.Horizon; position < view.Published; position++)
            {
                if (view.TryRead(position, out var data, out var key, out var arrivalMs))
                {
                    text.Append("    record ").Append(position.ToString(CultureInfo.InvariantCulture)).Append(' ')
                        .Append(key.Key).Append(" at=").Append(arrivalMs).Append(' ').Append(Convert.ToHexString(data.Span)).AppendLine();
                }
            }
        }
    }

    private static void AppendAttributes(StringBuilder text, string indent, IReadOnlyDictionary<string, string> attributes)
    {
        foreach (var (key, value) in attributes.OrderBy(static a => a.Key, StringComparer.Ordinal))
        {
            text.Append(indent).Append(key).Append('=').Append(value).AppendLine();
        }
    }

    private static FieldInfo PrivateField(Type type, string name) =>
        type.GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new MissingFieldException(type.FullName, name);
}
