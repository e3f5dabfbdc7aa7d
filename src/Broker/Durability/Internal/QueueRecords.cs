using System.Text;
using Broker.Queues;

namespace Broker.Durability.Internal;

/// <summary>One message's receive state, as <see cref="QueueRecordType.MessagesReceived"/> records it.</summary>
/// <param name="Sequence">The message's sequence in its queue (its id derives from it).</param>
/// <param name="ReceiveCount">Its receive count after the receive.</param>
/// <param name="FirstReceiveAt">When it was first received, UTC ticks.</param>
/// <param name="VisibleAgainAt">When its visibility timeout ends, UTC ticks.</param>
internal readonly record struct ReceiveState(long Sequence, int ReceiveCount, long FirstReceiveAt, long VisibleAgainAt);

/// <summary>
/// A message as <see cref="QueueRecordType.MessageSent"/> records it. A struct: a durable send builds one for every
/// message it journals, and passes it by reference.
/// </summary>
internal readonly record struct SentMessage
{
    public SentMessage()
    {
    }

    public required long Sequence { get; init; }

    /// <summary>When it was sent, UTC ticks (a dead-lettered message keeps the time of its first send).</summary>
    public required long SentAt { get; init; }

    /// <summary>When a delayed message becomes visible, UTC ticks; 0 when it was visible at once.</summary>
    public long AvailableAt { get; init; }

    /// <summary>Whether it holds room under the queue's depth and byte caps.</summary>
    public bool Counted { get; init; }

    /// <summary>The receive count it arrived with (a dead-letter move keeps the count of its source).</summary>
    public int ReceiveCount { get; init; }

    /// <summary>When it was first received before it arrived (a dead-letter move), UTC ticks; 0 otherwise.</summary>
    public long FirstReceiveAt { get; init; }

    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Message attributes, sorted by name.</summary>
    public KeyValuePair<string, MessageAttributeValue>[] Attributes { get; init; } = [];

    /// <summary>The bytes the attributes count toward the message size (names, types and values).</summary>
    public int AttributesSize { get; init; }

    public string? MessageGroupId { get; init; }

    public string? DeduplicationId { get; init; }

    /// <summary>A dead-lettered message's id in its source queue.</summary>
    public string? OriginalMessageId { get; init; }

    public string? DeadLetterSourceArn { get; init; }

    public long DeadLetterFirstReceiveAt { get; init; }

    public long DeadLetteredAt { get; init; }

    public int DeadLetteredReceiveCount { get; init; }

    /// <summary>FIFO: the sequence number within the group; 0 on a standard queue.</summary>
    public long GroupSequenceNumber { get; init; }

    /// <summary>FIFO: the key of its deduplication record (scope included), or null when it has none (a moved message).</summary>
    public string? DeduplicationKey { get; init; }

    /// <summary>FIFO: when its deduplication record lapses, UTC ticks.</summary>
    public long DeduplicationExpiresAt { get; init; }
}

/// <summary>
/// Writes and reads the payloads of <see cref="QueueRecordType"/> records. Every payload starts with the queue's name.
/// </summary>
internal static class QueueRecords
{
    private const byte OptionsVersion = 1;

    public static void WriteQueueCreated(ref PayloadWriter writer, string queue, long createdAt, ulong idPrefix, ulong handleKey, QueueOptions options)
    {
        writer.WriteString(queue);
        writer.WriteInt64(createdAt);
        writer.WriteUInt64(idPrefix);
        writer.WriteUInt64(handleKey);
        WriteOptions(ref writer, options);
    }

    public static (string Queue, long CreatedAt, ulong IdPrefix, ulong HandleKey, QueueOptions Options) ReadQueueCreated(ref PayloadReader reader)
        => (reader.ReadString(), reader.ReadInt64(), reader.ReadUInt64(), reader.ReadUInt64(), ReadOptions(ref reader));

    public static void WriteQueueOptionsChanged(ref PayloadWriter writer, string queue, long changedAt, QueueOptions options)
    {
        writer.WriteString(queue);
        writer.WriteInt64(changedAt);
        WriteOptions(ref writer, options);
    }

