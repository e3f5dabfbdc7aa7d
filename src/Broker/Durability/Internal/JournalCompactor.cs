using System.Buffers;

namespace Broker.Durability.Internal;

/// <summary>
/// Rewrites the sealed segments of a journal as one snapshot of what they hold live, so that the journal's size, and
/// the time recovery takes, follow the live data and not the history.
/// </summary>
/// <remarks>
/// The snapshot is built from the sealed segments themselves (replayed from disk), not from the broker's memory: it is
/// exactly the state as of the seal, whatever senders and consumers do meanwhile, and nobody waits for it. It is
/// written to a temporary file, flushed, and renamed over the last sealed segment (an atomic replace), and only then
/// are the older segments deleted. A crash at any point leaves either the old segments, or the old segments followed by
/// the snapshot, which replays to the same state because a snapshot starts each queue over.
/// </remarks>
internal static class JournalCompactor
{
    /// <summary>The suffix of a snapshot being written; recovery deletes leftovers.</summary>
    public const string TemporarySuffix = ".compacting";

    /// <summary>
    /// Compacts every segment below <paramref name="activeSegmentId"/> into one and returns its size in bytes (0 when
    /// there was nothing to compact). Messages whose retention ended by <paramref name="now"/> are left out.
    /// </summary>
    public static long Compact(string directory, long activeSegmentId, long now) => Compact(directory, activeSegmentId, now, ReplayPlan.DefaultRegionShift);

    /// <summary>As <see cref="Compact(string, long, long)"/>, with the first pass's regions of 2^<paramref name="regionShift"/> bytes (tests: small ones).</summary>
    internal static long Compact(string directory, long activeSegmentId, long now, int regionShift)
    {
        var sealedSegments = SegmentFiles.List(directory).Where(s => s.Id < activeSegmentId).ToList();
        if (sealedSegments.Count == 0)
        {
            return 0;
        }

        var replay = ReplaySealed(sealedSegments, regionShift);

        var snapshotId = sealedSegments[^1].Id;
        var snapshotPath = SegmentFiles.PathOf(directory, snapshotId);
        var temporary = snapshotPath + TemporarySuffix;
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
        {
            Span<byte> header = stackalloc byte[SegmentHeader.Size];
            SegmentHeader.Write(header, snapshotId);
            file.Write(header);
            foreach (var queue in replay.Queues.Queues)
            {
                WriteRecord(file, (byte)QueueRecordType.QueueSnapshot, (ref PayloadWriter w) => QueueRecords.WriteQueueSnapshot(ref w, queue));
                var retention = queue.Options.MessageRetentionPeriod.Ticks;
                foreach (var message in queue.MessagesInOrder())
                {
                    if (now - message.Sent.SentAt >= retention)
                    {
                        continue;
                    }

                    var sent = message.Sent with { ReceiveCount = message.ReceiveCount, FirstReceiveAt = message.FirstReceiveAt };
                    WriteRecord(file, (byte)QueueRecordType.MessageSent, (ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, queue.Name, sent));
                    if (message.VisibleAgainAt != 0)
                    {
                        var state = new ReceiveState(sent.Sequence, message.ReceiveCount, message.FirstReceiveAt, message.VisibleAgainAt);
                        WriteRecord(file, (byte)QueueRecordType.MessagesReceived, (ref PayloadWriter w) => QueueRecords.WriteMessagesReceived(ref w, queue.Name, [state]));
                    }
                }

                // FIFO: deduplication records of deleted messages that have not lapsed, as a send and its delete.
                foreach (var gone in queue.DeletedDeduplication.Values)
                {
                    if (gone.DeduplicationExpiresAt > now)
                    {
                        WriteRecord(file, (byte)QueueRecordType.MessageSent, (ref PayloadWriter w) => QueueRecords.WriteMessageSent(ref w, queue.Name, gone));
                        WriteRecord(file, (byte)QueueRecordType.MessagesDeleted, (ref PayloadWriter w) => QueueRecords.WriteMessagesDeleted(ref w, queue.Name, [gone.Sequence]));
                    }
                }
            }

            foreach (var topic in replay.Topics.Topics)
            {
                WriteRecord(file, (byte)TopicRecordType.TopicCreated, (ref PayloadWriter w) => TopicReplay.WriteTopicCreated(ref w, topic.Name, topic.Options));
                foreach (var (arn, (queue, attributes)) in topic.Subscriptions)
                {
                    WriteRecord(file, (byte)TopicRecordType.SubscriptionSaved, (ref PayloadWriter w) => TopicReplay.WriteSubscriptionSaved(ref w, topic.Name, arn, queue, attributes));
                }
            }

            WriteRecord(file, (byte)StreamRecordType.StreamIdsUsed, (ref PayloadWriter w) => StreamReplay.WriteStreamIdsUsed(ref w, replay.Streams.HighestStreamId));
            foreach (var stream in replay.Streams.Streams)
            {
                WriteRecord(file, (byte)StreamRecordType.StreamCreated,
                    (ref PayloadWriter w) => StreamReplay.WriteStreamCreated(ref w, stream.Name, stream.StreamId, stream.IteratorKey, stream.CreatedAtMs, stream.Options));
                WriteRecord(file, (byte)StreamRecordType.SettingsChanged,
                    (ref PayloadWriter w) => StreamReplay.WriteSettingsChanged(ref w, stream.Name, stream.RetentionMs, stream.MaxRecordBytes, stream.ExpiredUpToMs));
                WriteRecord(file, (byte)StreamRecordType.ShardsChanged,
                    (ref PayloadWriter w) => StreamReplay.WriteShardsChanged(ref w, stream.Name, stream.Shards, stream.ScalingTimes));
                foreach (var (consumer, (arn, createdAtMs)) in stream.Consumers)
                {
                    WriteRecord(file, (byte)StreamRecordType.ConsumerRegistered,
                        (ref PayloadWriter w) => StreamReplay.WriteConsumerRegistered(ref w, stream.Name, consumer, arn, createdAtMs));
                }
            }

            foreach (var (application, leases) in replay.Streams.Leases)
            {
                foreach (var lease in leases.Values)
                {
                    WriteRecord(file, (byte)StreamRecordType.LeaseSaved, (ref PayloadWriter w) => StreamReplay.WriteLeaseSaved(ref w, application, lease));
                }
            }

            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, snapshotPath, overwrite: true);
        DirectorySync.Flush(directory); // the rename is durable before the segments it replaces go
        foreach (var (id, path) in sealedSegments)
        {
            if (id < snapshotId)
            {
                File.Delete(path);
            }
        }

        DirectorySync.Flush(directory);

        return new FileInfo(snapshotPath).Length;
    }

