using System.Diagnostics;
using System.Numerics;
using Broker.Internal;

namespace Broker.Streams.Internal;

/// <summary>
/// One shard's records: an append-only log in chunks of slots, written and read without locks.
/// <para>
/// Invariants. <see cref="reserved"/> counts positions handed to writers (a CAS loop, so that closing the log with
/// <see cref="ClosedBit"/> stops further reservations exactly). A writer reserves a position, or a range of them (<see cref="TryReserve(int)"/>), fills
/// each slot and then writes its <see cref="Slot.Arrival"/> last (a release), which marks the slot complete. <see cref="published"/> is the length of
/// the complete prefix: whoever completes a slot advances it over every complete slot after it (helping), so records
/// become visible in position order and no writer ever waits for another. <see cref="trimHorizon"/> only grows and never
/// passes <see cref="published"/>; slots below it have their data released, and chunks wholly below it are dropped from
/// the <see cref="directory"/>, a snapshot replaced by CAS. Readers take <see cref="published"/>, then the directory,
/// then the trim horizon, in that order, so every position they may read has its chunk in the snapshot they hold.
/// </para>
/// </summary>
internal sealed class ShardLog
{
    private const long ClosedBit = 1L << 62;

    /// <summary>Chunks 0 to 3 hold 64, 128, 256 and 512 slots, so an idle shard costs little; every later chunk holds 1,024.</summary>
    private const int SmallChunks = 4;
    private const int FirstChunkSize = 64;
    private const int ChunkSize = 1024;
    private const long SmallChunksTotal = FirstChunkSize * ((1 << SmallChunks) - 1);

    private Directory directory = new([], 0);

    /// <summary>
    /// The shard's creation: no record arrives before it. A put reads the clock before it is routed, so without this a
    /// record routed to a child created by a reshard a moment later would carry an arrival older than its parent's last
    /// record, expire first, and drop the child from ListShards while the parent is still listed: a consumer that, as the
    /// KCL does, reads a shard once its parents are read or gone would then read the grandchildren before the parent.
    /// </summary>
    private readonly long arrivalFloorMs;

    private long reserved;
    private long published;
    private long trimHorizon;

    /// <summary>The latest arrival of any record completed so far (see <see cref="LatestArrivalMs"/>).</summary>
    private long latestArrivalMs = long.MinValue;

    /// <param name="arrivalFloorMs">When the shard was created, Unix milliseconds.</param>
    public ShardLog(long arrivalFloorMs = 0) => this.arrivalFloorMs = arrivalFloorMs;

    /// <summary>
    /// The latest arrival of any record completed so far, <see cref="long.MinValue"/> before the first. Producers racing
    /// on one shard complete out of arrival order (each read the clock before it reserved its position), so the last
    /// position's arrival is not always the youngest: a shard is past retention only when this is.
    /// </summary>
    public long LatestArrivalMs => Volatile.Read(ref latestArrivalMs);

    /// <summary>
    /// One record: 32 bytes and its data, with no other per-record object. The data is a range of an array the stream
    /// owns: the record's own, or one a PutRecords request shares among its small records.
    /// </summary>
    internal struct Slot
    {
        public byte[]? Data;
        public PartitionKeyInfo? Key;

        /// <summary>Arrival in Unix milliseconds plus one; 0 while the writer has not finished the slot.</summary>
        public long Arrival;

        /// <summary>Where the record's data starts in <see cref="Data"/>; written before <see cref="Arrival"/>, then fixed.</summary>
        public int Offset;

        /// <summary>The record's data length; written before <see cref="Arrival"/>, then fixed.</summary>
        public int Length;
    }

    /// <summary>The chunks from <see cref="First"/> on; immutable, replaced whole.</summary>
    internal sealed class Directory(Slot[][] chunks, int first)
    {
        public Slot[][] Chunks { get; } = chunks;

        public int First { get; } = first;

        public int End => First + Chunks.Length;
    }

    /// <summary>The number of complete records ever appended (positions 0 to this − 1 are readable unless trimmed).</summary>
    public long Published => Volatile.Read(ref published);

    /// <summary>The first position not yet trimmed by retention.</summary>
    public long TrimHorizon => Volatile.Read(ref trimHorizon);

    /// <summary>The number of positions handed to writers (some may not be published yet).</summary>
    public long Reserved => Volatile.Read(ref reserved) & ~ClosedBit;

    /// <summary>Whether <see cref="Close"/> was called.</summary>
    public bool IsClosed => (Volatile.Read(ref reserved) & ClosedBit) != 0;

    /// <summary>
    /// Reserves the next position without filling it (a durable put journals its record first); returns it, or −1 when
    /// the log is closed. Positions after it are not published until <see cref="Complete"/> fills it, so a caller that
    /// reserves must complete, with <see cref="Skip"/> if its record could not be kept.
    /// </summary>
    public long TryReserve() => TryReserve(1);