    public static (string Queue, long ChangedAt, QueueOptions Options) ReadQueueOptionsChanged(ref PayloadReader reader)
        => (reader.ReadString(), reader.ReadInt64(), ReadOptions(ref reader));

    public static void WriteQueueDeleted(ref PayloadWriter writer, string queue) => writer.WriteString(queue);

    public static void WriteQueueSnapshot(ref PayloadWriter writer, RecoveredQueue queue)
    {
        WriteQueueCreated(ref writer, queue.Name, queue.CreatedAt, queue.IdPrefix, queue.HandleKey, queue.Options);
        writer.WriteInt64(queue.LastModifiedAt);
        writer.WriteVarInt(queue.HighestSequence);
        writer.WriteVarInt(queue.HighestGroupSequence);
    }

    public static (string Queue, long CreatedAt, ulong IdPrefix, ulong HandleKey, QueueOptions Options, long LastModifiedAt, long HighestSequence, long HighestGroupSequence) ReadQueueSnapshot(ref PayloadReader reader)
    {
        var (queue, createdAt, idPrefix, handleKey, options) = ReadQueueCreated(ref reader);
        return (queue, createdAt, idPrefix, handleKey, options, reader.ReadInt64(), reader.ReadVarInt(), reader.ReadVarInt());
    }

    public static void WriteDeduplicationCleared(ref PayloadWriter writer, string queue) => writer.WriteString(queue);

    /// <summary>Writes a <see cref="QueueRecordType.MessageSent"/> payload (the compact layout).</summary>
    public static void WriteMessageSent(ref PayloadWriter writer, string queue, in SentMessage message) =>
        WriteMessageSent(ref writer, Encoding.UTF8.GetBytes(queue), in message);

    /// <summary>
    /// As <see cref="WriteMessageSent(ref PayloadWriter, string, in SentMessage)"/>, with the queue's name already in
    /// UTF-8 (<see cref="Queues.Internal.MessageQueue.Utf8Name"/>: the per-message records do not encode it each time). The same bytes.
    /// </summary>
    public static void WriteMessageSent(ref PayloadWriter writer, ReadOnlySpan<byte> utf8Queue, in SentMessage message)
    {
        var flags = SentFlags.None;
        flags |= message.AvailableAt != 0 ? SentFlags.Delayed : 0;
        flags |= message.Counted ? SentFlags.Counted : 0;
        flags |= message.ReceiveCount != 0 || message.FirstReceiveAt != 0 ? SentFlags.ReceiveState : 0;
        flags |= message.Attributes.Length != 0 || message.AttributesSize != 0 ? SentFlags.Attributes : 0;
        flags |= message.MessageGroupId is not null || message.DeduplicationId is not null || message.GroupSequenceNumber != 0
            || message.DeduplicationKey is not null || message.DeduplicationExpiresAt != 0 ? SentFlags.Fifo : 0;
        flags |= message.OriginalMessageId is not null || message.DeadLetterSourceArn is not null || message.DeadLetterFirstReceiveAt != 0
            || message.DeadLetteredAt != 0 || message.DeadLetteredReceiveCount != 0 ? SentFlags.DeadLetter : 0;

        writer.WriteBytes(utf8Queue);
        writer.WriteVarInt(message.Sequence); // right after the name in both layouts: a replay that skips the record reads no further
        writer.WriteInt64(message.SentAt);
        writer.WriteByte((byte)flags);
        if ((flags & SentFlags.Delayed) != 0)
        {
            writer.WriteInt64(message.AvailableAt);
        }

        if ((flags & SentFlags.ReceiveState) != 0)
        {
            writer.WriteVarInt(message.ReceiveCount);
            writer.WriteInt64(message.FirstReceiveAt);
        }

        writer.WriteBytes(message.Body.Span);
        if ((flags & SentFlags.Attributes) != 0)
        {
            WriteAttributes(ref writer, message.AttributesSize, message.Attributes);
        }

        if ((flags & SentFlags.Fifo) != 0)
        {
            writer.WriteNullableString(message.MessageGroupId);
            writer.WriteNullableString(message.DeduplicationId);
            writer.WriteVarInt(message.GroupSequenceNumber);
            writer.WriteNullableString(message.DeduplicationKey);
            writer.WriteInt64(message.DeduplicationExpiresAt);
        }

        if ((flags & SentFlags.DeadLetter) != 0)
        {
            writer.WriteNullableString(message.OriginalMessageId);
            writer.WriteNullableString(message.DeadLetterSourceArn);
            writer.WriteInt64(message.DeadLetterFirstReceiveAt);
            writer.WriteInt64(message.DeadLetteredAt);
            writer.WriteVarInt(message.DeadLetteredReceiveCount);
        }
    }

