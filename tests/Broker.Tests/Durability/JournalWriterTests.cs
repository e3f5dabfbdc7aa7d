using System.Buffers.Binary;
using Broker.Durability;
using Broker.Durability.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Durability;

/// <summary>
/// The journal writer: many callers at once, group commit, what each flush policy means when an append completes,
/// segments rolling, and a full disk.
/// </summary>
public sealed class JournalWriterTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("broker-journal-").FullName;
    private readonly SegmentDisk disk = new();

    public void Dispose()
    {
        disk.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Records_appended_by_many_callers_at_once_are_all_read_back_each_callers_in_order()
    {
        await using (var writer = Start(DurabilityPolicy.Always))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(caller => Task.Run(async () =>
            {
                for (var i = 0; i < 200; i++)
                {
                    await writer.AppendAsync(1, Payload(caller, i));
                }
            })));
        }

        var read = Recover();
        Assert.Equal(1600, read.Count);
        foreach (var caller in read.GroupBy(r => r.Caller))
        {
            Assert.Equal(Enumerable.Range(0, 200), caller.Select(r => r.Index));
        }
    }

    [Fact]
    public async Task A_caller_that_blocks_in_the_continuation_of_its_append_does_not_hold_up_the_journal()
    {
        await using var writer = Start(DurabilityPolicy.Always);
        using var gate = new ManualResetEventSlim();
        using var blocking = new SemaphoreSlim(0);
        var first = Task.Run(async () =>
        {
            await writer.AppendAsync(1, Payload(0, 0));
            blocking.Release();
            gate.Wait(TimeSpan.FromSeconds(60)); // holds whatever thread ran this continuation, longer than the bound below
        });

        try
        {
            Assert.True(await blocking.WaitAsync(TimeSpan.FromSeconds(30)));
            await writer.AppendAsync(1, Payload(1, 0)).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            gate.Set();
        }

        await first;
    }

    [Fact]
    public async Task No_append_waits_forever_when_the_writer_parks_and_callers_arrive_at_the_same_moment()
    {
        // The writer parks whenever the queue runs dry; callers that enqueue as it parks must wake it. Many short
        // bursts from several callers, each waiting for its own append, make that race happen again and again.
        await using var writer = Start(DurabilityPolicy.None);
        var callers = Enumerable.Range(0, 4).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                await writer.AppendAsync(1, Payload(caller, i));
            }
        }));

        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Appends_that_queue_up_behind_a_flush_share_the_next_one()
    {
        var writer = Start(DurabilityPolicy.Always);
        using var gate = new ManualResetEventSlim(false);
        disk.FlushGate = gate;
        var first = writer.AppendAsync(1, Payload(0, 0));
        Assert.True(await disk.FlushWaiting.WaitAsync(TimeSpan.FromSeconds(30))); // the writer is inside the first record's flush
        var queued = Enumerable.Range(1, 50).Select(i => writer.AppendAsync(1, Payload(0, i)).AsTask()).ToList();

        gate.Set();
        await first;
        await Task.WhenAll(queued);

        Assert.Equal(3, disk.FlushCount); // the segment header, the first record, then all fifty together
        await writer.DisposeAsync();
        Assert.Equal(51, Recover().Count);
    }

    [Theory]
    [InlineData(DurabilityPolicy.Batched)]
    [InlineData(DurabilityPolicy.None)]
    public async Task Records_framed_in_shared_chunks_read_back_byte_for_byte_whatever_their_sizes_and_estimates(DurabilityPolicy policy)
    {
        // Sizes from empty to past a chunk's share for one record (its own buffer), estimates right, too small (the
        // payload moves out of the chunk while written) or too large; records nobody waits for among awaited ones.
        const int Callers = 4;
        const int PerCaller = 1500;
        await using (var writer = Start(policy))
        {
            await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
            {
                var random = new Random(caller);
                for (var i = 0; i < PerCaller; i++)
                {
                    var content = Content(caller, i);
                    var estimate = random.Next(3) switch { 0 => content.Length, 1 => content.Length / 3, _ => content.Length * 2 };
                    var payload = JournalWriter.StartRecord(estimate);
                    payload.WriteRaw(content);
                    if (i % 3 == 0)
                    {
                        writer.Append(2, ref payload);
                    }
                    else
                    {
                        await writer.AppendAsync(2, ref payload);
                    }
                }
            })));
        }

        var read = new List<byte[]>();
        JournalReader.Recover(directory, (_, payload, _) => read.Add(payload.ToArray()));
        Assert.Equal(Callers * PerCaller, read.Count);
        foreach (var caller in read.GroupBy(r => BinaryPrimitives.ReadInt32LittleEndian(r)))
        {
            var records = caller.ToList();
            Assert.Equal(PerCaller, records.Count);
            for (var i = 0; i < records.Count; i++)
            {
                Assert.True(Content(caller.Key, i).AsSpan().SequenceEqual(records[i]), $"caller {caller.Key}'s record {i} came back different");
            }
        }

        static byte[] Content(int caller, int index)
        {
            var length = 8 + ((index * 7919) % 12_000);
            var content = new byte[length];
            BinaryPrimitives.WriteInt32LittleEndian(content, caller);
            BinaryPrimitives.WriteInt32LittleEndian(content.AsSpan(4), index);
            for (var i = 8; i < length; i++)
            {
                content[i] = (byte)(caller + index + i);
            }

            return content;
        }
    }

    [Fact]
    public async Task A_record_finished_on_another_thread_or_after_a_second_was_started_is_refused_not_written()
    {
        await using (var writer = Start(DurabilityPolicy.None))
        {
            var elsewhere = JournalWriter.StartRecord(8);
            elsewhere.WriteRaw(Payload(0, 0));
            var error = await Task.Factory.StartNew(
                () =>
                {
                    var own = JournalWriter.StartRecord(8);
                    own.WriteRaw(Payload(9, 0));
                    writer.Append(1, ref own); // this thread has a chunk of its own
                    return Record.Exception(() => writer.Append(1, ref elsewhere));
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning, // a thread of its own: never this one
                TaskScheduler.Default);
            Assert.IsType<InvalidOperationException>(error);

            Assert.IsType<InvalidOperationException>(Record.Exception(() => Nested(writer))); // on one thread, no await between
            await writer.AppendAsync(1, Payload(0, 3));
        }

        Assert.Equal([2, 3], Recover().Where(r => r.Caller == 0).Select(r => r.Index));

        static void Nested(JournalWriter writer)
        {
            var outer = JournalWriter.StartRecord(8);
            outer.WriteRaw(Payload(0, 1));
            var inner = JournalWriter.StartRecord(8);
            inner.WriteRaw(Payload(0, 2));
            writer.Append(1, ref inner);
            writer.Append(1, ref outer); // its bytes are the inner record's now
        }
    }

    [Fact]
    public async Task Under_Always_an_append_completes_only_once_its_record_is_flushed_to_disk()
    {
        await using var writer = Start(DurabilityPolicy.Always);
        var end = (long)SegmentHeader.Size;
        for (var i = 0; i < 20; i++)
        {
            await writer.AppendAsync(1, Payload(0, i));
            end += JournalFrame.FrameLength(8);

            Assert.True(DurableLength(writer.SegmentId) >= end, $"record {i} acknowledged before it was flushed");
        }
    }

    [Fact]
    public async Task Under_None_an_append_completes_written_to_the_operating_system_and_is_flushed_only_on_close()
    {
        var writer = Start(DurabilityPolicy.None);
        for (var i = 0; i < 10; i++)
        {
            await writer.AppendAsync(1, Payload(0, i));
        }

        Assert.Equal(1, disk.FlushCount); // the segment header only
        Assert.Equal(SegmentHeader.Size + (10 * JournalFrame.FrameLength(8)), new FileInfo(SegmentFiles.PathOf(directory, 1)).Length);

        await writer.DisposeAsync();
        Assert.Equal(2, disk.FlushCount);
    }

    [Fact]
    public async Task Under_Batched_written_records_are_flushed_when_the_interval_passes()
    {
        var time = new FakeTimeProvider();
        await using var writer = Start(DurabilityPolicy.Batched, time: time);
        for (var i = 0; i < 5; i++)
        {
            await writer.AppendAsync(1, Payload(0, i));
        }

        Assert.Equal(1, disk.FlushCount);

        time.Advance(TimeSpan.FromMilliseconds(100));
        await disk.WaitForFlushesAsync(2);

        Assert.Equal(SegmentHeader.Size + (5 * JournalFrame.FrameLength(8)), DurableLength(1));
    }

    [Fact]
    public async Task Under_Batched_an_append_completes_once_queued_and_the_interval_writes_and_flushes_it()
    {
        var time = new FakeTimeProvider();
        await using var writer = Start(DurabilityPolicy.Batched, time: time);
        using var gate = new ManualResetEventSlim();
        disk.WriteGate = gate;
        try
        {
            var appends = Enumerable.Range(0, 5).Select(i => writer.AppendAsync(1, Payload(0, i))).ToList();

            Assert.All(appends, append => Assert.True(append.IsCompletedSuccessfully));
            time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.True(await disk.WriteWaiting.WaitAsync(TimeSpan.FromSeconds(30))); // the interval: the writer has them, and waits to write
            Assert.Equal(SegmentHeader.Size, new FileInfo(SegmentFiles.PathOf(directory, 1)).Length);
        }
        finally
        {
            disk.WriteGate = null;
            gate.Set();
        }

        await disk.WaitForFlushesAsync(2);

        Assert.Equal(SegmentHeader.Size + (5 * JournalFrame.FrameLength(8)), DurableLength(1));
        Assert.Equal(Enumerable.Range(0, 5), Recover().Select(r => r.Index));
    }

    [Fact]
    public async Task Under_Batched_records_nobody_waits_for_gather_until_the_interval_instead_of_being_written_as_they_come()
    {
        var time = new FakeTimeProvider();
        await using var writer = Start(DurabilityPolicy.Batched, time: time);
        using var flushGate = new ManualResetEventSlim();
        await writer.AppendAsync(1, Payload(0, 0));
        disk.FlushGate = flushGate;
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(await disk.FlushWaiting.WaitAsync(TimeSpan.FromSeconds(30))); // the writer is busy flushing the first record

        for (var i = 1; i <= 5; i++)
        {
            await writer.AppendAsync(1, Payload(0, i));
        }

        using var parked = new SemaphoreSlim(0);
        writer.Parked = () => parked.Release();
        disk.FlushGate = null;
        flushGate.Set();

        // Back from the flush, the writer finds five small records that nobody waits for, and leaves them to gather.
        Assert.True(await parked.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(5 * JournalFrame.FrameLength(8), writer.QueuedBytes);
        Assert.Equal(SegmentHeader.Size + JournalFrame.FrameLength(8), new FileInfo(SegmentFiles.PathOf(directory, 1)).Length);

        time.Advance(TimeSpan.FromMilliseconds(100));
        await disk.WaitForFlushesAsync(3);

        Assert.Equal(SegmentHeader.Size + (6 * JournalFrame.FrameLength(8)), DurableLength(1));
    }

    [Fact]
    public async Task Under_Batched_records_that_gathered_enough_bytes_for_a_write_are_written_before_the_interval()
    {
        var time = new FakeTimeProvider();
        await using var writer = Start(DurabilityPolicy.Batched, time: time);
        using var parked = new SemaphoreSlim(0);
        writer.Parked = () =>
        {
            if (disk.FlushCount >= 2)
            {
                parked.Release();
            }
        };
        await writer.AppendAsync(1, Payload(0, 0));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(await parked.WaitAsync(TimeSpan.FromSeconds(30))); // the interval's write and flush are done, and the writer waits

        using var gate = new ManualResetEventSlim();
        disk.WriteGate = gate;
        try
        {
            var payload = new byte[1000];
            for (var i = 0; i < (JournalWriter.GatherBytes / JournalFrame.FrameLength(payload.Length)) + 1; i++)
            {
                await writer.AppendAsync(1, payload);
            }

            Assert.True(await disk.WriteWaiting.WaitAsync(TimeSpan.FromSeconds(30))); // no time has passed
        }
        finally
        {
            disk.WriteGate = null;
            gate.Set();
        }
    }

    [Fact]
    public async Task Under_Batched_appends_wait_for_their_write_once_the_records_not_yet_written_reach_the_limit()
    {
        var writer = Start(DurabilityPolicy.Batched);
        var payload = new byte[64 * 1024];
        var frame = JournalFrame.FrameLength(payload.Length);
        using var gate = new ManualResetEventSlim();
        disk.WriteGate = gate;
        var early = 0;
        ValueTask waiting = default;
        try
        {
            while (early < 200)
            {
                var append = writer.AppendAsync(1, payload);
                if (!append.IsCompleted)
                {
                    waiting = append;
                    break;
                }

                early++;
            }

            // Up to the limit, plus the one batch (at most 1 MiB) the writer took and is waiting to write.
            Assert.InRange(early, JournalWriter.MaxUnwrittenBytes / frame, ((JournalWriter.MaxUnwrittenBytes + (1 << 20)) / frame) + 2);
            Assert.False(waiting.IsCompleted);
        }
        finally
        {
            disk.WriteGate = null;
            gate.Set();
        }

        await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        await writer.DisposeAsync();
        Assert.Equal(early + 1, Recover().Count);
    }

    [Fact]
    public async Task A_full_segment_rolls_to_the_next_after_a_flush_and_every_segment_reads_back_clean()
    {
        await using (var writer = Start(DurabilityPolicy.None, segmentSize: 256))
        {
            for (var i = 0; i < 40; i++)
            {
                await writer.AppendAsync(1, Payload(0, i));
            }

            Assert.True(writer.SegmentId > 3);
        }

        var segments = SegmentFiles.List(directory);
        Assert.All(segments, s => Assert.Equal(new FileInfo(s.Path).Length, DurableLength(s.Id)));
        Assert.All(segments, s => Assert.True(new FileInfo(s.Path).Length <= 256));
        Assert.Equal(Enumerable.Range(0, 40), Recover().Select(r => r.Index));
    }

    [Fact]
    public async Task A_record_larger_than_a_segment_gets_a_segment_of_its_own()
    {
        var big = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        await using (var writer = Start(DurabilityPolicy.Always, segmentSize: 256))
        {
            await writer.AppendAsync(1, Payload(0, 0));
            await writer.AppendAsync(2, big);
            await writer.AppendAsync(1, Payload(0, 1));
        }

        var payloads = new List<byte[]>();
        JournalReader.Recover(directory, (_, payload, _) => payloads.Add(payload.ToArray()));
        Assert.Equal(big, payloads[1]);
        Assert.Equal(3, SegmentFiles.List(directory).Count);
    }

    [Fact]
    public async Task A_full_disk_fails_the_append_and_every_later_one_and_keeps_every_acknowledged_record()
    {
        disk.DiskSpace = SegmentHeader.Size + (3 * JournalFrame.FrameLength(8)) + 5;
        var writer = Start(DurabilityPolicy.Always);
        for (var i = 0; i < 3; i++)
        {
            await writer.AppendAsync(1, Payload(0, i));
        }

        var full = await Assert.ThrowsAsync<BrokerException>(async () => await writer.AppendAsync(1, Payload(0, 3)));
        var after = await Assert.ThrowsAsync<BrokerException>(async () => await writer.AppendAsync(1, Payload(0, 4)));
        await writer.DisposeAsync();

        Assert.Equal(BrokerErrorCodes.InternalFailure, full.ErrorCode);
        Assert.False(full.SenderFault);
        Assert.Contains("No space left on device", full.Message, StringComparison.Ordinal);
        Assert.Contains(SegmentFiles.Name(1), full.Message, StringComparison.Ordinal);
        Assert.Same(full, after);
        Assert.Equal([0, 1, 2], Recover().Select(r => r.Index));
    }

    [Fact]
    public async Task Disposing_writes_and_flushes_what_callers_queued_before_it()
    {
        var writer = Start(DurabilityPolicy.None);
        var appends = Enumerable.Range(0, 100).Select(i => writer.AppendAsync(1, Payload(0, i)).AsTask()).ToList();

        await writer.DisposeAsync();
        await Task.WhenAll(appends);

        Assert.Equal(100, Recover().Count);
        Assert.Equal(new FileInfo(SegmentFiles.PathOf(directory, 1)).Length, DurableLength(1));
    }

    [Fact]
    public async Task An_append_after_dispose_fails()
    {
        var writer = Start(DurabilityPolicy.Always);
        await writer.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await writer.AppendAsync(1, Payload(0, 0)));
    }

    private static byte[] Payload(int caller, int index)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(payload, caller);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), index);
        return payload;
    }

    private JournalWriter Start(DurabilityPolicy policy, long segmentSize = 64L * 1024 * 1024, TimeProvider? time = null)
        => JournalWriter.Start(new JournalWriterOptions
        {
            Directory = directory,
            FlushPolicy = policy,
            FlushInterval = TimeSpan.FromMilliseconds(100),
            SegmentSize = segmentSize,
            TimeProvider = time ?? TimeProvider.System,
            CreateSegment = path => new SegmentStream(path, disk),
        }, firstSegmentId: 1);

    private long DurableLength(long segmentId)
    {
        lock (disk.DurableLengths)
        {
            return disk.DurableLengths.GetValueOrDefault(SegmentFiles.PathOf(directory, segmentId));
        }
    }

    private List<(int Caller, int Index)> Recover()
    {
        var read = new List<(int, int)>();
        JournalReader.Recover(directory, (_, payload, _) =>
            read.Add((BinaryPrimitives.ReadInt32LittleEndian(payload), BinaryPrimitives.ReadInt32LittleEndian(payload[4..]))));
        return read;
    }
}
