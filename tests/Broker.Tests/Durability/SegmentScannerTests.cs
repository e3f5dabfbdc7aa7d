using Broker.Durability.Internal;

namespace Broker.Tests.Durability;

/// <summary>
/// Reading a journal segment back: every valid record in order, a torn tail told apart from damage, and the message of
/// a damaged segment naming the file and the offset.
/// </summary>
public sealed class SegmentScannerTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("broker-journal-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void A_whole_segment_is_read_back_record_by_record_with_offsets()
    {
        var path = WriteSegment(segmentId: 42, Payloads(5));

        var (scan, read) = Scan(path, isLastSegment: true);

        Assert.Equal(SegmentEnd.Clean, scan.End);
        Assert.Equal(42, scan.SegmentId);
        Assert.Equal(5, scan.Records);
        Assert.Equal(new FileInfo(path).Length, scan.ValidLength);
        Assert.Equal(Payloads(5), read.Select(r => r.Payload));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => (byte)i), read.Select(r => r.Type));
        Assert.Equal(SegmentHeader.Size, read[0].Offset);
        Assert.Equal(SegmentHeader.Size + JournalFrame.FrameLength(Payloads(5)[0].Length), read[1].Offset);
    }

    [Fact]
    public void An_empty_segment_is_clean()
    {
        var (scan, read) = Scan(WriteSegment(1, []), isLastSegment: true);

        Assert.Equal(SegmentEnd.Clean, scan.End);
        Assert.Equal(SegmentHeader.Size, scan.ValidLength);
        Assert.Empty(read);
    }

    [Fact]
    public void Records_larger_than_the_read_buffer_are_read_whole()
    {
        byte[][] payloads = [Filled(3 << 20, 1), Filled(10, 2), Filled((1 << 20) + 7, 3)];

        var (scan, read) = Scan(WriteSegment(1, payloads), isLastSegment: true);

        Assert.Equal(SegmentEnd.Clean, scan.End);
        Assert.Equal(payloads, read.Select(r => r.Payload));
    }

    [Fact]
    public void The_last_record_cut_at_every_length_is_a_torn_tail_and_the_records_before_it_survive()
    {
        var payloads = Payloads(4);
        var whole = File.ReadAllBytes(WriteSegment(1, payloads));
        var lastStart = whole.Length - JournalFrame.FrameLength(payloads[^1].Length);

        for (var cut = lastStart + 1; cut < whole.Length; cut++)
        {
            var path = Path.Combine(directory, $"cut-{cut}.seg");
            File.WriteAllBytes(path, whole[..cut]);

            var (scan, read) = Scan(path, isLastSegment: true);

            Assert.Equal(SegmentEnd.TornTail, scan.End);
            Assert.Equal(lastStart, scan.ValidLength);
            Assert.Equal(payloads[..^1], read.Select(r => r.Payload));
        }
    }

    [Fact]
    public void A_zero_filled_tail_after_the_last_record_is_the_writers_reservation_and_not_damage()
    {
        var path = WriteSegment(1, Payloads(3));
        var length = new FileInfo(path).Length;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(length + (2 << 20)); // as the writer reserves a segment's length up front
        }

        var (scan, read) = Scan(path, isLastSegment: true);

        Assert.Equal(SegmentEnd.Reserved, scan.End);
        Assert.Equal(length, scan.ValidLength);
        Assert.Equal(3, read.Count);
        Assert.Equal("", scan.Problem);
    }

    [Fact]
    public void A_record_cut_short_in_the_reserved_zeros_of_the_last_segment_is_a_torn_tail()
    {
        var path = WriteSegment(1, Payloads(3));
        var length = new FileInfo(path).Length;
        var frame = new byte[JournalFrame.FrameLength(100)];
        JournalFrame.Write(frame, 7, Enumerable.Repeat((byte)0xAB, 100).ToArray()); // not zeros: the reservation must not complete it
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(length + (1 << 20));
            file.Position = length;
            file.Write(frame.AsSpan(0, 40)); // the crash stopped the write after 40 bytes; the reservation's zeros follow
        }

        var (scan, read) = Scan(path, isLastSegment: true);

        Assert.Equal(SegmentEnd.TornTail, scan.End);
        Assert.Equal(length, scan.ValidLength);
        Assert.Equal(3, read.Count);
    }

    [Fact]
    public void Zeros_after_the_records_of_a_segment_that_is_not_the_last_are_corruption()
    {
        var path = WriteSegment(1, Payloads(3));
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(file.Length + 4096); // a closed segment is trimmed before the next one is created
        }

        var (scan, _) = Scan(path, isLastSegment: false);

        Assert.Equal(SegmentEnd.Corrupt, scan.End);
    }

    [Fact]
    public void A_flipped_byte_in_a_record_with_valid_records_after_it_is_corruption_naming_the_file_and_offset()
    {
        var payloads = Payloads(5);
        var path = WriteSegment(1, payloads);
        var third = SegmentHeader.Size + payloads[..2].Sum(p => JournalFrame.FrameLength(p.Length));
        FlipByte(path, third + JournalFrame.HeaderSize + 1);

        var (scan, read) = Scan(path, isLastSegment: true);

        Assert.Equal(SegmentEnd.Corrupt, scan.End);
        Assert.Equal(third, scan.ValidLength);
        Assert.Equal(2, read.Count);
        Assert.Contains(path, scan.Problem, StringComparison.Ordinal);
        Assert.Contains($"offset {third}", scan.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flipped_length_in_the_middle_is_corruption_not_a_torn_tail()
    {
        var payloads = Payloads(5);
        var path = WriteSegment(1, payloads);
        var second = SegmentHeader.Size + JournalFrame.FrameLength(payloads[0].Length);
        FlipByte(path, second + 4); // the low byte of the second record's length

        var (scan, _) = Scan(path, isLastSegment: true);

        Assert.Equal(SegmentEnd.Corrupt, scan.End);
        Assert.Equal(second, scan.ValidLength);
    }

    [Fact]
    public void Any_bad_record_in_a_segment_that_is_not_the_last_is_corruption_even_at_its_end()
    {
        var payloads = Payloads(3);
        var whole = File.ReadAllBytes(WriteSegment(1, payloads));
        var path = Path.Combine(directory, "older.seg");
        File.WriteAllBytes(path, whole[..^3]);

        var (scan, read) = Scan(path, isLastSegment: false);

        Assert.Equal(SegmentEnd.Corrupt, scan.End);
        Assert.Equal(2, read.Count);
        Assert.Contains("not the last segment", scan.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    public void A_last_segment_whose_header_was_never_written_whole_is_a_torn_tail_holding_nothing(int length)
    {
        var path = Path.Combine(directory, "new.seg");
        var header = new byte[SegmentHeader.Size];
        SegmentHeader.Write(header, 9);
        File.WriteAllBytes(path, header[..length]);

        var (scan, read) = Scan(path, isLastSegment: true);

        Assert.Equal(SegmentEnd.TornTail, scan.End);
        Assert.Equal(0, scan.ValidLength);
        Assert.Empty(read);
    }

    [Fact]
    public void A_preallocated_last_segment_of_zeros_is_a_torn_tail_holding_nothing()
    {
        var path = Path.Combine(directory, "zeros.seg");
        File.WriteAllBytes(path, new byte[8192]);

        Assert.Equal(SegmentEnd.TornTail, Scan(path, isLastSegment: true).Scan.End);
    }

    [Fact]
    public void A_damaged_header_is_corruption()
    {
        var path = WriteSegment(1, Payloads(2));
        FlipByte(path, 9); // inside the segment id

        var (scan, read) = Scan(path, isLastSegment: true);

        Assert.Equal(SegmentEnd.Corrupt, scan.End);
        Assert.Contains("checksum", scan.Problem, StringComparison.Ordinal);
        Assert.Empty(read);
    }

    [Fact]
    public void A_file_that_is_not_a_segment_is_corruption()
    {
        var path = Path.Combine(directory, "other.seg");
        File.WriteAllText(path, "this is a text file, not a journal segment");

        var (scan, _) = Scan(path, isLastSegment: true);

        Assert.Equal(SegmentEnd.Corrupt, scan.End);
        Assert.Contains("BRKJ", scan.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncating_a_torn_tail_leaves_a_clean_segment_with_every_record_before_it()
    {
        var payloads = Payloads(3);
        var whole = File.ReadAllBytes(WriteSegment(1, payloads));
        var path = Path.Combine(directory, "torn.seg");
        File.WriteAllBytes(path, whole[..^5]);
        var torn = Scan(path, isLastSegment: true).Scan;

        SegmentScanner.Truncate(path, torn.ValidLength);
        var (scan, read) = Scan(path, isLastSegment: true);

        Assert.Equal(SegmentEnd.Clean, scan.End);
        Assert.Equal(payloads[..2], read.Select(r => r.Payload));
    }

    private static byte[][] Payloads(int count)
        => Enumerable.Range(1, count).Select(i => Filled(10 * i + 3, (byte)i)).ToArray();

    private static byte[] Filled(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    private static void FlipByte(string path, long offset)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[offset] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
    }

    private static (SegmentScan Scan, List<(byte Type, byte[] Payload, long Offset)> Read) Scan(string path, bool isLastSegment)
    {
        var read = new List<(byte, byte[], long)>();
        var scan = SegmentScanner.Scan(path, isLastSegment, (type, payload, offset) => read.Add((type, payload.ToArray(), offset)));
        return (scan, read);
    }

    private string WriteSegment(long segmentId, byte[][] payloads)
    {
        var path = Path.Combine(directory, $"{segmentId:D12}-{Guid.NewGuid():N}.seg");
        using var file = new FileStream(path, FileMode.CreateNew);
        var header = new byte[SegmentHeader.Size];
        SegmentHeader.Write(header, segmentId);
        file.Write(header);
        for (var i = 0; i < payloads.Length; i++)
        {
            var frame = new byte[JournalFrame.FrameLength(payloads[i].Length)];
            JournalFrame.Write(frame, (byte)(i + 1), payloads[i]);
            file.Write(frame);
        }

        return path;
    }
}
