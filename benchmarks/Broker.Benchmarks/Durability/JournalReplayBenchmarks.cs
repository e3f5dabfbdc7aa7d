using BenchmarkDotNet.Attributes;
using Broker.Durability;
using Broker.Durability.Internal;
using Broker.Queues;

namespace Broker.Benchmarks.Durability;

/// <summary>
/// Replaying a broker's journal, which recovery does at start-up and compaction does in the background: a history of
/// <see cref="MessageCount"/> messages sent, received and deleted (in batches of 10) and <see cref="LiveCount"/> still
/// queued, read back and rebuilt into queue state. The baseline reads the same segments and checks every record's
/// checksum without replaying anything: the cost of the reading alone. One operation is one message of the history.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class JournalReplayBenchmarks
{
    public const int MessageCount = 100_000;
    public const int LiveCount = 1_000;

    private string directory = "";

    [GlobalSetup]
    public void Setup()
    {
        directory = Directory.CreateTempSubdirectory("broker-bench-replay-").FullName;
        var storage = new DurableStorage { Directory = directory, Policy = DurabilityPolicy.None, CompactAfterBytes = 1L << 40 };
        using var broker = new MessageBroker(new BrokerOptions { Storage = storage }, TimeProvider.System);
        var queue = broker.CreateQueue("bench");
        var body = new byte[64];
        body.AsSpan().Fill((byte)'x');
        var receive = new ReceiveRequest { MaxNumberOfMessages = 10 };
        for (var sent = 0; sent < MessageCount; sent += 10)
        {
            for (var i = 0; i < 10; i++)
            {
                queue.SendAsync(new SendMessageRequest(body)).AsTask().GetAwaiter().GetResult();
            }

            var received = queue.ReceiveAsync(receive).AsTask().GetAwaiter().GetResult();
            queue.DeleteBatchAsync([.. received.Select((m, i) => new DeleteMessageBatchEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), m))]).AsTask().GetAwaiter().GetResult();
        }

        for (var i = 0; i < LiveCount; i++)
        {
            queue.SendAsync(new SendMessageRequest(body)).AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(directory, recursive: true);

    [Benchmark(Baseline = true, OperationsPerInvoke = MessageCount)]
    public long ReadOnly() => JournalReader.Recover(directory, static (_, _, _) => { }).Records;

    [Benchmark(OperationsPerInvoke = MessageCount)]
    public int Replay()
    {
        var replay = new BrokerReplay();
        JournalReader.Recover(directory, (type, payload, _) => replay.Apply(type, payload));
        return Check(replay);
    }

    /// <summary>
    /// What compaction does (<c>JournalCompactor.ReplaySealed</c>): the deletes, and which stretches of the segments
    /// can change nothing, in a pass of their own; then the replay of the other stretches, which skips the sends of the
    /// messages deleted further on.
    /// </summary>
    [Benchmark(OperationsPerInvoke = MessageCount)]
    public int ReplaySkippingDeleted()
    {
        var replay = JournalCompactor.ReplaySealed(SegmentFiles.List(directory));
        return Check(replay);
    }

    private static int Check(BrokerReplay replay)
    {
        var live = replay.Queues.Queues.Single().Messages.Count;
        if (live != LiveCount)
        {
            throw new InvalidOperationException($"Replayed {live} live messages instead of {LiveCount}.");
        }

        return live;
    }
}
