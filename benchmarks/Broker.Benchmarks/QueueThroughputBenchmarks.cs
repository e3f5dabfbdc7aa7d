using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Queues;

namespace Broker.Benchmarks;

/// <summary>
/// Moves <see cref="MessageCount"/> messages from producers to consumers. The broker sends one message at a time,
/// receives in batches of 10 (long polling) and deletes in batches of 10 (by handle, and by message); the baseline is an unbounded
/// <see cref="Channel{T}"/> with default options moving the same messages with WriteAsync and WaitToReadAsync/TryRead.
/// Each operation is one message.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class QueueThroughputBenchmarks
{
    public const int MessageCount = 100_000;

    private readonly byte[] payload = new byte[64];
    private MessageBroker broker = null!;
    private IMessageQueue queue = null!;

    /// <summary>Producers, and as many consumers.</summary>
    [Params(1, 2)]
    public int Pairs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        payload.AsSpan().Fill((byte)'x');
        broker = new MessageBroker(new BrokerOptions(), TimeProvider.System);
        queue = broker.CreateQueue("bench");
    }

    [GlobalCleanup]
    public void Cleanup() => broker.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = MessageCount)]
    public async Task Channel()
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        var producers = new Task[Pairs];
        var consumers = new Task<int>[Pairs];
        for (var p = 0; p < Pairs; p++)
        {
            producers[p] = Task.Run(async () =>
            {
                for (var i = 0; i < MessageCount / Pairs; i++)
                {
                    await channel.Writer.WriteAsync(payload).ConfigureAwait(false);
                }
            });
            consumers[p] = Task.Run(async () =>
            {
                var count = 0;
                while (await channel.Reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    while (channel.Reader.TryRead(out _))
                    {
                        count++;
                    }
                }

                return count;
            });
        }

        await Task.WhenAll(producers).ConfigureAwait(false);
        channel.Writer.Complete();
        var moved = (await Task.WhenAll(consumers).ConfigureAwait(false)).Sum();
        Check(moved);
    }

    /// <summary>Deletes by receipt handle, as SQS code does: every handle is formatted on receive and parsed on delete.</summary>
    [Benchmark(OperationsPerInvoke = MessageCount)]
    public Task BrokerQueue() => MoveThroughBroker(byMessage: false);

    /// <summary>Deletes by the received message itself (the .NET-style acknowledgement), which skips the handle string.</summary>
    [Benchmark(OperationsPerInvoke = MessageCount)]
    public Task BrokerQueueByMessage() => MoveThroughBroker(byMessage: true);

    private Task MoveThroughBroker(bool byMessage) => QueuePump.SendReceiveDeleteAsync(queue, payload, MessageCount, Pairs, byMessage);

    private static void Check(int moved)
    {
        if (moved != MessageCount)
        {
            throw new InvalidOperationException($"Moved {moved} messages instead of {MessageCount}.");
        }
    }
}
