using System.Text;
using Broker.Durability.Internal;
using Broker.Queues;

namespace Broker.Tests.Durability;

/// <summary>
/// Queue records and the replay that rebuilds queues from them: what each record reads back as, and the state a
/// sequence of records leaves, including records that arrive after a newer state of their message.
/// </summary>
public sealed class QueueReplayTests
{
    private static readonly QueueOptions Everything = new()
    {
        FifoQueue = true,
        ContentBasedDeduplication = true,
        DeduplicationScope = DeduplicationScope.MessageGroup,
        FifoThroughputLimit = FifoThroughputLimit.PerMessageGroupId,
        VisibilityTimeout = TimeSpan.FromMinutes(2),
        Delay = TimeSpan.FromSeconds(5),
        MessageRetentionPeriod = TimeSpan.FromHours(3),
        MaximumMessageSize = 4096,
        ReceiveMessageWaitTime = TimeSpan.FromSeconds(20),
        RedrivePolicy = new RedrivePolicy("orders-dlq.fifo", 4),
        RedriveAllowPolicy = RedriveAllowPolicy.ByQueue(["arn:aws:sqs:us-east-1:000000000000:a", "arn:aws:sqs:us-east-1:000000000000:b"]),
        MaximumDepth = 1000,
        MaximumBytes = 1L << 33,
        FullMode = QueueFullMode.Fail,
    };

    [Fact]
    public void A_created_queue_comes_back_with_its_keys_and_every_setting()
    {
        var replay = new QueueReplay();
        Apply(replay, QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "orders.fifo", 42, 7, 9, Everything));

