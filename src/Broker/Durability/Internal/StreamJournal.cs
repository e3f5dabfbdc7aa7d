using System.Collections.Concurrent;
using System.Globalization;
using Broker.Internal;

namespace Broker.Durability.Internal;

/// <summary>The record types of a stream's own journal (128 and up; the main journal never holds them).</summary>
internal enum StreamLogRecordType : byte
{
    /// <summary>Records a put stored: for each, its shard, position, arrival, partition key and data.</summary>
    RecordsPut = 128,

    /// <summary>
    /// Each shard's reserved count when a segment began: a floor for its next position, so that sequence numbers never go
    /// back once retention has deleted every segment that held the shard's records.
    /// </summary>
    Watermarks = 129,
}

/// <summary>One record read back from a stream's journal.</summary>
internal readonly record struct JournaledRecord(long Position, long ArrivalMs, string PartitionKey, byte[] Data);

/// <summary>What a stream's journal held at start-up, by shard index.</summary>
internal sealed class StreamLogRecovery
{
    public Dictionary<int, List<JournaledRecord>> Records { get; } = [];

    public Dictionary<int, long> Watermarks { get; } = [];

    public long RecordCount { get; set; }

    public JournalRecovery Journal { get; set; }
}

/// <summary>
/// A durable stream's records: a journal of their own, in a directory of the stream's, so that retention deletes whole
/// segments once their newest record has expired, and the main journal (configuration, queues) never copies them.
/// </summary>
/// <remarks>
/// A put reserves its positions in the shard logs, appends one record naming them, and publishes them to readers once
/// the append is as durable as the policy says. Concurrent puts can reach the journal out of position order, so after
/// a crash a shard may hold position p + 1 but not p (p's put was never acknowledged); recovery fills p with a skip
/// marker. Every segment begins (soon after it opens) with each shard's reserved count, a floor for the next position.
/// </remarks>
internal sealed class StreamJournal : IAsyncDisposable
{
    private readonly string directory;

    /// <summary>Sealed segments, oldest first, with the newest arrival any of their records can have.</summary>
    private readonly ConcurrentQueue<(long Id, long MaxArrivalMs)> sealedSegments = new();

    /// <summary>The newest arrival appended so far; a segment sealed now holds nothing newer.</summary>
    private long maxArrivalMs = long.MinValue;
    private JournalWriter? writer;

    private StreamJournal(string directory) => this.directory = directory;

    /// <summary>The journal's directory.</summary>
    public string Directory => directory;

    /// <summary>The writer, once <see cref="Start"/> ran.</summary>
    public JournalWriter Writer => writer ?? throw new InvalidOperationException("The stream journal has not started.");

    /// <summary>The directory of a stream's journal under the broker's journal directory.</summary>
    public static string DirectoryOf(string root, int streamId) =>
        Path.Combine(root, "streams", streamId.ToString("D10", CultureInfo.InvariantCulture));

