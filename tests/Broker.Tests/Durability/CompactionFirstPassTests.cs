using Broker.Durability.Internal;
using Broker.Queues;

namespace Broker.Tests.Durability;

/// <summary>
/// Compaction's first pass: the deletes of the segments it rewrites, collected by queue incarnation, so that its replay
/// skips the sends of standard messages that are gone by the end of them, and leaves the same state as a full replay.
/// </summary>
public sealed class CompactionFirstPassTests
{
    [Fact]
    public void Deleted_sequences_hold_exactly_what_was_added_for_each_queue_across_blocks()
    {
        var random = new Random(20261127);
        var deleted = new DeletedSequences();
        var expected = new HashSet<(long, long)>();
        for (var i = 0; i < 5_000; i++)
        {
            var entry = ((long)random.Next(3), random.NextInt64(0, 20_000));
            deleted.Add(entry.Item1, entry.Item2);
            expected.Add(entry);
        }

        deleted.Add(0, 1L << 40);
        expected.Add((0, 1L << 40));

        Assert.Equal(expected.Count, deleted.Count);
        for (var queue = 0L; queue < 4; queue++)
        {
            for (var sequence = 0L; sequence < 20_000; sequence++)
            {
                Assert.Equal(expected.Contains((queue, sequence)), deleted.Contains(queue, sequence));
            }
        }

        Assert.True(deleted.Contains(0, 1L << 40));
        Assert.False(deleted.Contains(0, (1L << 40) + 1));
    }

