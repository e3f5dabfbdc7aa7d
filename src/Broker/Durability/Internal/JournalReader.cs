using System.Globalization;

namespace Broker.Durability.Internal;

/// <summary>What <see cref="JournalReader.Recover"/> read.</summary>
/// <param name="LastSegmentId">The id of the last segment kept (0 when the directory held none); a writer continues at the next id.</param>
/// <param name="Segments">How many segments were read.</param>
/// <param name="Records">How many valid records were handed to the visitor.</param>
/// <param name="CutTail">When the last segment ended torn: what was cut off, naming the file and offset; otherwise <see langword="null"/>.</param>
internal readonly record struct JournalRecovery(long LastSegmentId, int Segments, long Records, string? CutTail);

/// <summary>
/// Reads a journal directory back at start-up: every segment in id order, every valid record to a visitor, a torn tail of
/// the last segment cut off (it was never acknowledged under a flushing policy), and anything else wrong stopping
/// recovery with an <c>InternalFailure</c> that names the file and offset, never skipping data it cannot read.
/// </summary>
internal static class JournalReader
{
    /// <summary>Reads every segment; <paramref name="segmentRead"/>, if given, is told each kept segment's id after its records.</summary>
    public static JournalRecovery Recover(string directory, JournalRecordVisitor visitor, Action<long>? segmentRead = null)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        var segments = SegmentFiles.List(directory);
        var records = 0L;
        var lastKept = 0L;
        string? cutTail = null;
        for (var i = 0; i < segments.Count; i++)
        {
            var (id, path) = segments[i];
            if (i > 0 && id != segments[i - 1].Id + 1)
            {
                throw Damaged(string.Create(CultureInfo.InvariantCulture,
                    $"journal directory '{directory}': segment {segments[i - 1].Id + 1} is missing between {SegmentFiles.Name(segments[i - 1].Id)} and {SegmentFiles.Name(id)}"));
            }

            var isLast = i == segments.Count - 1;
            var scan = SegmentScanner.Scan(path, isLast, (type, payload, offset) =>
            {
                try
                {
                    visitor(type, payload, offset);
                }
                catch (InvalidDataException error)
                {
                    throw Damaged(string.Create(CultureInfo.InvariantCulture,
                        $"journal segment '{path}' at offset {offset}: a record of type {type} passed its checksum but does not read back ({error.Message})"));
                }
            });
            records += scan.Records;
            switch (scan.End)
            {
                case SegmentEnd.Corrupt:
                    throw Damaged(scan.Problem);
                case SegmentEnd.TornTail when scan.ValidLength == 0:
                    File.Delete(path); // created, never written: it holds nothing, and the writer creates it again
                    cutTail = scan.Problem;
                    continue;
                case SegmentEnd.TornTail:
                    SegmentScanner.Truncate(path, scan.ValidLength);
                    cutTail = scan.Problem;
                    break;
                case SegmentEnd.Reserved:
                    SegmentScanner.Truncate(path, scan.ValidLength); // the writer's unused reservation, not damage
                    break;
            }

            if (scan.ValidLength > 0 && scan.SegmentId != id)
            {
                throw Damaged(string.Create(CultureInfo.InvariantCulture,
                    $"journal segment '{path}' at offset 0: its header says segment {scan.SegmentId}, its name says {id} (a file copied or renamed into the directory)"));
            }

            lastKept = id;
            segmentRead?.Invoke(id);
        }

        return new JournalRecovery(lastKept, segments.Count, records, cutTail);
    }

    private static BrokerException Damaged(string problem)
        => new(BrokerErrorCodes.InternalFailure,
            $"Recovery stopped: {problem}. Broker does not skip data it cannot read. Restore the file from a backup, or move it " +
            "and every later segment out of the directory to start from the state before it.");
}