    /// <summary>
    /// Rebuilds what sealed segments hold, as compaction writes it: first the deletes, and which stretches of the
    /// segments can change nothing the replay builds (<see cref="ReplayPlan"/>); then the replay of the others, which
    /// skips the sends of standard messages deleted further on. Nearly every message of a busy queue's history is such a
    /// message: rebuilding each one (a copy of its body, its attributes) was most of what a compaction allocated, and
    /// reading the stretches that hold only such messages most of the time it took.
    /// </summary>
    internal static BrokerReplay ReplaySealed(IReadOnlyList<(long Id, string Path)> sealedSegments, int regionShift = ReplayPlan.DefaultRegionShift)
    {
        var plan = new ReplayPlan(regionShift);
        for (var i = 0; i < sealedSegments.Count; i++)
        {
            var segment = i;
            var scan = SegmentScanner.Scan(sealedSegments[i].Path, isLastSegment: false, (type, payload, offset) => plan.Apply(segment, offset, type, payload));
            if (scan.End != SegmentEnd.Clean)
            {
                throw new BrokerException(BrokerErrorCodes.InternalFailure, $"Compaction stopped, nothing was changed: {scan.Problem}.");
            }
        }

        var replay = new BrokerReplay(plan.Deleted);
        foreach (var range in plan.RangesToReplay())
        {
            SegmentScanner.ScanRange(sealedSegments[range.Segment].Path, range.From, range.To, (type, payload, _) => replay.Apply(type, payload));
        }

        foreach (var queue in replay.Queues.Queues)
        {
            // The records left unread named sequences too: none of them may be given out again.
            queue.HighestSequence = Math.Max(queue.HighestSequence, plan.HighestSequence(queue.CreationOrder));
        }

        return replay;
    }

    /// <summary>Deletes snapshots a crash left half-written (start-up, before recovery reads the directory).</summary>
    public static void DeleteLeftovers(string directory)
    {
        foreach (var leftover in Directory.EnumerateFiles(directory, "*" + SegmentFiles.Extension + TemporarySuffix))
        {
            File.Delete(leftover);
        }
    }

    private static void WriteRecord(FileStream file, byte type, PayloadAction write)
    {
        var payload = new PayloadWriter(256);
        try
        {
            write(ref payload);
            var length = JournalFrame.FrameLength(payload.Written.Length);
            var frame = ArrayPool<byte>.Shared.Rent(length);
            JournalFrame.Write(frame, type, payload.Written);
            file.Write(frame, 0, length);
            ArrayPool<byte>.Shared.Return(frame);
        }
        finally
        {
            payload.Dispose();
        }
    }
}