    /// <summary>The fields of a <see cref="QueueRecordType.MessageSent"/> record after its queue's name, which the caller reads first (<see cref="PayloadReader.ReadBytes"/>).</summary>
    public static SentMessage ReadMessageSent(ref PayloadReader reader)
    {
        var sequence = reader.ReadVarInt();
        var sentAt = reader.ReadInt64();
        var flags = (SentFlags)reader.ReadByte();
        if ((flags & ~SentFlags.All) != 0)
        {
            throw new InvalidDataException($"A send record has flags {(byte)flags:x2}, which name fields this version does not know.");
        }

        var availableAt = (flags & SentFlags.Delayed) != 0 ? reader.ReadInt64() : 0;
        var (receiveCount, firstReceiveAt) = (flags & SentFlags.ReceiveState) != 0 ? ((int)reader.ReadVarInt(), reader.ReadInt64()) : (0, 0L);
        var body = reader.ReadBytes().ToArray();
        var (attributesSize, attributes) = (flags & SentFlags.Attributes) != 0 ? ReadAttributes(ref reader) : (0, []);
        var fifo = (flags & SentFlags.Fifo) != 0;
        var (groupId, deduplicationId, groupSequence, deduplicationKey, deduplicationExpiresAt) = fifo
            ? (reader.ReadNullableString(), reader.ReadNullableString(), reader.ReadVarInt(), reader.ReadNullableString(), reader.ReadInt64())
            : (null, null, 0L, null, 0L);
        var deadLetter = (flags & SentFlags.DeadLetter) != 0;
        var (originalId, sourceArn, deadLetterFirstReceiveAt, deadLetteredAt, deadLetteredReceiveCount) = deadLetter
            ? (reader.ReadNullableString(), reader.ReadNullableString(), reader.ReadInt64(), reader.ReadInt64(), (int)reader.ReadVarInt())
            : (null, null, 0L, 0L, 0);
        return new SentMessage
        {
            Sequence = sequence,
            SentAt = sentAt,
            AvailableAt = availableAt,
            Counted = (flags & SentFlags.Counted) != 0,
            ReceiveCount = receiveCount,
            FirstReceiveAt = firstReceiveAt,
            Body = body,
            Attributes = attributes,
            AttributesSize = attributesSize,
            MessageGroupId = groupId,
            DeduplicationId = deduplicationId,
            OriginalMessageId = originalId,
            DeadLetterSourceArn = sourceArn,
            DeadLetterFirstReceiveAt = deadLetterFirstReceiveAt,
            DeadLetteredAt = deadLetteredAt,
            DeadLetteredReceiveCount = deadLetteredReceiveCount,
            GroupSequenceNumber = groupSequence,
            DeduplicationKey = deduplicationKey,
            DeduplicationExpiresAt = deduplicationExpiresAt,
        };
    }

