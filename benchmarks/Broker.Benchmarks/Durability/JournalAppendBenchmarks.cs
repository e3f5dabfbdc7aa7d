using BenchmarkDotNet.Attributes;
using Broker.Durability;
using Broker.Durability.Internal;

namespace Broker.Benchmarks.Durability;

/// <summary>
/// The journal's own cost per record: <see cref="Writers"/> callers append <see cref="RecordCount"/> records of 128
/// bytes (about a 64-byte message's send record) under <c>Batched</c> and <c>None</c>, each awaiting its append, and the
/// invocation ends when everything is written (a seal: the segment is flushed and the next one begun). The baseline
/// appends the same frames to a new file from one thread in 64 KiB writes and flushes it: what the file system costs
/// alone, since appending to a file costs it far more than overwriting one. One operation is one record.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class JournalAppendBenchmarks
{
    public const int RecordCount = 100_000;
    public const int Writers = 4;

    private readonly byte[] payload = new byte[128];
    private string directory = "";
    private JournalWriter writer = null!;

    [Params("Batched", "None")]
    public string Policy { get; set; } = "Batched";

    [GlobalSetup]
    public void Setup()
    {
        payload.AsSpan().Fill((byte)'x');
        directory = Directory.CreateTempSubdirectory("broker-bench-append-").FullName;
        writer = JournalWriter.Start(new JournalWriterOptions { Directory = directory, FlushPolicy = Enum.Parse<DurabilityPolicy>(Policy) }, firstSegmentId: 1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = RecordCount)]
    public void FileAppends()
    {
        var frame = new byte[JournalFrame.FrameLength(payload.Length)];
        var buffer = new byte[64 * 1024];
        var used = 0;
        var path = Path.Combine(directory, "baseline");
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (var i = 0; i < RecordCount; i++)
        {
            JournalFrame.Write(frame, 1, payload);
            if (used + frame.Length > buffer.Length)
            {
                file.Write(buffer, 0, used);
                used = 0;
            }

            frame.CopyTo(buffer, used);
            used += frame.Length;
        }

        file.Write(buffer, 0, used);
        file.Flush(flushToDisk: true);
    }

    [Benchmark(OperationsPerInvoke = RecordCount)]
    public async Task Appends()
    {
        var callers = new Task[Writers];
        for (var w = 0; w < Writers; w++)
        {
            callers[w] = Task.Run(async () =>
            {
                for (var i = 0; i < RecordCount / Writers; i++)
                {
                    await writer.AppendAsync(1, payload).ConfigureAwait(false);
                }
            });
        }

        await Task.WhenAll(callers).ConfigureAwait(false);
        await writer.SealAsync().ConfigureAwait(false); // everything appended is written (and the segment flushed)
    }
}