    /// <summary>Reads a stream's journal back (creating its directory if missing).</summary>
    public static StreamJournal Open(string directory, out StreamLogRecovery recovered)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.CreateDirectory(directory);
            var streamsRoot = Path.GetDirectoryName(directory)!;
            DirectorySync.Flush(streamsRoot);
            DirectorySync.Flush(Path.GetDirectoryName(streamsRoot)!);
        }

        var journal = new StreamJournal(directory);
        var log = new StreamLogRecovery();
        var segmentMax = long.MinValue;
        log.Journal = JournalReader.Recover(
            directory,
            (type, payload, _) => segmentMax = Math.Max(segmentMax, Read(type, payload, log)),
            id =>
            {
                journal.sealedSegments.Enqueue((id, segmentMax));
                journal.maxArrivalMs = Math.Max(journal.maxArrivalMs, segmentMax);
                segmentMax = long.MinValue;
            });
        recovered = log;
        return journal;
    }

    /// <summary>
    /// Opens the journal for writing after what it holds. <paramref name="rolled"/> runs on the writer loop each time a
    /// segment fills (the stream writes its watermarks and applies retention there); it must not throw.
    /// </summary>
    public void Start(JournalWriterOptions template, Action rolled)
    {
        var lastSegment = sealedSegments.IsEmpty ? 0 : sealedSegments.Last().Id;
        writer = JournalWriter.Start(
            template with
            {
                Directory = directory,
                CompactionNeeded = null,
                SegmentRolled = id =>
                {
                    sealedSegments.Enqueue((id, Volatile.Read(ref maxArrivalMs)));
                    rolled();
                },
            },
            lastSegment + 1);
    }

    /// <summary>Notes the arrival of a record about to be appended (before the append, so a seal sees it).</summary>
    public void Arriving(long arrivalMs) => AtomicMax.Raise(ref maxArrivalMs, arrivalMs);

    /// <summary>
    /// Deletes sealed segments whose newest record had expired by <paramref name="nowMs"/> (readable while now &lt;
    /// arrival + retention), oldest first; the segment being written is never deleted. Returns how many.
    /// </summary>
    public int DeleteExpiredSegments(long nowMs, long retentionMs, long expiredUpToMs)
    {
        var deleted = 0;
        while (sealedSegments.TryPeek(out var oldest)
            && (oldest.MaxArrivalMs == long.MinValue || oldest.MaxArrivalMs + retentionMs <= nowMs || oldest.MaxArrivalMs <= expiredUpToMs)
            && (writer is null || oldest.Id < writer.SegmentId)
            && sealedSegments.TryDequeue(out oldest))
        {
            File.Delete(SegmentFiles.PathOf(directory, oldest.Id));
            deleted++;
        }

        return deleted;
    }

    /// <summary>The segment files the journal holds now (tests).</summary>
    public int SegmentCount => SegmentFiles.List(directory).Count;

    public static void WriteRecordsPut(ref PayloadWriter writer, ReadOnlySpan<PutEntry> entries)
    {
        writer.WriteVarInt(entries.Length);
        foreach (var entry in entries)
        {
            writer.WriteVarInt(entry.ShardIndex);
            writer.WriteVarInt(entry.Position);
            writer.WriteVarInt(entry.ArrivalMs);
            writer.WriteString(entry.PartitionKey);
            writer.WriteBytes(entry.Data);
        }
    }

    public static void WriteWatermarks(ref PayloadWriter writer, ReadOnlySpan<(int ShardIndex, long Reserved)> watermarks)
    {
        writer.WriteVarInt(watermarks.Length);
        foreach (var (shard, reserved) in watermarks)
        {
            writer.WriteVarInt(shard);
            writer.WriteVarInt(reserved);
        }
    }

    /// <summary>Appends one put's record; completes when it is as durable as the policy says.</summary>
    public ValueTask AppendPut(ReadOnlySpan<PutEntry> entries, int dataBytes)
    {
        var payload = JournalWriter.StartRecord(16 + dataBytes + (entries.Length * 48));
        WriteRecordsPut(ref payload, entries);
        return Writer.AppendAsync((byte)StreamLogRecordType.RecordsPut, ref payload);
    }

    /// <summary>Appends the shards' watermarks; nobody waits for them (a later awaited record covers them).</summary>
    public void AppendWatermarks(ReadOnlySpan<(int ShardIndex, long Reserved)> watermarks)
    {
        var payload = JournalWriter.StartRecord(16 + (watermarks.Length * 12));
        WriteWatermarks(ref payload, watermarks);
        Writer.Append((byte)StreamLogRecordType.Watermarks, ref payload);
    }

    /// <summary>As <see cref="AppendWatermarks"/>, for a caller that waits for the record (start-up, before old segments may be deleted).</summary>
    public ValueTask AppendWatermarksAsync(ReadOnlySpan<(int ShardIndex, long Reserved)> watermarks)
    {
        var payload = JournalWriter.StartRecord(16 + (watermarks.Length * 12));
        WriteWatermarks(ref payload, watermarks);
        return Writer.AppendAsync((byte)StreamLogRecordType.Watermarks, ref payload);
    }

    /// <summary>Writes what is queued, flushes it and closes the journal.</summary>
    public ValueTask DisposeAsync() => writer?.DisposeAsync() ?? default;

    /// <summary>Deletes the closed journal's directory (the stream was deleted, and its deletion is journaled).</summary>
    public void DeleteFiles()
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left behind: the next start deletes directories of streams the journal does not hold.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    /// <summary>Applies one record to <paramref name="log"/>; returns the newest arrival it names (or long.MinValue).</summary>
    private static long Read(byte type, ReadOnlySpan<byte> payload, StreamLogRecovery log)
    {
        var reader = new PayloadReader(payload);
        var newest = long.MinValue;
        switch ((StreamLogRecordType)type)
        {
            case StreamLogRecordType.RecordsPut:
            {
                var count = reader.ReadLength();
                for (var i = 0; i < count; i++)
                {
                    var shard = checked((int)reader.ReadVarInt());
                    var position = reader.ReadVarInt();
                    var arrivalMs = reader.ReadVarInt();
                    var key = reader.ReadString();
                    var data = reader.ReadBytes().ToArray();
                    if (!log.Records.TryGetValue(shard, out var records))
                    {
                        records = [];
                        log.Records.Add(shard, records);
                    }

                    records.Add(new JournaledRecord(position, arrivalMs, key, data));
                    log.RecordCount++;
                    newest = Math.Max(newest, arrivalMs);
                }

                break;
            }

            case StreamLogRecordType.Watermarks:
            {
                var count = reader.ReadLength();
                for (var i = 0; i < count; i++)
                {
                    var shard = checked((int)reader.ReadVarInt());
                    var reserved = reader.ReadVarInt();
                    log.Watermarks[shard] = Math.Max(log.Watermarks.GetValueOrDefault(shard), reserved);
                }

                break;
            }

            default:
                throw new InvalidDataException($"record type {type} is not a stream journal record (a journal written by a newer version?)");
        }

        if (!reader.AtEnd)
        {
            throw new InvalidDataException($"A {(StreamLogRecordType)type} record has bytes left over after its last field.");
        }

        return newest;
    }
}

/// <summary>One record of a put, as its journal record names it.</summary>
internal readonly record struct PutEntry(int ShardIndex, long Position, long ArrivalMs, string PartitionKey, ArraySegment<byte> Data);
