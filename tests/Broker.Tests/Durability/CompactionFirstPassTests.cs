using Broker.Durability;
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
    public void The_first_pass_numbers_queue_incarnations_as_the_replay_does()
    {
        var collector = new ReplayPlan();
        var replay = new QueueReplay();
        var offset = 0L;
        void Both(QueueRecordType type, PayloadWrite write)
        {
            var payload = Payloads.Encode(write);
            collector.Apply(0, offset++, (byte)type, payload);
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
    public void A_replay_of_the_stretches_the_first_pass_leaves_it_leaves_the_state_a_full_replay_leaves()
    {
        var skippedRecords = 0;
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var records = RandomJournal(random);
            var full = new QueueReplay();
            foreach (var (type, payload) in records)
            {
                full.Apply(type, payload);
            }

            // Regions of 16 bytes (about one record each), 128 bytes and 1 MiB; the records laid out as frames in one to
            // three segments.
            foreach (var regionShift in new[] { 4, 7, ReplayPlan.DefaultRegionShift })
            {
                var plan = new ReplayPlan(regionShift);
                var laidOut = new List<(int Segment, long Offset, byte Type, byte[] Payload)>();
                var (segment, offset) = (0, (long)SegmentHeader.Size);
                foreach (var (type, payload) in records)
                {
                    if (random.Next(60) == 0)
                    {
                        (segment, offset) = (segment + 1, SegmentHeader.Size);
                    }

                    laidOut.Add((segment, offset, type, payload));
                    plan.Apply(segment, offset, type, payload);
                    offset += JournalFrame.FrameLength(payload.Length);
                }

                var ranges = plan.RangesToReplay();
                var skipping = new QueueReplay(plan.Deleted);
                foreach (var (s, o, type, payload) in laidOut)
                {
                    if (ranges.Exists(r => r.Segment == s && o >= r.From && o < r.To))
                    {
                        skipping.Apply(type, payload);
                    }
                    else
                    {
                        skippedRecords++;
                    }
                }

                foreach (var queue in skipping.Queues)
                {
                    queue.HighestSequence = Math.Max(queue.HighestSequence, plan.HighestSequence(queue.CreationOrder));
                }

                Assert.True(Describe(full) == Describe(skipping), $"seed {seed}, regions of 2^{regionShift} bytes:\n{Describe(full)}\nagainst\n{Describe(skipping)}");
            }
        }

        Assert.True(skippedRecords > 1000, $"only {skippedRecords} records were left unread"); // the plan does leave stretches out
    }

    [Fact]
    public async Task A_compacted_journal_read_in_stretches_recovers_the_state_a_full_replay_of_the_records_leaves()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var records = RandomJournal(new Random(seed));
            var full = new QueueReplay();
            foreach (var (type, payload) in records)
            {
                full.Apply(type, payload);
            }

            var directory = Directory.CreateTempSubdirectory("broker-compaction-").FullName;
            try
            {
                var writer = JournalWriter.Start(new JournalWriterOptions { Directory = directory, FlushPolicy = DurabilityPolicy.None, SegmentSize = 700 }, firstSegmentId: 1);
                foreach (var (type, payload) in records)
                {
                    await writer.AppendAsync(type, payload);
                }

                var next = writer.SegmentId + 1;
                await writer.DisposeAsync();

                // Regions of 64 bytes: the replay reads some stretches of the segments and not others.
                JournalCompactor.Compact(directory, next, now: 0, regionShift: 6);

                var recovered = new BrokerReplay(null);
                JournalReader.Recover(directory, (type, payload, _) => recovered.Apply(type, payload));
                Assert.True(WithoutIncarnations(Describe(full)) == WithoutIncarnations(Describe(recovered.Queues)), $"seed {seed}:\n{Describe(full)}\nagainst\n{Describe(recovered.Queues)}");
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        static string WithoutIncarnations(string described) => System.Text.RegularExpressions.Regex.Replace(described, "#[0-9]+", "");
    }

    [Fact]
    public void A_standard_queues_stretch_whose_messages_are_all_deleted_further_on_is_left_unread_and_its_highest_sequence_kept()
    {
        var plan = new ReplayPlan(regionShift: 4);
        var offset = 0L;
        void Record(QueueRecordType type, PayloadWrite write) => plan.Apply(0, offset += 16, (byte)type, Payloads.Encode(write));

        Record(QueueRecordType.QueueCreated, (ref PayloadWriter w) => QueueRecords.WriteQueueCreated(ref w, "orders", 1, 1, 1, new QueueOptions()));
        var unread = offset + 16;
        for (var sequence = 1L; sequence <= 3; sequence++)
        {
            var sent = new SentMessage { Sequence = sequence, SentAt = 1, Body = new byte[1] };
            Record(QueueRecordType.MessageSent, (ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, "orders", sent));
        }

        Record(QueueRecordType.MessagesReceived, (ref PayloadWriter w) => QueueRecords.WriteMessagesReceived(ref w, "orders", [new ReceiveState(2, 1, 5, 9)]));
        Record(QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, "orders", [1, 2, 9]));
        var live = offset + 16;
        var sentLive = new SentMessage { Sequence = 4, SentAt = 1, Body = new byte[1] };
        Record(QueueRecordType.MessageSent, (ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, "orders", sentLive));
        Record(QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, "orders", [3]));

        var ranges = plan.RangesToReplay();

        Assert.Equal([new ReplayRange(0, 16, unread), new ReplayRange(0, live, live + 16)], ranges);
        Assert.Equal(9, plan.HighestSequence(0));
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
