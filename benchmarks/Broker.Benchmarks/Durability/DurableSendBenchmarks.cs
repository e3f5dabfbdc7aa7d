using BenchmarkDotNet.Attributes;
using Broker.Durability;
using Broker.Queues;

namespace Broker.Benchmarks.Durability;

/// <summary>
/// Group commit against the disk's own limit, in one run. <see cref="DiskFlush"/> is what the disk can do alone: one
/// 4 KiB write and one flush to disk per operation, one after the other. <see cref="Sends"/> is <see cref="Senders"/>
/// concurrent senders, each awaiting one send at a time, on a durable broker under <see cref="Policy"/>: under
/// <c>Always</c> each acknowledgement waits for a flush, so without group commit the senders together could go no faster
/// than the disk flushes; with it, one flush covers every send that arrived meanwhile. Issue 10's target: under
/// <c>Always</c>, at least half of (flushes per second × 16) sends per second.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class DurableSendBenchmarks
{
    public const int MessageCount = 4_000;

    private readonly byte[] payload = new byte[64];
    private readonly byte[] block = new byte[4096];
    private string directory = "";
    private MessageBroker durable = null!;
    private FileStream disk = null!;

    /// <summary>What an acknowledgement of the durable broker means.</summary>
    [Params("Always", "Batched", "None")]
    public string Policy { get; set; } = "Always";

    /// <summary>Concurrent senders.</summary>
    public static int Senders => 16;

    [GlobalSetup]
    public void Setup()
    {
        payload.AsSpan().Fill((byte)'x');
        block.AsSpan().Fill((byte)'d');
        directory = Directory.CreateTempSubdirectory("broker-bench-send-").FullName;
        durable = new MessageBroker(
            new BrokerOptions { PurgeCooldown = TimeSpan.Zero, Storage = new DurableStorage { Directory = Path.Combine(directory, "journal"), Policy = Enum.Parse<DurabilityPolicy>(Policy) } },
            TimeProvider.System);
        durable.CreateQueue("bench");
        disk = new FileStream(Path.Combine(directory, "disk-limit"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
    }

    /// <summary>Empties the queue between iterations, so every iteration sends into the same state.</summary>
    [IterationCleanup(Target = nameof(Sends))]
    public void Empty() => durable.GetQueue("bench").PurgeAsync().AsTask().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        durable.Dispose();
        disk.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>The disk's own limit: a 4 KiB write and a flush to disk, one after the other (the file's start is rewritten).</summary>
    [Benchmark(Baseline = true)]
    public void DiskFlush()
    {
        disk.Position = 0;
        disk.Write(block);
        disk.Flush(flushToDisk: true);
    }

    /// <summary><see cref="Senders"/> concurrent senders, <see cref="MessageCount"/> sends in all, each acknowledged before the sender's next.</summary>
    [Benchmark(OperationsPerInvoke = MessageCount)]
    public Task Sends()
    {
        var queue = durable.GetQueue("bench");
        var senders = new Task[Senders];
        for (var s = 0; s < senders.Length; s++)
        {
            senders[s] = Task.Run(async () =>
            {
                for (var i = 0; i < MessageCount / Senders; i++)
                {
                    await queue.SendAsync(new SendMessageRequest(payload)).ConfigureAwait(false);
                }
            });
        }

        return Task.WhenAll(senders);
    }
}
