using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Queues;

namespace Broker.Benchmarks;

/// <summary>
/// Moves <see cref="MessageCount"/> messages through a FIFO queue, spread round-robin over <see cref="Groups"/> message
/// groups, from one producer (one send per message, explicit deduplication ids) to two consumers (long-polling receives
/// of 10, deletes of 10 by message). The baseline is an unbounded <see cref="Channel{T}"/> with one writer and two
/// readers moving the same number of messages. Each operation is one message.
/// </summary>
[Config(typeof(BenchmarkConfig))]
[WarmupCount(BenchmarkConfig.SingleInvocationWarmupCount)]
public class FifoThroughputBenchmarks
{
    public const int MessageCount = 100_000;
    private const int Consumers = 2;

    private static readonly string[] EntryIds = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    private static readonly ReceiveRequest Receive = new() { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(20) };

    private readonly byte[] payload = new byte[64];
    private string[] groupIds = [];
    private string[] deduplicationIds = [];
    private MessageBroker broker = null!;
    private IMessageQueue queue = null!;

    /// <summary>How many message groups the messages are spread over.</summary>
    [Params(1, 100, 10_000)]
    public int Groups { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        payload.AsSpan().Fill((byte)'x');
        groupIds = [.. Enumerable.Range(0, Groups).Select(g => $"group-{g}")];
        deduplicationIds = [.. Enumerable.Range(0, MessageCount).Select(i => $"dedup-{i}")];
        broker = new MessageBroker(new BrokerOptions { PurgeCooldown = TimeSpan.Zero }, TimeProvider.System);
        queue = broker.CreateQueue("bench.fifo", new QueueOptions { FifoQueue = true });
    }

    /// <summary>A purge clears the deduplication history, so the next iteration may reuse the ids.</summary>
    [IterationCleanup]
    public void ClearDeduplication() => queue.PurgeAsync().AsTask().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => broker.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = MessageCount)]
    public async Task Channel()
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        var consumers = new Task<int>[Consumers];
        for (var c = 0; c < Consumers; c++)
        {
            consumers[c] = Task.Run(async () =>
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

        await Task.Run(async () =>
        {
            for (var i = 0; i < MessageCount; i++)
            {
                await channel.Writer.WriteAsync(payload).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        channel.Writer.Complete();
        Check((await Task.WhenAll(consumers).ConfigureAwait(false)).Sum());
    }

    [Benchmark(OperationsPerInvoke = MessageCount)]
    public async Task FifoQueue()
    {
        using var done = new CancellationTokenSource();
        var consumed = 0;
        var consumers = new Task[Consumers];
        ReadOnlyMemory<byte> body = payload;
        for (var c = 0; c < Consumers; c++)
        {
            consumers[c] = Task.Run(async () =>
            {
                var entries = new List<DeleteMessageBatchEntry>(10);
                try
                {
                    while (true)
                    {
                        var got = await queue.ReceiveAsync(Receive, done.Token).ConfigureAwait(false);
                        entries.Clear();
                        for (var i = 0; i < got.Count; i++)
                        {
                            entries.Add(new DeleteMessageBatchEntry(EntryIds[i], got[i]));
                        }

                        if (entries.Count > 0)
                        {
                            await queue.DeleteBatchAsync(entries).ConfigureAwait(false);
                        }

                        if (Interlocked.Add(ref consumed, got.Count) >= MessageCount)
                        {
                            await done.CancelAsync().ConfigureAwait(false);
                        }
                    }
                }
                catch (OperationCanceledException) when (done.IsCancellationRequested)
                {
                }
            });
        }

        await Task.Run(async () =>
        {
            for (var i = 0; i < MessageCount; i++)
            {
                await queue.SendAsync(new SendMessageRequest(body) { MessageGroupId = groupIds[i % groupIds.Length], MessageDeduplicationId = deduplicationIds[i] }).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        await Task.WhenAll(consumers).ConfigureAwait(false);
        Check(consumed);
    }

    private static void Check(int moved)
    {
        if (moved != MessageCount)
        {
            throw new InvalidOperationException($"Moved {moved} messages instead of {MessageCount}.");
        }
    }
}
