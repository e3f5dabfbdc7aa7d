namespace Broker.Durability.Internal;

/// <summary>A stretch of a sealed segment that compaction's replay reads: the records whose frames start in [From, To).</summary>
/// <param name="Segment">The segment's index in the list being compacted.</param>
/// <param name="From">The file offset of the stretch's first record.</param>
/// <param name="To">The offset the stretch ends before; <see cref="long.MaxValue"/> for the segment's end.</param>
internal readonly record struct ReplayRange(int Segment, long From, long To);

/// <summary>
/// Compaction's first pass over the sealed segments: their deletes (<see cref="Deleted"/>), and which stretches of them
/// the replay still has to read. The segments are cut in regions of 2^<c>regionShift</c> bytes (1 MiB by default); a
/// region whose records are all sends, receives, visibility changes and deletes of standard queues, and whose sends,
/// receives and visibility changes all name messages deleted further on, can change nothing the replay builds (it
/// would skip each of them), so the replay does not read it. On a busy queue nearly every region of the history is
/// such a region, and the replay reads only the last ones, where the messages still live were sent.
/// </summary>
/// <remarks>
/// Queue incarnations are numbered as <see cref="QueueReplay"/> numbers them (one per QueueCreated or QueueSnapshot
/// record). The highest sequence each incarnation's records name is kept (<see cref="HighestSequence"/>), since the
/// replay, which would have taken it from the records it no longer reads, must still never give it out again. A region
/// with any other record (a queue's settings, a FIFO queue's records, whose deletes keep deduplication records, a topic's
/// or a stream's records) is read.
/// </remarks>
internal sealed class ReplayPlan
{
    /// <summary>Regions of 1 MiB: a 64 MiB segment in 64 of them.</summary>
    public const int DefaultRegionShift = 20;

    /// <summary>A region naming messages of more queues than this is read without checking them.</summary>
    private const int MaxQueuesPerRegion = 8;

    private static readonly byte[] FifoSuffix = ".fifo"u8.ToArray();

    private readonly int regionShift;
    private readonly Dictionary<string, long> incarnations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> byName;
    private readonly Dictionary<long, long> highest = [];
    private readonly List<Region> regions = [];
    private long creations;
    private byte[] lastName = [];
    private long lastIncarnation = -1;
    private long sawQueue = -1; // the incarnation Saw was last called for, and the highest sequence seen of it: the
    private long sawHighest;    // records of one queue come in runs, so the table is looked at when the queue changes
    private Region? current;

    public ReplayPlan(int regionShift = DefaultRegionShift)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(regionShift, 4);
        this.regionShift = regionShift;
        byName = incarnations.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>What the records seen so far delete.</summary>
    public DeletedSequences Deleted { get; } = new();

    /// <summary>The highest sequence the records of queue incarnation <paramref name="queue"/> name; 0 if none.</summary>
    public long HighestSequence(long queue)
    {
        KeepSaw();
        return highest.GetValueOrDefault(queue);
    }

    /// <summary>Takes note of one record of segment <paramref name="segment"/> (in order), whose frame starts at <paramref name="offset"/>.</summary>
    public void Apply(int segment, long offset, byte recordType, ReadOnlySpan<byte> payload)
    {
        var index = offset >> regionShift;
        if (current is null || current.Segment != segment || current.Index != index)
        {
            current = new Region(segment, index, offset);
            regions.Add(current);
        }

        if (!QueueReplay.Handles(recordType))
        {
            current.Keep = true; // a topic's, a stream's or a lease's record
            return;
        }

        var reader = new PayloadReader(payload);
        switch ((QueueRecordType)recordType)
        {
            case QueueRecordType.QueueCreated:
            case QueueRecordType.QueueSnapshot:
                incarnations[reader.ReadString()] = creations++;
                (lastName, lastIncarnation) = ([], -1);
                current.Keep = true;
                break;

            case QueueRecordType.QueueDeleted:
                incarnations.Remove(reader.ReadString());
                (lastName, lastIncarnation) = ([], -1);
                current.Keep = true;
                break;

            case QueueRecordType.MessagesDeleted:
            {
                var (queue, fifo) = Find(reader.ReadBytes());
                current.Keep |= fifo && queue >= 0;
                for (var count = QueueRecords.ReadEntryCount(ref reader); count > 0 && queue >= 0; count--)
                {
                    var sequence = QueueRecords.ReadDeletedSequence(ref reader);
                    Deleted.Add(queue, sequence);
                    Saw(queue, sequence);
                }

                break;
            }

            case QueueRecordType.MessageSent:
            case QueueRecordType.MessageSentV1:
            case QueueRecordType.VisibilityChanged:
            {
                var (queue, fifo) = Find(reader.ReadBytes());
                if (queue >= 0)
                {
                    // Each starts with the sequence after the name; the replay takes a sequence a send names, not one a
                    // visibility change names (which changes nothing unless its message is there).
                    Named(queue, fifo, reader.ReadVarInt(), taken: recordType != (byte)QueueRecordType.VisibilityChanged);
                }

                break;
            }

            case QueueRecordType.MessagesReceived:
            case QueueRecordType.MessagesReceivedV1:
            {
                var (queue, fifo) = Find(reader.ReadBytes());
                var received = ReceiveRecordReader.Start(ref reader, (QueueRecordType)recordType);
                while (queue >= 0 && received.Remaining > 0)
                {
                    Named(queue, fifo, received.Next(ref reader).Sequence, taken: true);
                }

                break;
            }

            default:
                current.Keep = true; // a queue's settings changed, a FIFO queue's deduplication cleared
                break;
        }
    }

