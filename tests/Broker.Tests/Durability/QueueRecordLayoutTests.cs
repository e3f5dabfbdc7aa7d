using System.Text;
using Broker.Durability.Internal;
using Broker.Queues;

namespace Broker.Tests.Durability;

/// <summary>
/// The layouts of send and receive records: the compact ones written now (fields a message leaves unset left out,
/// times as differences) read back exactly, and records of the first layouts, which journals written before hold, still
/// replay to the same state.
/// </summary>
public sealed class QueueRecordLayoutTests
{
    public static TheoryData<int> FieldGroups()
    {
        var data = new TheoryData<int>();
        for (var groups = 0; groups < 64; groups++)
        {
            data.Add(groups);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FieldGroups))]
    public void A_send_comes_back_exactly_whichever_of_its_optional_fields_are_set(int groups)
    {
        var sent = Message(groups);

        var payload = Payloads.Encode((ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, "orders", sent));

        var reader = new PayloadReader(payload);
        Assert.Equal("orders", reader.ReadString());
        AssertSame(sent, QueueRecords.ReadMessageSent(ref reader));
        Assert.True(reader.AtEnd);
    }

    [Fact]
    public void A_plain_messages_send_record_holds_its_queue_sequence_time_flags_and_body_alone()
    {
        var sent = new SentMessage { Sequence = 300, SentAt = 638_000_000_000_000_000, Body = new byte[64] };

        var payload = Payloads.Encode((ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, "orders", sent));

        // name (1 + 6), sequence (2), sent time (8), flags (1), body (1 + 64)
        Assert.Equal(7 + 2 + 8 + 1 + 65, payload.Length);
    }

    [Fact]
    public void Records_written_with_the_queues_name_already_in_utf8_are_the_records_written_with_its_name()
    {
        var name = "orders-2024_eu";
        var utf8 = Encoding.UTF8.GetBytes(name);
        var sent = Message(63);
        ReceiveState[] received = [new(7, 1, 100, 400), new(8, 2, 50, 400)];
        long[] deleted = [7, 8, 300];

        Assert.Equal(
            Payloads.Encode((ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, name, sent)),
            Payloads.Encode((ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, utf8, sent)));
        Assert.Equal(
            Payloads.Encode((ref PayloadWriter w) => QueueRecords.WriteMessagesReceived(ref w, name, received)),
            Payloads.Encode((ref PayloadWriter w) => QueueRecords.WriteMessagesReceived(ref w, utf8, received)));
        Assert.Equal(
            Payloads.Encode((ref PayloadWriter w) => QueueRecords.WriteVisibilityChanged(ref w, name, 7, 1, 900)),
            Payloads.Encode((ref PayloadWriter w) => QueueRecords.WriteVisibilityChanged(ref w, utf8, 7, 1, 900)));
        Assert.Equal(
            Payloads.Encode((ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, name, deleted)),
            Payloads.Encode((ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, utf8, deleted)));
    }

    [Fact]
    public void A_send_record_with_flags_this_version_does_not_know_is_refused()
    {
        var payload = Payloads.Encode((ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, "orders", Message(0)));
        payload[1 + 6 + 1 + 8] |= 0x80; // the flags byte, after the name, the one-byte sequence and the time

        var error = Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new PayloadReader(payload);
            reader.ReadString();
            QueueRecords.ReadMessageSent(ref reader);
        });
        Assert.Contains("flags", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_receive_record_keeps_each_messages_deadline_and_first_receive_time()
    {
        ReceiveState[] states =
        [
            new(7, 1, 638_000_000_300_000_000, 638_000_000_600_000_000),
            new(8, 1, 638_000_000_300_000_000, 638_000_000_600_000_000),
            new(3, 4, 637_999_000_000_000_000, 638_000_000_600_000_000), // received before, long ago
            new(9_000_000_000, 2, 0, 638_000_000_900_000_000),            // another deadline, no first receive time
            new(10, 1, 638_000_000_300_000_001, 0),
        ];
        var replay = new QueueReplay();
        Payloads.Apply(replay, QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "orders", 1, 1, 1, new QueueOptions()));

        Payloads.Apply(replay, QueueRecordType.MessagesReceived, (ref PayloadWriter w) => QueueRecords.WriteMessagesReceived(ref w, "orders", states));
        foreach (var state in states)
        {
            Payloads.Apply(replay, QueueRecordType.MessageSent, (ref PayloadWriter w) =>
                QueueRecords.WriteMessageSent(ref w, "orders", new SentMessage { Sequence = state.Sequence, SentAt = 1, Body = new byte[1] }));
        }

        var messages = replay.Queues[0].Messages;
        Assert.Equal(
            states.Select(s => (s.Sequence, s.ReceiveCount, s.FirstReceiveAt, s.VisibleAgainAt)),
            states.Select(s => (s.Sequence, messages[s.Sequence].ReceiveCount, messages[s.Sequence].FirstReceiveAt, messages[s.Sequence].VisibleAgainAt)));
    }

    [Fact]
    public void Send_and_receive_records_of_the_first_layouts_replay_to_the_state_the_compact_ones_leave()
    {
        var messages = Enumerable.Range(0, 64).Select(groups => Message(groups) with { Sequence = groups + 1 }).ToList();
        ReceiveState[] received = [new(1, 2, 500, 9000), new(2, 1, 600, 9000), new(40, 5, 100, 7000)];

        var compact = Replay(QueueRecordType.MessageSent, QueueRecordType.MessagesReceived, messages, received,
            (ref PayloadWriter w, SentMessage m) => QueueRecords.WriteMessageSent(ref w, "orders", m),
            (ref PayloadWriter w) => QueueRecords.WriteMessagesReceived(ref w, "orders", received));
        var first = Replay(QueueRecordType.MessageSentV1, QueueRecordType.MessagesReceivedV1, messages, received,
            (ref PayloadWriter w, SentMessage m) => FirstLayout.WriteMessageSent(ref w, "orders", m),
            (ref PayloadWriter w) => FirstLayout.WriteMessagesReceived(ref w, "orders", received));

        Assert.Equal(messages.Count, first.Length);
        foreach (var (expected, actual) in compact.Zip(first))
        {
            AssertSame(expected.Sent, actual.Sent);
            Assert.Equal((expected.ReceiveCount, expected.FirstReceiveAt, expected.VisibleAgainAt), (actual.ReceiveCount, actual.FirstReceiveAt, actual.VisibleAgainAt));
        }

        Assert.Equal((5, 100L, 7000L), (first[39].ReceiveCount, first[39].FirstReceiveAt, first[39].VisibleAgainAt));
    }

    private delegate void SendWrite(ref PayloadWriter writer, SentMessage message);

    private static RecoveredMessage[] Replay(QueueRecordType sendType, QueueRecordType receiveType, List<SentMessage> messages, ReceiveState[] received, SendWrite send, PayloadWrite receive)
    {
        var replay = new QueueReplay();
        Payloads.Apply(replay, QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "orders", 1, 1, 1, new QueueOptions()));
        foreach (var message in messages)
        {
            Payloads.Apply(replay, sendType, (ref PayloadWriter w) => send(ref w, message));
        }

        Payloads.Apply(replay, receiveType, receive);
        Assert.Equal(received.Length, received.Count(r => replay.Queues[0].Messages[r.Sequence].ReceiveCount == r.ReceiveCount));
        return replay.Queues[0].MessagesInOrder();
    }

    /// <summary>A message with the optional field groups <paramref name="groups"/> (bits: delay, counted, receive state, attributes, FIFO, dead letter) set.</summary>
    private static SentMessage Message(int groups)
    {
        var on = (int bit) => (groups & (1 << bit)) != 0;
        return new SentMessage
        {
            Sequence = 12 + groups,
            SentAt = 638_000_000_000_000_000 + groups,
            AvailableAt = on(0) ? 638_000_000_050_000_000 : 0,
            Counted = on(1),
            ReceiveCount = on(2) ? 3 : 0,
            FirstReceiveAt = on(2) ? 637_999_000_000_000_000 : 0,
            Body = Encoding.UTF8.GetBytes($"message {groups}"),
            Attributes = on(3)
                ? [new("kind", MessageAttributeValue.FromString("upload", "String.custom")), new("thumb", MessageAttributeValue.FromBinary([1, 2, 3]))]
                : [],
            AttributesSize = on(3) ? 37 : 0,
            MessageGroupId = on(4) ? "user-7" : null,
            DeduplicationId = on(4) ? "d-1" : null,
            GroupSequenceNumber = on(4) ? 9_000_000_000_000_000_001 : 0,
            DeduplicationKey = on(4) ? "user-7/d-1" : null,
            DeduplicationExpiresAt = on(4) ? 638_000_003_000_000_000 : 0,
            OriginalMessageId = on(5) ? "5b1e0f1c-0000-4000-8000-000000000001" : null,
            DeadLetterSourceArn = on(5) ? "arn:aws:sqs:us-east-1:000000000000:orders" : null,
            DeadLetterFirstReceiveAt = on(5) ? 1200 : 0,
            DeadLetteredAt = on(5) ? 1900 : 0,
            DeadLetteredReceiveCount = on(5) ? 4 : 0,
        };
    }

    private static void AssertSame(SentMessage expected, SentMessage actual)
    {
        Assert.Equal(expected with { Body = actual.Body, Attributes = actual.Attributes }, actual);
        Assert.Equal(expected.Body.ToArray(), actual.Body.ToArray());
        Assert.Equal(expected.Attributes, actual.Attributes);
    }

    /// <summary>
    /// The first layouts, as the broker wrote them before the compact ones (a fixture: the broker itself no longer
    /// writes them): every field of a send in a fixed order, and per received message its four fields in full.
    /// </summary>
    private static class FirstLayout
    {
        public static void WriteMessageSent(ref PayloadWriter writer, string queue, SentMessage message)
        {
            writer.WriteString(queue);
            writer.WriteVarInt(message.Sequence);
            writer.WriteInt64(message.SentAt);
            writer.WriteInt64(message.AvailableAt);
            writer.WriteBoolean(message.Counted);
            writer.WriteVarInt(message.ReceiveCount);
            writer.WriteInt64(message.FirstReceiveAt);
            writer.WriteBytes(message.Body.Span);
            writer.WriteVarInt(message.AttributesSize);
            writer.WriteVarInt(message.Attributes.Length);
            foreach (var (name, value) in message.Attributes)
            {
                writer.WriteString(name);
                writer.WriteString(value.DataType);
                writer.WriteBoolean(value.BinaryBytes is not null);
                if (value.BinaryBytes is { } binary)
                {
                    writer.WriteBytes(binary);
                }
                else
                {
                    writer.WriteString(value.StringValue ?? "");
                }
            }

            writer.WriteNullableString(message.MessageGroupId);
            writer.WriteNullableString(message.DeduplicationId);
            writer.WriteNullableString(message.OriginalMessageId);
            writer.WriteNullableString(message.DeadLetterSourceArn);
            writer.WriteInt64(message.DeadLetterFirstReceiveAt);
            writer.WriteInt64(message.DeadLetteredAt);
            writer.WriteVarInt(message.DeadLetteredReceiveCount);
            writer.WriteVarInt(message.GroupSequenceNumber);
            writer.WriteNullableString(message.DeduplicationKey);
            writer.WriteInt64(message.DeduplicationExpiresAt);
        }

        public static void WriteMessagesReceived(ref PayloadWriter writer, string queue, ReceiveState[] received)
        {
            writer.WriteString(queue);
            writer.WriteVarInt(received.Length);
            foreach (var state in received)
            {
                writer.WriteVarInt(state.Sequence);
                writer.WriteVarInt(state.ReceiveCount);
                writer.WriteInt64(state.FirstReceiveAt);
                writer.WriteInt64(state.VisibleAgainAt);
            }
        }
    }
}
