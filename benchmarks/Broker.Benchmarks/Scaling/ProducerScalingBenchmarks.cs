using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Queues;
using Broker.Streams;

namespace Broker.Benchmarks.Scaling;

/// <summary>
/// Throughput as producers are added: <see cref="Producers"/> tasks write <see cref="ItemCount"/> 16-byte items between
/// them, one at a time, while readers drain them. Queue and Channel have two readers (one per core of the machine the
/// results come from); the queue's readers receive 10 with long polling and delete 10 by message. The stream has four
/// shards, the producers' partition keys spread over them, and one enhanced fan-out reader (<c>SubscribeToShard</c>) per
/// shard. The baseline is an unbounded <see cref="Channel{T}"/> with the same producers and two readers. Each operation
/// is one item written and read.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class ProducerScalingBenchmarks
{
    public const int ItemCount = 100_000;
    private const int Readers = 2;
    private const int Shards = 4;

    private static readonly string[] EntryIds = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    private static readonly ReceiveRequest Receive = new() { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(20) };

    private readonly byte[] payload = new byte[16];
    private readonly string[] partitionKeys = [.. Enumerable.Range(0, 64).Select(static k => $"device-{k}")];
    private MessageBroker broker = null!;
    private IMessageQueue queue = null!;
    private SendMessageRequest send = null!;
    private int streamNumber;

    /// <summary>Producer tasks sharing the items.</summary>
    [Params(1, 2, 4)]
    public int Producers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        payload.AsSpan().Fill((byte)'x');
        broker = new MessageBroker(new BrokerOptions(), TimeProvider.System);
        queue = broker.CreateQueue("scaling");
        send = new SendMessageRequest(payload);
    }

    [GlobalCleanup]
    public void Cleanup() => broker.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = ItemCount)]
    public async Task Channel()
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        var readers = new Task<int>[Readers];
        for (var r = 0; r < Readers; r++)
        {
            readers[r] = Task.Run(async () =>
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

        await Produce(async (_, _) => await channel.Writer.WriteAsync(payload).ConfigureAwait(false)).ConfigureAwait(false);
        channel.Writer.Complete();
        Check((await Task.WhenAll(readers).ConfigureAwait(false)).Sum());
    }

    [Benchmark(OperationsPerInvoke = ItemCount)]
    public async Task StandardQueue()
    {
        using var done = new CancellationTokenSource();
        var consumed = 0;
        var readers = new Task[Readers];
        for (var r = 0; r < Readers; r++)
        {
            readers[r] = Task.Run(async () =>
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

                        await queue.DeleteBatchAsync(entries).ConfigureAwait(false);
                        if (Interlocked.Add(ref consumed, got.Count) >= ItemCount)
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

        await Produce(async (_, _) => await queue.SendAsync(send).ConfigureAwait(false)).ConfigureAwait(false);
        await Task.WhenAll(readers).ConfigureAwait(false);
        Check(consumed);
        var left = queue.GetAttributes();
        Check(ItemCount - (int)(left.ApproximateNumberOfMessages + left.ApproximateNumberOfMessagesNotVisible));
    }

    [Benchmark(OperationsPerInvoke = ItemCount)]
    public async Task Stream()
    {
        var stream = broker.CreateStream($"scaling-{Interlocked.Increment(ref streamNumber)}", new StreamOptions { ShardCount = Shards });
        stream.RegisterConsumer("reader");
        using var done = new CancellationTokenSource();
        var read = 0;
        var readers = stream.ListShards().Select(shard => Task.Run(async () =>
        {
            try
            {
                await foreach (var e in stream.SubscribeToShard("reader", shard.ShardId, new StartingPosition(ShardIteratorType.TrimHorizon), done.Token).ConfigureAwait(false))
                {
                    if (e.Records.Count > 0 && Interlocked.Add(ref read, e.Records.Count) >= ItemCount)
                    {
                        await done.CancelAsync().ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
            }
        })).ToArray();

        var requests = partitionKeys.Select(key => new PutRecordRequest(key, payload)).ToArray();
        await Produce(async (producer, i) => await stream.PutRecordAsync(requests[((i * Producers) + producer) % requests.Length]).ConfigureAwait(false)).ConfigureAwait(false);
        await Task.WhenAll(readers).ConfigureAwait(false);
        Check(read);
        broker.DeleteStream(stream.Name, enforceConsumerDeletion: true);
    }

    private async Task Produce(Func<int, int, ValueTask> write)
    {
        var producers = new Task[Producers];
        for (var p = 0; p < Producers; p++)
        {
            var producer = p;
            producers[p] = Task.Run(async () =>
            {
                var share = (ItemCount / Producers) + (producer < ItemCount % Producers ? 1 : 0);
                for (var i = 0; i < share; i++)
                {
                    await write(producer, i).ConfigureAwait(false);
                }
            });
        }

        await Task.WhenAll(producers).ConfigureAwait(false);
    }

    private static void Check(int moved)
    {
        if (moved != ItemCount)
        {
            throw new InvalidOperationException($"Moved {moved} items instead of {ItemCount}.");
        }
    }
}