        var queue = Assert.Single(replay.Queues);
        Assert.Equal(("orders.fifo", 42L, 7UL, 9UL), (queue.Name, queue.CreatedAt, queue.IdPrefix, queue.HandleKey));
        Assert.Equal(Everything, queue.Options);
    }

    [Fact]
    public void A_sent_message_comes_back_with_everything_it_carries()
    {
        var sent = new SentMessage
        {
            Sequence = 12,
            SentAt = 1000,
            AvailableAt = 2000,
            Counted = true,
            ReceiveCount = 3,
            FirstReceiveAt = 1500,
            Body = Encoding.UTF8.GetBytes("transcode 42"),
            Attributes =
            [
                new("kind", MessageAttributeValue.FromString("upload", "String.custom")),
                new("size", MessageAttributeValue.FromNumber("1024")),
                new("thumb", MessageAttributeValue.FromBinary([1, 2, 3])),
            ],
            AttributesSize = 57,
            MessageGroupId = "user-7",
            DeduplicationId = "d-1",
            OriginalMessageId = "5b1e0f1c-0000-4000-8000-000000000001",
            DeadLetterSourceArn = "arn:aws:sqs:us-east-1:000000000000:orders",
            DeadLetterFirstReceiveAt = 1200,
            DeadLetteredAt = 1900,
            DeadLetteredReceiveCount = 3,
            GroupSequenceNumber = 9_000_000_000_000_000_001,
        };
        var replay = Created("orders");

        Apply(replay, QueueRecordType.MessageSent, (ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, "orders", sent));

        var message = Assert.Single(replay.Queues[0].Messages).Value;
        Assert.Equal(sent with { Body = message.Sent.Body, Attributes = message.Sent.Attributes }, message.Sent);
        Assert.Equal(sent.Body, message.Sent.Body);
        Assert.Equal(sent.Attributes, message.Sent.Attributes);
        Assert.Equal((3, 1500L, 0L), (message.ReceiveCount, message.FirstReceiveAt, message.VisibleAgainAt));
        Assert.Equal(12, replay.Queues[0].HighestSequence);
    }

    [Fact]
    public void Receives_deletes_and_visibility_changes_leave_the_state_the_queue_had()
    {
        var replay = Created("orders");
        Send(replay, "orders", 1, 2, 3);

        Receive(replay, "orders", new ReceiveState(1, 1, 100, 400), new ReceiveState(2, 1, 100, 400));
        Apply(replay, QueueRecordType.VisibilityChanged, (ref PayloadWriter w) => QueueRecords.WriteVisibilityChanged(ref w, "orders", 2, 1, 900));
        Delete(replay, "orders", 1);

        var messages = replay.Queues[0].Messages;
        Assert.Equal([2L, 3L], messages.Keys);
        Assert.Equal((1, 100L, 900L), (messages[2].ReceiveCount, messages[2].FirstReceiveAt, messages[2].VisibleAgainAt));
        Assert.Equal((0, 0L), (messages[3].ReceiveCount, messages[3].VisibleAgainAt));
        Assert.Equal(3, replay.Queues[0].HighestSequence);
    }

    [Fact]
    public void A_receive_record_older_than_the_messages_state_changes_nothing()
    {
        var replay = Created("orders");
        Send(replay, "orders", 1);

        Receive(replay, "orders", new ReceiveState(1, 2, 100, 700));
        Receive(replay, "orders", new ReceiveState(1, 1, 100, 400));

        Assert.Equal((2, 700L), (replay.Queues[0].Messages[1].ReceiveCount, replay.Queues[0].Messages[1].VisibleAgainAt));
    }

    [Fact]
    public void A_visibility_change_made_with_an_older_receive_changes_nothing()
    {
        var replay = Created("orders");
        Send(replay, "orders", 1);
        Receive(replay, "orders", new ReceiveState(1, 2, 100, 700));

        Apply(replay, QueueRecordType.VisibilityChanged, (ref PayloadWriter w) => QueueRecords.WriteVisibilityChanged(ref w, "orders", 1, 1, 5000));

        Assert.Equal(700, replay.Queues[0].Messages[1].VisibleAgainAt);
    }

    [Fact]
    public void A_delete_or_receive_recorded_before_its_messages_send_is_applied_when_the_send_arrives()
    {
        var replay = Created("orders.fifo");
        Delete(replay, "orders.fifo", 2);                        // a consumer deleted it before the sender's record was written
        Receive(replay, "orders.fifo", new ReceiveState(3, 1, 50, 900));
        Send(replay, "orders.fifo", 1, 2, 3);

        var messages = replay.Queues[0].Messages;
        Assert.Equal([1L, 3L], messages.Keys);
        Assert.Equal((1, 900L), (messages[3].ReceiveCount, messages[3].VisibleAgainAt));
    }

    [Fact]
    public void A_sequence_named_only_by_a_delete_is_never_given_to_a_new_message_after_recovery()
    {
        var replay = Created("orders.fifo");
        Send(replay, "orders.fifo", 1);
        Delete(replay, "orders.fifo", 2); // its send record was lost in the crash; the message was delivered and deleted

        Assert.Equal(2, replay.Queues[0].HighestSequence);
    }

    [Fact]
    public void A_deleted_fifo_messages_deduplication_record_is_kept_until_a_purge_clears_it()
    {
        var replay = Created("orders.fifo");
        var sent = new SentMessage { Sequence = 1, SentAt = 1, Body = new byte[] { 1, 2, 3 }, DeduplicationKey = "order-1", DeduplicationExpiresAt = 99 };
        Apply(replay, QueueRecordType.MessageSent, (ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, "orders.fifo", sent));
        Delete(replay, "orders.fifo", 1);

        var kept = Assert.Single(replay.Queues[0].DeletedDeduplication).Value;
        Assert.Equal((1L, 99L), (kept.Sequence, kept.DeduplicationExpiresAt));
        Assert.True(kept.Body.IsEmpty);

        Apply(replay, QueueRecordType.DeduplicationCleared, (ref PayloadWriter w) => QueueRecords.WriteDeduplicationCleared(ref w, "orders.fifo"));
        Assert.Empty(replay.Queues[0].DeletedDeduplication);
    }

    [Fact]
    public void A_deleted_and_recreated_queue_starts_empty_and_records_for_a_missing_queue_change_nothing()
    {
        var replay = Created("orders");
        Send(replay, "orders", 1, 2);
        Apply(replay, QueueRecordType.QueueDeleted, (ref PayloadWriter w) => QueueRecords.WriteQueueDeleted(ref w, "orders"));
        Send(replay, "orders", 3); // a send that raced the delete

        Assert.Empty(replay.Queues);

        Apply(replay, QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "orders", 5, 1, 2, new QueueOptions()));
        Assert.Empty(Assert.Single(replay.Queues).Messages);

        Send(replay, "orders", 4);
        Assert.Equal([4L], Assert.Single(replay.Queues).Messages.Keys);
    }

    [Fact]
    public void Messages_come_back_in_send_order_whatever_was_deleted_between_them()
    {
        var replay = Created("orders");
        Send(replay, "orders", 1, 2, 3, 4, 5);
        Delete(replay, "orders", 2, 4);
        Send(replay, "orders", 6, 7);

        Assert.Equal([1L, 3L, 5L, 6L, 7L], replay.Queues[0].MessagesInOrder().Select(m => m.Sent.Sequence));
    }

    [Fact]
    public void Records_of_several_queues_interleaved_each_go_to_the_queue_they_name()
    {
        var replay = Created("a");
        Apply(replay, QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "b", 1, 1, 1, new QueueOptions()));
        Send(replay, "a", 1);
        Send(replay, "b", 1, 2);
        Send(replay, "a", 2, 3);
        Delete(replay, "b", 1);
        Delete(replay, "a", 3);
        Send(replay, "c", 9); // no such queue

        Assert.Equal([1L, 2L], replay.Queues[0].Messages.Keys.Order());
        Assert.Equal([2L], replay.Queues[1].Messages.Keys);
    }

    [Fact]
    public void Queues_come_back_in_the_order_they_were_created()
    {
        var replay = Created("b");
        Apply(replay, QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "a", 1, 1, 1, new QueueOptions()));
        Apply(replay, QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "c", 1, 1, 1, new QueueOptions()));
        Apply(replay, QueueRecordType.QueueDeleted, (ref PayloadWriter w) => QueueRecords.WriteQueueDeleted(ref w, "b"));
        Apply(replay, QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "b", 1, 1, 1, new QueueOptions()));

        Assert.Equal(["a", "c", "b"], replay.Queues.Select(q => q.Name));
    }

    [Fact]
    public void Settings_changes_apply_to_the_queue()
    {
        var replay = Created("orders");
        var changed = new QueueOptions { VisibilityTimeout = TimeSpan.FromMinutes(5) };

        Apply(replay, QueueRecordType.QueueOptionsChanged, (ref PayloadWriter w) => QueueRecords.WriteQueueOptionsChanged(ref w, "orders", 77, changed));

        Assert.Equal((changed, 77L), (replay.Queues[0].Options, replay.Queues[0].LastModifiedAt));
    }

    [Fact]
    public void A_record_with_bytes_left_over_is_refused()
    {
        var replay = Created("orders");
        var writer = new PayloadWriter(16);
        QueueRecords.WriteQueueDeleted(ref writer, "orders");
        writer.WriteByte(0);
        var payload = writer.Written.ToArray();
        writer.Dispose();

        var error = Assert.Throws<InvalidDataException>(() => replay.Apply((byte)QueueRecordType.QueueDeleted, payload));
        Assert.Contains("left over", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_type_outside_the_queue_range_is_refused()
        => Assert.Throws<InvalidDataException>(() => new QueueReplay().Apply(99, []));

    private static QueueReplay Created(string name)
    {
        var replay = new QueueReplay();
        Apply(replay, QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, name, 1, 1, 1, new QueueOptions()));
        return replay;
    }

    private static void Send(QueueReplay replay, string queue, params long[] sequences)
    {
        foreach (var sequence in sequences)
        {
            var sent = new SentMessage { Sequence = sequence, SentAt = sequence, Body = new[] { (byte)sequence } };
            Apply(replay, QueueRecordType.MessageSent, (ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, queue, sent));
        }
    }

    private static void Receive(QueueReplay replay, string queue, params ReceiveState[] states)
        => Apply(replay, QueueRecordType.MessagesReceived, (ref PayloadWriter w) => QueueRecords.WriteMessagesReceived(ref w, queue, states));

    private static void Delete(QueueReplay replay, string queue, params long[] sequences)
        => Apply(replay, QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, queue, sequences));

    private static void Apply(QueueReplay replay, QueueRecordType type, PayloadWrite write) => Payloads.Apply(replay, type, write);
}