    /// <summary>The fields of a <see cref="QueueRecordType.MessageSentV1"/> record (the first layout) after its queue's name.</summary>
    public static SentMessage ReadMessageSentV1(ref PayloadReader reader)
    {
        var sequence = reader.ReadVarInt();
        var sentAt = reader.ReadInt64();
        var availableAt = reader.ReadInt64();
        var counted = reader.ReadBoolean();
        var receiveCount = (int)reader.ReadVarInt();
        var firstReceiveAt = reader.ReadInt64();
        var body = reader.ReadBytes().ToArray();
        var (attributesSize, attributes) = ReadAttributes(ref reader);
        return new SentMessage
        {
            Sequence = sequence,
            SentAt = sentAt,
            AvailableAt = availableAt,
            Counted = counted,
            ReceiveCount = receiveCount,
            FirstReceiveAt = firstReceiveAt,
            Body = body,
            Attributes = attributes,
            AttributesSize = attributesSize,
            MessageGroupId = reader.ReadNullableString(),
            DeduplicationId = reader.ReadNullableString(),
            OriginalMessageId = reader.ReadNullableString(),
            DeadLetterSourceArn = reader.ReadNullableString(),
            DeadLetterFirstReceiveAt = reader.ReadInt64(),
            DeadLetteredAt = reader.ReadInt64(),
            DeadLetteredReceiveCount = (int)reader.ReadVarInt(),
            GroupSequenceNumber = reader.ReadVarInt(),
            DeduplicationKey = reader.ReadNullableString(),
            DeduplicationExpiresAt = reader.ReadInt64(),
        };
    }

    private static void WriteAttributes(ref PayloadWriter writer, int attributesSize, KeyValuePair<string, MessageAttributeValue>[] attributes)
    {
        writer.WriteVarInt(attributesSize);
        writer.WriteVarInt(attributes.Length);
        foreach (var (name, value) in attributes)
        {
            writer.WriteString(name);
            writer.WriteString(value.DataType);
            if (value.BinaryBytes is { } binary)
            {
                writer.WriteBoolean(true);
                writer.WriteBytes(binary);
            }
            else
            {
                writer.WriteBoolean(false);
                writer.WriteString(value.StringValue ?? "");
            }
        }
    }

    private static (int Size, KeyValuePair<string, MessageAttributeValue>[] Attributes) ReadAttributes(ref PayloadReader reader)
    {
        var attributesSize = (int)reader.ReadVarInt();
        var attributeCount = reader.ReadLength();
        var attributes = attributeCount == 0 ? [] : new KeyValuePair<string, MessageAttributeValue>[attributeCount];
        for (var i = 0; i < attributes.Length; i++)
        {
            var name = reader.ReadString();
            var dataType = reader.ReadString();
            var value = reader.ReadBoolean()
                ? MessageAttributeValue.FromBinary(reader.ReadBytes(), dataType)
                : MessageAttributeValue.FromString(reader.ReadString(), dataType);
            attributes[i] = new(name, value);
        }

        return (attributesSize, attributes);
    }

    /// <summary>
    /// Writes a <see cref="QueueRecordType.MessagesReceived"/> payload: the first message's visibility deadline in
    /// full, then per message its sequence, receive count, deadline as a difference from the first's and first receive
    /// time as a difference from the message before it's (a receive's messages share a deadline, and the ones received
    /// for the first time their first receive time: about 6 bytes a message instead of 20).
    /// </summary>
    public static void WriteMessagesReceived(ref PayloadWriter writer, string queue, ReadOnlySpan<ReceiveState> received) =>
        WriteMessagesReceived(ref writer, Encoding.UTF8.GetBytes(queue), received);

    /// <summary>As <see cref="WriteMessagesReceived(ref PayloadWriter, string, ReadOnlySpan{ReceiveState})"/>, with the queue's name already in UTF-8.</summary>
    public static void WriteMessagesReceived(ref PayloadWriter writer, ReadOnlySpan<byte> utf8Queue, ReadOnlySpan<ReceiveState> received)
    {
        writer.WriteBytes(utf8Queue);
        writer.WriteVarInt(received.Length);
        if (received.IsEmpty)
        {
            return;
        }

        var deadline = received[0].VisibleAgainAt;
        writer.WriteInt64(deadline);
        var previousFirstReceive = deadline;
        foreach (var state in received)
        {
            writer.WriteVarInt(state.Sequence);
            writer.WriteVarInt(state.ReceiveCount);
            writer.WriteSignedVarInt(state.VisibleAgainAt - deadline);
            writer.WriteSignedVarInt(state.FirstReceiveAt - previousFirstReceive);
            previousFirstReceive = state.FirstReceiveAt;
        }
    }

    /// <summary>How many sequences a delete record names, read after its queue's name; the caller then reads each with <see cref="ReadDeletedSequence"/>.</summary>
    public static int ReadEntryCount(ref PayloadReader reader) => reader.ReadLength();

