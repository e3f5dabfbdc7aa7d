using System.Buffers.Binary;
using Broker.Durability.Internal;

namespace Broker.Tests.Durability;

/// <summary>
/// Reading a journal directory back at start-up: segments in order, a torn tail cut and reported, a writer continuing
/// after it, and damage (a missing segment, a bad record in an earlier segment, a renamed file) stopping recovery with
/// an error that names the file.
/// </summary>
public sealed class JournalReaderTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("broker-journal-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void An_empty_directory_recovers_nothing_and_a_writer_starts_at_segment_1()
    {
        var recovery = JournalReader.Recover(directory, (_, _, _) => Assert.Fail("no record expected"));

        Assert.Equal(new JournalRecovery(0, 0, 0, null), recovery);
    }

    [Fact]
    public async Task A_writer_started_after_recovery_continues_the_journal_in_order()
    {
        await Write(firstSegmentId: 1, from: 0, count: 30);
        var first = JournalReader.Recover(directory, (_, _, _) => { });
        await Write(first.LastSegmentId + 1, from: 30, count: 30);

        var (recovery, indexes) = Recover();

        Assert.Equal(Enumerable.Range(0, 60), indexes);
        Assert.Null(recovery.CutTail);
        Assert.True(recovery.Segments > first.Segments);
    }

    [Fact]
    public async Task A_torn_tail_is_cut_and_reported_once_and_the_next_writer_continues_after_it()
    {
        await Write(1, 0, 10);
        var path = SegmentFiles.PathOf(directory, SegmentFiles.List(directory)[^1].Id);
        var whole = File.ReadAllBytes(path);
        File.WriteAllBytes(path, whole[..^3]); // the last record, cut in the middle of its write

        var (torn, indexes) = Recover();
        Assert.Equal(Enumerable.Range(0, 9), indexes);
        Assert.Contains(path, torn.CutTail, StringComparison.Ordinal);
        Assert.Equal(whole.Length - JournalFrame.FrameLength(8), new FileInfo(path).Length);

        await Write(torn.LastSegmentId + 1, 9, 5);
        var (again, all) = Recover();
        Assert.Null(again.CutTail);
        Assert.Equal(Enumerable.Range(0, 14), all);
    }

    [Fact]
    public async Task A_last_segment_whose_header_never_reached_the_disk_is_removed_and_its_id_reused()
    {
        await Write(1, 0, 5);
        var torn = SegmentFiles.PathOf(directory, 2);
        File.WriteAllBytes(torn, new byte[10]);

        var (recovery, indexes) = Recover();

        Assert.Equal(1, recovery.LastSegmentId);
        Assert.False(File.Exists(torn));
        Assert.Equal(Enumerable.Range(0, 5), indexes);
        await Write(recovery.LastSegmentId + 1, 5, 1);
        Assert.Equal(Enumerable.Range(0, 6), Recover().Indexes);
    }

    [Fact]
    public async Task A_missing_segment_stops_recovery_naming_it()
    {
        await Write(1, 0, 40, segmentSize: 128);
        Assert.True(SegmentFiles.List(directory).Count >= 4);
        File.Delete(SegmentFiles.PathOf(directory, 2));

        var error = Assert.Throws<BrokerException>(() => Recover());

        Assert.Equal(BrokerErrorCodes.InternalFailure, error.ErrorCode);
        Assert.Contains("segment 2 is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_record_in_an_earlier_segment_stops_recovery_naming_the_file_and_offset()
    {
        await Write(1, 0, 40, segmentSize: 128);
        var path = SegmentFiles.PathOf(directory, 2);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0xFF; // the last byte of its last record
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<BrokerException>(() => Recover());

        Assert.Equal(BrokerErrorCodes.InternalFailure, error.ErrorCode);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {bytes.Length - JournalFrame.FrameLength(8)}", error.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(path)); // recovery changes nothing it cannot read
    }

    [Fact]
    public async Task A_segment_whose_header_names_another_id_stops_recovery()
    {
        await Write(1, 0, 3);
        File.Move(SegmentFiles.PathOf(directory, 1), SegmentFiles.PathOf(directory, 7));

        var error = Assert.Throws<BrokerException>(() => Recover());

        Assert.Contains("its header says segment 1, its name says 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_that_are_not_segments_are_left_alone()
    {
        File.WriteAllText(Path.Combine(directory, "notes.txt"), "not a segment");
        File.WriteAllText(Path.Combine(directory, "12.journal"), "a short name, not a segment");

        Assert.Equal(0, Recover().Recovery.Segments);
    }

    private async Task Write(long firstSegmentId, int from, int count, long segmentSize = 64L * 1024 * 1024)
    {
        await using var writer = JournalWriter.Start(
            new JournalWriterOptions { Directory = directory, SegmentSize = segmentSize }, firstSegmentId);
        for (var i = from; i < from + count; i++)
        {
            var payload = new byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), i);
            await writer.AppendAsync(1, payload);
        }
    }

    private (JournalRecovery Recovery, List<int> Indexes) Recover()
    {
        var indexes = new List<int>();
        var recovery = JournalReader.Recover(directory, (_, payload, _) => indexes.Add(BinaryPrimitives.ReadInt32LittleEndian(payload[4..])));
        return (recovery, indexes);
    }
}