    /// <summary>
    /// Reserves <paramref name="count"/> consecutive positions at once; returns the first, or −1 when the log is closed.
    /// The caller fills each with <see cref="Fill"/> and then completes them all with <see cref="CompleteRange"/>.
    /// </summary>
    public long TryReserve(int count)
    {
        long position;
        do
        {
            position = Volatile.Read(ref reserved);
            if ((position & ClosedBit) != 0)
            {
                return -1;
            }
        }
        while (Interlocked.CompareExchange(ref reserved, position + count, position) != position);

        return position;
    }

    /// <summary>Writes a reserved position's record without completing it: readers see it once <see cref="CompleteRange"/> marks it complete.</summary>
    public void Fill(long position, ArraySegment<byte> data, PartitionKeyInfo key)
    {
        ref var slot = ref SlotAt(EnsureChunk(position), position);
        slot.Data = data.Array;
        slot.Offset = data.Offset;
        slot.Length = data.Count;
        slot.Key = key;
    }

    /// <summary>
    /// Completes <paramref name="count"/> positions from <paramref name="first"/>, each written with <see cref="Fill"/>:
    /// marks them complete in order and publishes every complete position from the published prefix on, as
    /// <see cref="Complete"/> does for one.
    /// </summary>
    public void CompleteRange(long first, int count, long arrivalMs)
    {
        arrivalMs = Math.Max(arrivalMs, arrivalFloorMs);
        AtomicMax.Raise(ref latestArrivalMs, arrivalMs);
        var dir = Volatile.Read(ref directory);
        for (var position = first; position < first + count; position++)
        {
            Volatile.Write(ref SlotAt(dir, position).Arrival, arrivalMs + 1);
        }

        // The full fence Complete takes, for the same reason: Publish's reads must not move before the writes above.
        Interlocked.MemoryBarrier();
        Publish();
    }

    /// <summary>Fills a reserved position and publishes every complete position from the published prefix on.</summary>
    public void Complete(long position, ArraySegment<byte> data, PartitionKeyInfo? key, long arrivalMs)
    {
        arrivalMs = Math.Max(arrivalMs, arrivalFloorMs);
        AtomicMax.Raise(ref latestArrivalMs, arrivalMs);
        var dir = EnsureChunk(position);
        ref var slot = ref SlotAt(dir, position);
        slot.Data = data.Array;
        slot.Offset = data.Offset;
        slot.Length = data.Count;
        slot.Key = key;
        // A full fence, not a release: Publish below reads `published` and the slot before ours, and those reads must not
        // move before this write, or this writer and the one before it could each miss the other's completed slot.
        Interlocked.Exchange(ref slot.Arrival, arrivalMs + 1);
        Publish();
    }

    /// <summary>
    /// Fills a reserved position with a skip marker: a position that holds no record (its put failed, or a crash lost an
    /// unacknowledged one). Readers pass over it as they pass over a trimmed record; the sequence numbers around it keep
    /// their meaning.
    /// </summary>
    public void Skip(long position, long arrivalMs) => Complete(position, default, null, arrivalMs);

    /// <summary>
    /// Recovery, before anyone else sees the log: it starts at <paramref name="horizon"/> (earlier positions expired and
    /// were deleted) and ends before <paramref name="next"/>. <paramref name="records"/> are sorted by position, within
    /// that range; every position they do not name becomes a skip marker, with the arrival of the record before it (or
    /// after it, at the start; <paramref name="emptyArrivalMs"/> when there is none), so arrivals stay in order for
    /// retention and AT_TIMESTAMP.
    /// </summary>
    public void Restore(long horizon, long next, ReadOnlySpan<RestoredRecord> records, long emptyArrivalMs)
    {
        Debug.Assert(Volatile.Read(ref reserved) == 0 && next >= horizon, "Restore runs once, on a new log.");
        var (first, _) = Locate(horizon);
        directory = new Directory([], first);
        reserved = published = trimHorizon = horizon;
        var lastArrival = records.IsEmpty ? emptyArrivalMs : records[0].ArrivalMs;
        var index = 0;
        for (var position = horizon; position < next; position++)
        {
            reserved = position + 1;
            if (index < records.Length && records[index].Position == position)
            {
                var record = records[index++];
                lastArrival = record.ArrivalMs;
                Complete(position, new ArraySegment<byte>(record.Data), record.Key, record.ArrivalMs);
            }
            else
            {
                Skip(position, lastArrival);
            }
        }
    }

    /// <summary>A record read back from a stream's journal.</summary>
    internal readonly record struct RestoredRecord(long Position, byte[] Data, PartitionKeyInfo Key, long ArrivalMs);

    /// <summary>Stops appends; returns the final record count, which <see cref="Published"/> reaches once writers under way finish.</summary>
    public long Close() => Interlocked.Or(ref reserved, ClosedBit) & ~ClosedBit;

    /// <summary>The final record count of a closed log, or −1 while it is open.</summary>
    public long FinalCount
    {
        get
        {
            var r = Volatile.Read(ref reserved);
            return (r & ClosedBit) != 0 ? r & ~ClosedBit : -1;
        }
    }