    public static void WriteVisibilityChanged(ref PayloadWriter writer, string queue, long sequence, int receiveCount, long visibleAgainAt) =>
        WriteVisibilityChanged(ref writer, Encoding.UTF8.GetBytes(queue), sequence, receiveCount, visibleAgainAt);

    /// <summary>As <see cref="WriteVisibilityChanged(ref PayloadWriter, string, long, int, long)"/>, with the queue's name already in UTF-8.</summary>
    public static void WriteVisibilityChanged(ref PayloadWriter writer, ReadOnlySpan<byte> utf8Queue, long sequence, int receiveCount, long visibleAgainAt)
    {
        writer.WriteBytes(utf8Queue);
        writer.WriteVarInt(sequence);
        writer.WriteVarInt(receiveCount);
        writer.WriteInt64(visibleAgainAt);
    }

    /// <summary>The fields of a visibility record after its queue's name, which the caller reads first.</summary>
    public static (long Sequence, int ReceiveCount, long VisibleAgainAt) ReadVisibilityChanged(ref PayloadReader reader)
        => (reader.ReadVarInt(), (int)reader.ReadVarInt(), reader.ReadInt64());

    public static void WriteMessagesDeleted(ref PayloadWriter writer, string queue, ReadOnlySpan<long> sequences) =>
        WriteMessagesDeleted(ref writer, Encoding.UTF8.GetBytes(queue), sequences);

    /// <summary>As <see cref="WriteMessagesDeleted(ref PayloadWriter, string, ReadOnlySpan{long})"/>, with the queue's name already in UTF-8.</summary>
    public static void WriteMessagesDeleted(ref PayloadWriter writer, ReadOnlySpan<byte> utf8Queue, ReadOnlySpan<long> sequences)
    {
        writer.WriteBytes(utf8Queue);
        writer.WriteVarInt(sequences.Length);
        foreach (var sequence in sequences)
        {
            writer.WriteVarInt(sequence);
        }
    }

    /// <summary>The next sequence of a delete record (see <see cref="ReadEntryCount"/>).</summary>
    public static long ReadDeletedSequence(ref PayloadReader reader) => reader.ReadVarInt();

    private static void WriteOptions(ref PayloadWriter writer, QueueOptions options)
    {
        writer.WriteByte(OptionsVersion);
        writer.WriteBoolean(options.FifoQueue);
        writer.WriteBoolean(options.ContentBasedDeduplication);
        writer.WriteVarInt((int)options.DeduplicationScope);
        writer.WriteVarInt((int)options.FifoThroughputLimit);
        writer.WriteInt64(options.VisibilityTimeout.Ticks);
        writer.WriteInt64(options.Delay.Ticks);
        writer.WriteInt64(options.MessageRetentionPeriod.Ticks);
        writer.WriteVarInt(options.MaximumMessageSize);
        writer.WriteInt64(options.ReceiveMessageWaitTime.Ticks);
        writer.WriteNullableString(options.RedrivePolicy?.DeadLetterTarget);
        writer.WriteVarInt(options.RedrivePolicy?.MaxReceiveCount ?? 0);
        writer.WriteVarInt((int)options.RedriveAllowPolicy.RedrivePermission);
        writer.WriteVarInt(options.RedriveAllowPolicy.SourceQueueArns.Count);
        foreach (var arn in options.RedriveAllowPolicy.SourceQueueArns)
        {
            writer.WriteString(arn);
        }

        writer.WriteBoolean(options.MaximumDepth is not null);
        writer.WriteVarInt(options.MaximumDepth ?? 0);
        writer.WriteBoolean(options.MaximumBytes is not null);
        writer.WriteVarInt(options.MaximumBytes ?? 0);
        writer.WriteVarInt((int)options.FullMode);
    }