    /// <summary>The stretches of the segments the replay reads, in order: runs of regions that may change what it builds.</summary>
    public List<ReplayRange> RangesToReplay()
    {
        var ranges = new List<ReplayRange>();
        for (var i = 0; i < regions.Count; i++)
        {
            var region = regions[i];
            if (!region.Keep && region.Queues.TrueForAll(q => Deleted.ContainsAll(q.Queue, q.Min, q.Max)))
            {
                continue;
            }

            var to = i + 1 < regions.Count && regions[i + 1].Segment == region.Segment ? regions[i + 1].Start : long.MaxValue;
            if (ranges.Count > 0 && ranges[^1].Segment == region.Segment && ranges[^1].To == region.Start)
            {
                ranges[^1] = ranges[^1] with { To = to };
            }
            else
            {
                ranges.Add(new ReplayRange(region.Segment, region.Start, to));
            }
        }

        return ranges;
    }

    /// <summary>
    /// A send, receive or visibility change names <paramref name="sequence"/> of <paramref name="queue"/>; a sequence
    /// <paramref name="taken"/> counts toward the queue's highest, as the replay counts it.
    /// </summary>
    private void Named(long queue, bool fifo, long sequence, bool taken)
    {
        if (taken)
        {
            Saw(queue, sequence);
        }

        var region = current!;
        if (fifo)
        {
            region.Keep = true;
            return;
        }

        var queues = region.Queues;
        for (var i = 0; i < queues.Count; i++)
        {
            if (queues[i].Queue == queue)
            {
                var (_, min, max) = queues[i];
                queues[i] = (queue, Math.Min(min, sequence), Math.Max(max, sequence));
                return;
            }
        }

        if (queues.Count == MaxQueuesPerRegion)
        {
            region.Keep = true;
            return;
        }

        queues.Add((queue, sequence, sequence));
    }

    private void Saw(long queue, long sequence)
    {
        if (queue != sawQueue)
        {
            KeepSaw();
            (sawQueue, sawHighest) = (queue, highest.GetValueOrDefault(queue));
        }

        sawHighest = Math.Max(sawHighest, sequence);
    }

    private void KeepSaw()
    {
        if (sawQueue >= 0)
        {
            highest[sawQueue] = sawHighest;
        }
    }

    /// <summary>The incarnation a record's queue name names (-1 for none) and whether it is a FIFO queue's.</summary>
    private (long Queue, bool Fifo) Find(ReadOnlySpan<byte> utf8Name)
    {
        var fifo = utf8Name.EndsWith(FifoSuffix);
        if (utf8Name.SequenceEqual(lastName))
        {
            return (lastIncarnation, fifo);
        }

        var queue = QueueReplay.TryGetByUtf8Name(byName, utf8Name, out var found) ? found : -1;
        (lastName, lastIncarnation) = (utf8Name.ToArray(), queue);
        return (queue, fifo);
    }

    private sealed class Region(int segment, long index, long start)
    {
        public int Segment { get; } = segment;

        public long Index { get; } = index;

        /// <summary>The file offset of its first record.</summary>
        public long Start { get; } = start;

        /// <summary>Whether it holds a record the replay reads whatever was deleted.</summary>
        public bool Keep { get; set; }

        /// <summary>Per queue incarnation, the lowest and highest sequence its sends, receives and visibility changes name.</summary>
        public List<(long Queue, long Min, long Max)> Queues { get; } = [];
    }
}