    /// <summary>A consistent view for reading positions in [<see cref="View.Horizon"/>, <see cref="View.Published"/>).</summary>
    public View Snapshot()
    {
        var pub = Volatile.Read(ref published);
        var dir = Volatile.Read(ref directory);
        var horizon = Math.Min(Volatile.Read(ref trimHorizon), pub);
        return new View(dir, pub, horizon);
    }

    /// <summary>
    /// Advances the trim horizon over every record no longer readable at <paramref name="nowMs"/> (readable while
    /// now &lt; arrival + retention), releases their data and drops whole chunks. Costs one slot read when nothing expired.
    /// </summary>
    public void Trim(long nowMs, long retentionMs)
    {
        var view = Snapshot();
        var start = view.Horizon;
        if (start >= view.Published || view.ArrivalMs(start) + retentionMs > nowMs)
        {
            return;
        }

        var end = start + 1;
        while (end < view.Published && view.ArrivalMs(end) + retentionMs <= nowMs)
        {
            end++;
        }

        var current = start;
        while (current < end)
        {
            var seen = Interlocked.CompareExchange(ref trimHorizon, end, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }

        // Release the data of every trimmed slot this view still holds; racing trimmers do the same, idempotently.
        for (var position = start; position < end; position++)
        {
            ref var slot = ref SlotAt(view.Directory, position);
            slot.Data = null;
            slot.Key = null;
        }

        DropChunksBelow(Volatile.Read(ref trimHorizon));
    }

    /// <summary>Advances <see cref="published"/> over every complete slot after it, a run at a time (one CAS per run, not per slot).</summary>
    private void Publish()
    {
        while (true)
        {
            var position = Volatile.Read(ref published);
            var limit = Volatile.Read(ref reserved) & ~ClosedBit;
            var dir = Volatile.Read(ref directory);
            var end = position;
            while (end < limit && Locate(end).Chunk < dir.End && Volatile.Read(ref SlotAt(dir, end).Arrival) != 0)
            {
                end++;
            }

            if (end == position)
            {
                return; // Nothing to publish, or the writer of that slot has not finished: it will publish when it does.
            }

            Interlocked.CompareExchange(ref published, end, position);
        }
    }

    private Directory EnsureChunk(long position)
    {
        var (chunk, _) = Locate(position);
        while (true)
        {
            var dir = Volatile.Read(ref directory);
            if (chunk < dir.End)
            {
                return dir;
            }

            var chunks = new Slot[dir.Chunks.Length + 1][];
            dir.Chunks.CopyTo(chunks, 0);
            chunks[^1] = new Slot[SizeOf(dir.End)];
            Interlocked.CompareExchange(ref directory, new Directory(chunks, dir.First), dir);
        }
    }

    private void DropChunksBelow(long horizon)
    {
        var (keep, _) = Locate(horizon);
        while (true)
        {
            var dir = Volatile.Read(ref directory);
            var drop = Math.Min(keep, dir.End) - dir.First;
            if (drop <= 0)
            {
                return;
            }

            var next = new Directory(dir.Chunks[drop..], dir.First + drop);
            if (Interlocked.CompareExchange(ref directory, next, dir) == dir)
            {
                return;
            }
        }
    }

    private static int SizeOf(int chunk) => chunk < SmallChunks ? FirstChunkSize << chunk : ChunkSize;

    private static (int Chunk, int Offset) Locate(long position)
    {
        if (position < SmallChunksTotal)
        {
            var chunk = BitOperations.Log2((ulong)(position / FirstChunkSize) + 1);
            return (chunk, (int)(position - (FirstChunkSize * ((1L << chunk) - 1))));
        }

        var rest = position - SmallChunksTotal;
        return ((int)(SmallChunks + (rest / ChunkSize)), (int)(rest % ChunkSize));
    }

    private static ref Slot SlotAt(Directory dir, long position)
    {
        var (chunk, offset) = Locate(position);
        Debug.Assert(chunk >= dir.First && chunk < dir.End, "The directory holds the chunk of every readable position.");
        return ref dir.Chunks[chunk - dir.First][offset];
    }

    /// <summary>What a reader holds: a directory snapshot and the bounds it may read.</summary>
    internal readonly struct View(Directory directory, long published, long horizon)
    {
        internal Directory Directory { get; } = directory;

        public long Published { get; } = published;

        public long Horizon { get; } = horizon;

        public long ArrivalMs(long position) => Volatile.Read(ref SlotAt(Directory, position).Arrival) - 1;

        /// <summary>The record at a position, or false when retention released it meanwhile.</summary>
        public bool TryRead(long position, out ReadOnlyMemory<byte> data, out PartitionKeyInfo key, out long arrivalMs)
        {
            ref var slot = ref SlotAt(Directory, position);
            arrivalMs = Volatile.Read(ref slot.Arrival) - 1;
            var array = Volatile.Read(ref slot.Data);
            key = Volatile.Read(ref slot.Key)!;
            if (array is null || key is null)
            {
                data = default;
                return false;
            }

            data = new ReadOnlyMemory<byte>(array, slot.Offset, slot.Length);
            return true;
        }
    }
}