    private static QueueOptions ReadOptions(ref PayloadReader reader)
    {
        var version = reader.ReadByte();
        if (version != OptionsVersion)
        {
            throw new InvalidDataException($"Queue settings of format version {version} are not ones this version of Broker reads ({OptionsVersion}).");
        }

        var fifo = reader.ReadBoolean();
        var contentBased = reader.ReadBoolean();
        var scope = (DeduplicationScope)reader.ReadVarInt();
        var limit = (FifoThroughputLimit)reader.ReadVarInt();
        var visibility = TimeSpan.FromTicks(reader.ReadInt64());
        var delay = TimeSpan.FromTicks(reader.ReadInt64());
        var retention = TimeSpan.FromTicks(reader.ReadInt64());
        var maximumSize = (int)reader.ReadVarInt();
        var wait = TimeSpan.FromTicks(reader.ReadInt64());
        var target = reader.ReadNullableString();
        var maxReceiveCount = (int)reader.ReadVarInt();
        var permission = (RedrivePermission)reader.ReadVarInt();
        var arns = new string[reader.ReadLength()];
        for (var i = 0; i < arns.Length; i++)
        {
            arns[i] = reader.ReadString();
        }

        var hasDepth = reader.ReadBoolean();
        var depth = (int)reader.ReadVarInt();
        var hasBytes = reader.ReadBoolean();
        var bytes = reader.ReadVarInt();
        return new QueueOptions
        {
            FifoQueue = fifo,
            ContentBasedDeduplication = contentBased,
            DeduplicationScope = scope,
            FifoThroughputLimit = limit,
            VisibilityTimeout = visibility,
            Delay = delay,
            MessageRetentionPeriod = retention,
            MaximumMessageSize = maximumSize,
            ReceiveMessageWaitTime = wait,
            RedrivePolicy = target is null ? null : new RedrivePolicy(target, maxReceiveCount),
            RedriveAllowPolicy = new RedriveAllowPolicy { RedrivePermission = permission, SourceQueueArns = arns },
            MaximumDepth = hasDepth ? depth : null,
            MaximumBytes = hasBytes ? bytes : null,
            FullMode = (QueueFullMode)reader.ReadVarInt(),
        };
    }

    /// <summary>What the flags byte of a <see cref="QueueRecordType.MessageSent"/> record says is there.</summary>
    [Flags]
    private enum SentFlags : byte
    {
        None = 0,
        Delayed = 1,
        Counted = 2,
        ReceiveState = 4,
        Attributes = 8,
        Fifo = 16,
        DeadLetter = 32,
        All = Delayed | Counted | ReceiveState | Attributes | Fifo | DeadLetter,
    }
}

/// <summary>
/// Reads the messages of a receive record one at a time, in either layout (<see cref="QueueRecordType.MessagesReceived"/>
/// or <see cref="QueueRecordType.MessagesReceivedV1"/>), after its queue's name: a replay reads these records for the
/// journal's whole history, and an array for each was most of what it allocated.
/// </summary>
internal struct ReceiveRecordReader
{
    private readonly bool compact;
    private readonly long deadline;
    private long previousFirstReceive;

    private ReceiveRecordReader(bool compact, int count, long deadline)
    {
        this.compact = compact;
        this.deadline = deadline;
        previousFirstReceive = deadline;
        Remaining = count;
    }

    /// <summary>Messages not read yet.</summary>
    public int Remaining { get; private set; }

    /// <summary>Starts on a record of type <paramref name="recordType"/>, whose queue name was read.</summary>
    public static ReceiveRecordReader Start(ref PayloadReader reader, QueueRecordType recordType)
    {
        var count = reader.ReadLength();
        var compact = recordType == QueueRecordType.MessagesReceived;
        return new ReceiveRecordReader(compact, count, compact && count > 0 ? reader.ReadInt64() : 0);
    }

    /// <summary>The next message's state.</summary>
    public ReceiveState Next(ref PayloadReader reader)
    {
        Remaining--;
        if (!compact)
        {
            return new ReceiveState(reader.ReadVarInt(), (int)reader.ReadVarInt(), reader.ReadInt64(), reader.ReadInt64());
        }

        var sequence = reader.ReadVarInt();
        var receiveCount = (int)reader.ReadVarInt();
        var visibleAgainAt = deadline + reader.ReadSignedVarInt();
        previousFirstReceive += reader.ReadSignedVarInt();
        return new ReceiveState(sequence, receiveCount, previousFirstReceive, visibleAgainAt);
    }
}
