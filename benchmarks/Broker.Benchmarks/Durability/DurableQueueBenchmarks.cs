using BenchmarkDotNet.Attributes;
using Broker.Durability;
using Broker.Durability.Internal;
using Broker.Queues;

namespace Broker.Benchmarks.Durability;

/// <summary>
/// Send, receive and delete <see cref="MessageCount"/> messages through a standard queue of a durable broker, under each
/// flush policy, beside the in-memory broker (the baseline) in the same run. Producers send one message at a time and
/// wait for each acknowledgement; consumers receive in batches of 10 and delete each batch with one call. Under
/// <c>Always</c> every acknowledgement waits for a flush to disk, which concurrent callers share (group commit), so
/// more pairs should cost less per message. The journal lives in a temporary directory on the machine's disk.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class DurableQueueBenchmarks
{
    public const int MessageCount = 4_800; // a multiple of every Pairs value

    private readonly byte[] payload = new byte[64];
    private string directory = "";
    private MessageBroker inMemory = null!;
    private MessageBroker durable = null!;

    /// <summary>What an acknowledgement of the durable broker means.</summary>
    [Params("Always", "Batched", "None")]
    public string Policy { get; set; } = "Always";

    /// <summary>Producers, and as many consumers (16: the concurrent senders).</summary>
    [Params(1, 16)]
    public int Pairs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        payload.AsSpan().Fill((byte)'x');
        directory = Directory.CreateTempSubdirectory("broker-bench-").FullName;
        inMemory = new MessageBroker(new BrokerOptions(), TimeProvider.System);
        durable = new MessageBroker(new BrokerOptions { Storage = new DurableStorage { Directory = directory, Policy = Enum.Parse<DurabilityPolicy>(Policy) } }, TimeProvider.System);
        inMemory.CreateQueue("bench");
        durable.CreateQueue("bench");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        inMemory.Dispose();
        durable.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>The in-memory broker (the default): the same work with nothing written.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = MessageCount)]
    public Task InMemory() => SendReceiveDelete(inMemory.GetQueue("bench"));

    /// <summary>The durable broker under <see cref="Policy"/>.</summary>
    [Benchmark(OperationsPerInvoke = MessageCount)]
    public Task Durable() => SendReceiveDelete(durable.GetQueue("bench"));

    private Task SendReceiveDelete(IMessageQueue queue) => QueuePump.SendReceiveDeleteAsync(queue, payload, MessageCount, Pairs, byMessage: true);
}
