using System.Buffers;
using System.Globalization;

namespace Broker.Durability.Internal;

/// <summary>Receives each valid record of a segment, in order, with the file offset of its frame.</summary>
internal delegate void JournalRecordVisitor(byte recordType, ReadOnlySpan<byte> payload, long offset);

/// <summary>How a segment scan ended.</summary>
internal enum SegmentEnd
{
    /// <summary>Every byte of the file belongs to a valid record.</summary>
    Clean,

    /// <summary>
    /// The last segment ends in a record that was being written when the process stopped (incomplete, or not matching its
    /// checksum, with no valid record after it). Everything before <see cref="SegmentScan.ValidLength"/> is good; the
    /// rest is to be cut off. Such a record was never acknowledged under a flushing policy.
    /// </summary>
    TornTail,

    /// <summary>
    /// The last segment ends in zeros its writer reserved ahead of its records and had not trimmed when the process
    /// stopped: every record is good, <see cref="SegmentScan.ValidLength"/> is where they end, and the zeros are cut
    /// off. Not damage, and not reported.
    /// </summary>
    Reserved,

    /// <summary>
    /// A bad record with valid records after it, or a bad record in a segment that is not the last: damage, not a crash
    /// in mid-write. Recovery stops rather than skip data it cannot read.
    /// </summary>
    Corrupt,
}

/// <summary>The outcome of <see cref="SegmentScanner.Scan"/>.</summary>
/// <param name="SegmentId">The id in the segment's header (0 when the header itself is bad).</param>
/// <param name="End">How the scan ended.</param>
/// <param name="ValidLength">The length of the good prefix: the header and every valid record.</param>
/// <param name="Records">How many valid records were visited.</param>
/// <param name="Problem">For <see cref="SegmentEnd.TornTail"/> and <see cref="SegmentEnd.Corrupt"/>: what is wrong, naming the file and the offset.</param>
internal readonly record struct SegmentScan(long SegmentId, SegmentEnd End, long ValidLength, int Records, string Problem);

/// <summary>
/// Reads a segment file front to back, hands every valid record to a visitor, and tells a torn tail (cut it off) from
/// corruption (stop). The rule: a bad frame in the last segment is a torn tail only when no valid frame starts anywhere
/// after it; otherwise, and in any earlier segment (a segment is flushed before the next one is created), it is corruption.
/// </summary>
internal static class SegmentScanner
{
    private const int ReadSize = 1 << 20;

    /// <summary>Scans <paramref name="path"/>; <paramref name="isLastSegment"/> allows a torn tail.</summary>
    public static SegmentScan Scan(string path, bool isLastSegment, JournalRecordVisitor visitor)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
        var fileLength = file.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            var filled = Fill(file, buffer, 0);
            if (!SegmentHeader.TryRead(buffer.AsSpan(0, filled), out var segmentId, out var headerProblem))
            {
                // The header is written and flushed when a segment is created, before any record: a crash in between
                // leaves a short or zero-filled last segment, which holds nothing and is cut. Anything else is damage.
                return isLastSegment && (fileLength < SegmentHeader.Size || IsAllZero(file, buffer))
                    ? new SegmentScan(0, SegmentEnd.TornTail, 0, 0, Describe(path, 0, $"the segment header was never completely written ({headerProblem})"))
                    : new SegmentScan(0, SegmentEnd.Corrupt, 0, 0, Describe(path, 0, headerProblem));
            }

