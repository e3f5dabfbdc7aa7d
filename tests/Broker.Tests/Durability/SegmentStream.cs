namespace Broker.Tests.Durability;

/// <summary>
/// A segment file for journal tests: writes go to a real file and can be held on a gate; <see cref="Flush"/> (what the
/// journal calls to flush to disk when the stream is not a <see cref="FileStream"/>) is counted and can be held on a gate; and past
/// <see cref="DiskSpace"/> bytes every write fails the way a full disk does.
/// </summary>
internal sealed class SegmentStream(string path, SegmentDisk disk) : Stream
{
    private readonly FileStream file = new(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => file.Length;

    public override long Position { get => file.Position; set => throw new NotSupportedException(); }

    public override void Flush()
    {
        disk.BeforeFlush(path);
        file.Flush(flushToDisk: true);
        disk.Flushed(path, file.Length);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken); // to the OS only

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        disk.BeforeWrite();
        disk.Take(buffer.Length);
        file.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The disk the <see cref="SegmentStream"/>s of one test share: its space, its flush count and gates on writes and flushes.</summary>
internal sealed class SegmentDisk : IDisposable
{
    private readonly SemaphoreSlim flushes = new(0);
    private long used;
    private int flushCount;

    /// <summary>Bytes the disk holds before writes fail; unlimited by default.</summary>
    public long DiskSpace { get; set; } = long.MaxValue;

    /// <summary>While set, a flush to disk waits until it is released (or 30 s pass, which fails the test).</summary>
    public ManualResetEventSlim? FlushGate { get; set; }

    /// <summary>While set, a write waits until it is released (or 30 s pass, which fails the test).</summary>
    public ManualResetEventSlim? WriteGate { get; set; }

    /// <summary>Released each time a write starts waiting on <see cref="WriteGate"/>.</summary>
    public SemaphoreSlim WriteWaiting { get; } = new(0);

    /// <summary>Flushes to disk so far, segment headers included.</summary>
    public int FlushCount => Volatile.Read(ref flushCount);

    /// <summary>The length of each segment at its last flush to disk.</summary>
    public Dictionary<string, long> DurableLengths { get; } = [];

    public void Take(int bytes)
    {
        if (Interlocked.Add(ref used, bytes) > DiskSpace)
        {
            throw new IOException("No space left on device");
        }
    }

    /// <summary>Released each time a flush starts waiting on <see cref="FlushGate"/>.</summary>
    public SemaphoreSlim FlushWaiting { get; } = new(0);

    /// <summary>Which segment paths <see cref="FlushGate"/> holds; all when null.</summary>
    public Func<string, bool>? GatedPaths { get; set; }

    public void BeforeWrite()
    {
        if (WriteGate is { } gate)
        {
            Hold(gate, WriteWaiting, "write");
        }
    }

    public void BeforeFlush(string path)
    {
        if (FlushGate is { } gate && (GatedPaths is not { } gated || gated(path)))
        {
            Hold(gate, FlushWaiting, "flush");
        }
    }

    public void Flushed(string path, long length)
    {
        lock (DurableLengths)
        {
            DurableLengths[path] = length;
        }

        Interlocked.Increment(ref flushCount);
        flushes.Release();
    }

    /// <summary>Tells <paramref name="waiting"/> that an operation is held, then holds it until <paramref name="gate"/> opens.</summary>
    private static void Hold(ManualResetEventSlim gate, SemaphoreSlim waiting, string operation)
    {
        waiting.Release();
        if (!gate.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"the test never opened the {operation} gate");
        }
    }

    public void Dispose()
    {
        flushes.Dispose();
        FlushWaiting.Dispose();
        WriteWaiting.Dispose();
    }

    /// <summary>Waits (bounded) until the flush count reaches <paramref name="count"/>.</summary>
    public async Task WaitForFlushesAsync(int count)
    {
        while (FlushCount < count)
        {
            Assert.True(await flushes.WaitAsync(TimeSpan.FromSeconds(30)), $"expected {count} flushes, saw {FlushCount}");
        }
    }
}
