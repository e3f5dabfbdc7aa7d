using Broker.Topics;

namespace Broker.Durability.Internal;

/// <summary>The journal record types of topics (64 to 95): configuration, not messages.</summary>
internal enum TopicRecordType : byte
{
    /// <summary>A topic was created, with its settings.</summary>
    TopicCreated = 64,

    /// <summary>A topic was deleted, with its subscriptions.</summary>
    TopicDeleted = 65,

    /// <summary>A queue subscription was made or its attributes changed: all its settable attributes as they now are.</summary>
    SubscriptionSaved = 66,

    /// <summary>A queue subscription was removed.</summary>
    SubscriptionDeleted = 67,
}

/// <summary>A topic as the journal leaves it.</summary>
internal sealed class RecoveredTopic(string name, TopicOptions options, long creationOrder)
{
    public string Name { get; } = name;

    public TopicOptions Options { get; } = options;

    public long CreationOrder { get; } = creationOrder;

    /// <summary>Queue subscriptions by ARN, in the order they were made: (queue name, settable attributes by SNS name).</summary>
    public Dictionary<string, (string Queue, KeyValuePair<string, string>[] Attributes)> Subscriptions { get; } = new(StringComparer.Ordinal);
}

/// <summary>Writes and reads <see cref="TopicRecordType"/> payloads, and rebuilds the topics from them.</summary>
internal sealed class TopicReplay
{
    private readonly Dictionary<string, RecoveredTopic> topics = new(StringComparer.Ordinal);
    private long creations;

    /// <summary>The topics that exist after every record applied so far, in creation order.</summary>
    public IReadOnlyList<RecoveredTopic> Topics => [.. topics.Values.OrderBy(t => t.CreationOrder)];

    public static bool Handles(byte recordType) => recordType is >= (byte)TopicRecordType.TopicCreated and <= (byte)TopicRecordType.SubscriptionDeleted;

    public static void WriteTopicCreated(ref PayloadWriter writer, string topic, TopicOptions options)
    {
        writer.WriteString(topic);
        writer.WriteBoolean(options.FifoTopic);
        writer.WriteBoolean(options.ContentBasedDeduplication);
        writer.WriteVarInt((int)options.FifoThroughputScope);
        writer.WriteNullableString(options.DisplayName);
    }

    public static void WriteTopicDeleted(ref PayloadWriter writer, string topic) => writer.WriteString(topic);

    public static void WriteSubscriptionSaved(ref PayloadWriter writer, string topic, string arn, string queue, IReadOnlyCollection<KeyValuePair<string, string>> attributes)
    {
        writer.WriteString(topic);
        writer.WriteString(arn);
        writer.WriteString(queue);
        writer.WriteVarInt(attributes.Count);
        foreach (var (name, value) in attributes)
        {
            writer.WriteString(name);
            writer.WriteString(value);
        }
    }

    public static void WriteSubscriptionDeleted(ref PayloadWriter writer, string topic, string arn)
    {
        writer.WriteString(topic);
        writer.WriteString(arn);
    }

    /// <summary>Applies one record. Throws <see cref="InvalidDataException"/> when the payload does not parse.</summary>
    public void Apply(byte recordType, ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        switch ((TopicRecordType)recordType)
        {
            case TopicRecordType.TopicCreated:
            {
                var name = reader.ReadString();
                var options = new TopicOptions
                {
                    FifoTopic = reader.ReadBoolean(),
                    ContentBasedDeduplication = reader.ReadBoolean(),
                    FifoThroughputScope = (FifoThroughputScope)reader.ReadVarInt(),
                    DisplayName = reader.ReadNullableString(),
                };
                topics[name] = new RecoveredTopic(name, options, creations++);
                break;
            }

            case TopicRecordType.TopicDeleted:
                topics.Remove(reader.ReadString());
                break;

            case TopicRecordType.SubscriptionSaved:
            {
                var topic = reader.ReadString();
                var arn = reader.ReadString();
                var queue = reader.ReadString();
                var attributes = new KeyValuePair<string, string>[reader.ReadLength()];
                for (var i = 0; i < attributes.Length; i++)
                {
                    attributes[i] = new(reader.ReadString(), reader.ReadString());
                }

                if (topics.TryGetValue(topic, out var recovered))
                {
                    recovered.Subscriptions[arn] = (queue, attributes);
                }

                break;
            }

            case TopicRecordType.SubscriptionDeleted:
            {
                var topic = reader.ReadString();
                var arn = reader.ReadString();
                if (topics.TryGetValue(topic, out var recovered))
                {
                    recovered.Subscriptions.Remove(arn);
                }

                break;
            }

            default:
                throw new InvalidDataException($"Record type {recordType} is not a topic record.");
        }

        if (!reader.AtEnd)
        {
            throw new InvalidDataException($"A {(TopicRecordType)recordType} record has bytes left over after its last field.");
        }
    }
}