            var start = SegmentHeader.Size; // offset in buffer of the next frame
            var bufferOffset = 0L;          // file offset of buffer[0]
            var records = 0;
            while (true)
            {
                var status = JournalFrame.Read(buffer.AsSpan(start, filled - start), out var type, out var payloadLength, out var required);
                if (status == FrameStatus.Valid)
                {
                    visitor(type, buffer.AsSpan(start + JournalFrame.HeaderSize, payloadLength), bufferOffset + start);
                    start += JournalFrame.FrameLength(payloadLength);
                    records++;
                    continue;
                }

                var frameOffset = bufferOffset + start;
                if (status == FrameStatus.NeedMore && frameOffset + required <= fileLength)
                {
                    ReadOn(file, ref buffer, ref start, ref bufferOffset, ref filled, required);
                    continue;
                }

                if (status == FrameStatus.NeedMore && frameOffset == fileLength)
                {
                    return new SegmentScan(segmentId, SegmentEnd.Clean, frameOffset, records, "");
                }

                var what = status == FrameStatus.NeedMore
                    ? $"the record there is incomplete ({fileLength - frameOffset} of {required} bytes)"
                    : "the record there does not match its checksum or has an impossible header";
                if (!isLastSegment)
                {
                    return new SegmentScan(segmentId, SegmentEnd.Corrupt, frameOffset, records,
                        Describe(path, frameOffset, what + "; it is not the last segment, so it was complete once"));
                }

                // Only zeros from here: the writer's reservation (a frame's type byte is never zero, so no record
                // starts in them). Otherwise a valid frame can only start before the last non-zero byte.
                var dataEnd = EndOfData(file, frameOffset, buffer);
                if (dataEnd == frameOffset)
                {
                    return new SegmentScan(segmentId, SegmentEnd.Reserved, frameOffset, records, "");
                }

                var nextValid = FindValidFrameAfter(file, frameOffset + 1, dataEnd);
                return nextValid < 0
                    ? new SegmentScan(segmentId, SegmentEnd.TornTail, frameOffset, records,
                        Describe(path, frameOffset, what + "; nothing valid follows, so it is the write a crash interrupted"))
                    : new SegmentScan(segmentId, SegmentEnd.Corrupt, frameOffset, records,
                        Describe(path, frameOffset, what + string.Create(CultureInfo.InvariantCulture, $"; a valid record follows at offset {nextValid}, so data was damaged")));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Hands the visitor the records whose frames start at or after <paramref name="from"/> (a record's offset) and
    /// before <paramref name="to"/> in a sealed segment that <see cref="Scan"/> found clean (compaction's replay, after
    /// its first pass): a record that does not read back now is an error.
    /// </summary>
    public static void ScanRange(string path, long from, long to, JournalRecordVisitor visitor)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
        var fileLength = file.Length;
        file.Position = from;
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            var filled = Fill(file, buffer, 0);
            var start = 0;          // offset in buffer of the next frame
            var bufferOffset = from; // file offset of buffer[0]
            while (bufferOffset + start < Math.Min(to, fileLength))
            {
                var status = JournalFrame.Read(buffer.AsSpan(start, filled - start), out var type, out var payloadLength, out var required);
                if (status == FrameStatus.Valid)
                {
                    visitor(type, buffer.AsSpan(start + JournalFrame.HeaderSize, payloadLength), bufferOffset + start);
                    start += JournalFrame.FrameLength(payloadLength);
                    continue;
                }

                if (status != FrameStatus.NeedMore || bufferOffset + start + required > fileLength)
                {
                    throw new InvalidDataException(Describe(path, bufferOffset + start, "the record there no longer reads back as it did when the segment was scanned"));
                }

                ReadOn(file, ref buffer, ref start, ref bufferOffset, ref filled, required);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Cuts a segment back to <paramref name="validLength"/> bytes and flushes the new length to disk.</summary>
    public static void Truncate(string path, long validLength)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        file.SetLength(validLength);
        file.Flush(flushToDisk: true);
    }

    private static string Describe(string path, long offset, string what)
        => string.Create(CultureInfo.InvariantCulture, $"journal segment '{path}' at offset {offset}: {what}");

    /// <summary>
    /// For a frame that needs <paramref name="required"/> bytes and the buffer holds fewer of: slides what is left from
    /// <paramref name="start"/> to the front, grows the buffer if one frame needs more, and reads on.
    /// </summary>
    private static void ReadOn(FileStream file, ref byte[] buffer, ref int start, ref long bufferOffset, ref int filled, int required)
    {
        var left = filled - start;
        if (required > buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(required);
            buffer.AsSpan(start, left).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = bigger;
        }
        else
        {
            buffer.AsSpan(start, left).CopyTo(buffer);
        }

        bufferOffset += start;
        start = 0;
        filled = left + Fill(file, buffer, left);
    }

    /// <summary>Reads into <c>buffer[offset..]</c> until it is full or the file ends; returns the bytes read.</summary>
    private static int Fill(FileStream file, byte[] buffer, int offset)
        => file.ReadAtLeast(buffer.AsSpan(offset), buffer.Length - offset, throwOnEndOfStream: false);

    private static bool IsAllZero(FileStream file, byte[] buffer)
    {
        file.Position = 0;
        int read;
        while ((read = file.Read(buffer)) > 0)
        {
            if (buffer.AsSpan(0, read).IndexOfAnyExcept((byte)0) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The offset just past the last non-zero byte at or after <paramref name="from"/>; <paramref name="from"/> when
    /// there is none (read from the end backwards, so a reservation of zeros after a little data costs one pass).
    /// </summary>
    private static long EndOfData(FileStream file, long from, byte[] buffer)
    {
        var end = file.Length;
        while (end > from)
        {
            var chunk = (int)Math.Min(buffer.Length, end - from);
            file.Position = end - chunk;
            file.ReadExactly(buffer, 0, chunk);
            var last = buffer.AsSpan(0, chunk).LastIndexOfAnyExcept((byte)0);
            if (last >= 0)
            {
                return end - chunk + last + 1;
            }

            end -= chunk;
        }

        return from;
    }

    /// <summary>
    /// The offset of the first valid frame starting after <paramref name="from"/> and before <paramref name="dataEnd"/>
    /// (past which only zeros follow, where no frame starts), or -1. Only the recovery path of a damaged last segment
    /// runs this; the cheap header checks reject almost every offset before a checksum is computed.
    /// </summary>
    private static long FindValidFrameAfter(FileStream file, long from, long dataEnd)
    {
        // A frame starting before dataEnd may run into the zeros after it (a payload may end in zeros): read that far.
        var rest = Math.Min(file.Length, dataEnd + JournalFrame.HeaderSize + JournalFrame.MaxPayloadLength) - from;
        if (rest < JournalFrame.HeaderSize)
        {
            return -1;
        }

        var bytes = new byte[rest];
        file.Position = from;
        file.ReadExactly(bytes);
        for (var i = 0; i < dataEnd - from && i <= bytes.Length - JournalFrame.HeaderSize; i++)
        {
            if (JournalFrame.Read(bytes.AsSpan(i), out _, out _, out _) == FrameStatus.Valid)
            {
                return from + i;
            }
        }

        return -1;
    }
}