    [Fact]
    public void The_collector_numbers_queue_incarnations_as_the_replay_does()
    {
        var collector = new DeletedSequences.Collector();
        var replay = new QueueReplay();
        void Both(QueueRecordType type, PayloadWrite write)
        {
            var payload = Payloads.Encode(write);
            collector.Apply((byte)type, payload);
            replay.Apply((byte)type, payload);
        }

        Both(QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "orders", 1, 1, 1, new QueueOptions()));
        Both(QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, "orders", [1]));
        Both(QueueRecordType.QueueDeleted, (ref PayloadWriter w) => QueueRecords.WriteQueueDeleted(ref w, "orders"));
        Both(QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, "orders", [7])); // no such queue now
        Both(QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "orders", 2, 1, 1, new QueueOptions()));
        Both(QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, "orders", [2]));
        Both(QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "payments", 3, 1, 1, new QueueOptions()));
        Both(QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, "payments", [3, 4]));
        var snapshot = new RecoveredQueue("refunds", 4, 1, 1, new QueueOptions(), 0); // an earlier compaction's snapshot starts a queue over too
        Both(QueueRecordType.QueueSnapshot, (ref PayloadWriter w) => QueueRecords.WriteQueueSnapshot(ref w, snapshot));
        Both(QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, "refunds", [5]));

        var orders = replay.Queues.Single(q => q.Name == "orders").CreationOrder;
        var payments = replay.Queues.Single(q => q.Name == "payments").CreationOrder;
        var refunds = replay.Queues.Single(q => q.Name == "refunds").CreationOrder;
        var deleted = collector.Deleted;
        Assert.Equal(5, deleted.Count);
        Assert.True(deleted.Contains(refunds, 5));
        Assert.True(deleted.Contains(0, 1));
        Assert.True(deleted.Contains(orders, 2));
        Assert.True(deleted.Contains(payments, 3) && deleted.Contains(payments, 4));
        Assert.False(deleted.Contains(orders, 1)); // the first incarnation's delete does not name the second's message
        Assert.False(deleted.Contains(orders, 7) || deleted.Contains(0, 7));
    }

    [Fact]
    public void A_standard_send_deleted_further_on_is_skipped_without_being_read_and_its_receives_and_deletes_leave_nothing()
    {
        var deleted = new DeletedSequences();
        deleted.Add(0, 2);
        var replay = new QueueReplay(deleted);
        Apply(replay, QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "orders", 1, 1, 1, new QueueOptions()));
        Send(replay, "orders", 1);

        // Everything after the sequence is unreadable: a replay that read it would throw.
        Apply(replay, QueueRecordType.MessageSent, (ref PayloadWriter w) =>
        {
            w.WriteString("orders");
            w.WriteVarInt(2);
            w.WriteBytes([0xFF, 0xFF, 0xFF]);
        });
        Apply(replay, QueueRecordType.MessagesReceived, (ref PayloadWriter w) => QueueRecords.WriteMessagesReceived(ref w, "orders", [new ReceiveState(2, 1, 5, 9)]));
        Apply(replay, QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, "orders", [2]));

        var queue = Assert.Single(replay.Queues);
        Assert.Equal([1L], queue.Messages.Keys);
        Assert.Equal(2, queue.HighestSequence);
        Assert.Empty(queue.ReceivedBeforeSent);
        Assert.Empty(queue.DeletedBeforeSent);
    }

    [Fact]
    public void A_fifo_queues_sends_are_all_replayed_so_a_deleted_messages_deduplication_record_is_kept()
    {
        var deleted = new DeletedSequences();
        deleted.Add(0, 1);
        var replay = new QueueReplay(deleted);
        Apply(replay, QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "orders.fifo", 1, 1, 1, new QueueOptions { FifoQueue = true }));
        var sent = new SentMessage { Sequence = 1, SentAt = 1, Body = new byte[] { 1 }, MessageGroupId = "g", DeduplicationKey = "order-1", DeduplicationExpiresAt = 99 };
        Apply(replay, QueueRecordType.MessageSent, (ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, "orders.fifo", sent));
        Apply(replay, QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, "orders.fifo", [1]));

        var queue = Assert.Single(replay.Queues);
        Assert.Empty(queue.Messages);
        Assert.Equal("order-1", Assert.Single(queue.DeletedDeduplication).Key);
    }

    [Fact]
    public void A_replay_after_the_first_pass_leaves_the_state_a_full_replay_leaves()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var records = RandomJournal(new Random(seed));
            var full = new QueueReplay();
            var collector = new DeletedSequences.Collector();
            foreach (var (type, payload) in records)
            {
                full.Apply(type, payload);
                collector.Apply(type, payload);
            }

            var skipping = new QueueReplay(collector.Deleted);
            foreach (var (type, payload) in records)
            {
                skipping.Apply(type, payload);
            }

            Assert.Equal(Describe(full), Describe(skipping));
        }
    }

    /// <summary>
    /// Two queue names, one standard and one FIFO, each deleted and created again now and then; sends, receives (some
    /// before their send), visibility changes and deletes (some before their send, some twice) in a random order.
    /// </summary>
    private static List<(byte Type, byte[] Payload)> RandomJournal(Random random)
    {
        var records = new List<(byte, byte[])>();
        void Add(QueueRecordType type, PayloadWrite write) => records.Add(((byte)type, Payloads.Encode(write)));

        string[] names = ["orders", "orders.fifo"];
        var next = new long[2];
        foreach (var name in names)
        {
            Add(QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, name, 1, 1, 1, new QueueOptions { FifoQueue = name.EndsWith(".fifo", StringComparison.Ordinal) }));
        }

        for (var step = 0; step < 120; step++)
        {
            var q = random.Next(2);
            var name = names[q];
            var sequence = next[q] == 0 ? 1 : random.NextInt64(1, next[q] + 3); // now and then one not sent yet
            switch (random.Next(12))
            {
                case < 4:
                {
                    var sent = new SentMessage
                    {
                        Sequence = ++next[q],
                        SentAt = step,
                        Body = new[] { (byte)step },
                        MessageGroupId = q == 1 ? "g" : null,
                        DeduplicationKey = q == 1 ? $"d-{next[q]}" : null,
                        DeduplicationExpiresAt = q == 1 ? 1_000 : 0,
                        GroupSequenceNumber = q == 1 ? next[q] : 0,
                    };
                    Add(QueueRecordType.MessageSent, (ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, name, sent));
                    break;
                }

                case < 7:
                    Add(QueueRecordType.MessagesReceived, (ref PayloadWriter w) => QueueRecords.WriteMessagesReceived(ref w, name, [new ReceiveState(sequence, random.Next(1, 4), step, step + 30)]));
                    break;
                case < 8:
                    Add(QueueRecordType.VisibilityChanged, (ref PayloadWriter w) => QueueRecords.WriteVisibilityChanged(ref w, name, sequence, random.Next(1, 4), step + 60));
                    break;
                case < 11:
                    Add(QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, name, [sequence, random.NextInt64(1, next[q] + 2)]));
                    break;
                default:
                    if (random.Next(4) == 0)
                    {
                        Add(QueueRecordType.QueueDeleted, (ref PayloadWriter w) => QueueRecords.WriteQueueDeleted(ref w, name));
                        Add(QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, name, step, 1, 1, new QueueOptions { FifoQueue = q == 1 }));
                        next[q] = 0;
                    }

                    break;
            }
        }

        return records;
    }

    /// <summary>What compaction writes of a replay: each queue's live messages with their receive state, its highest sequences and deduplication records.</summary>
    private static string Describe(QueueReplay replay) =>
        string.Join(
            "\n",
            replay.Queues.Select(q =>
                $"{q.Name}#{q.CreationOrder} highest {q.HighestSequence}/{q.HighestGroupSequence}: "
                + string.Join(" ", q.MessagesInOrder().Select(m => $"{m.Sent.Sequence}:{m.ReceiveCount}/{m.FirstReceiveAt}/{m.VisibleAgainAt}/{m.Sent.Body.Span[0]}"))
                + " dedup " + string.Join(",", q.DeletedDeduplication.Keys.Order(StringComparer.Ordinal))));

    private static void Send(QueueReplay replay, string queue, long sequence)
    {
        var sent = new SentMessage { Sequence = sequence, SentAt = sequence, Body = new[] { (byte)sequence } };
        Apply(replay, QueueRecordType.MessageSent, (ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, queue, sent));
    }

    private static void Apply(QueueReplay replay, QueueRecordType type, PayloadWrite write) => Payloads.Apply(replay, type, write);
}
