using System.Collections.Concurrent;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Queues;
using Broker.Streams;
using Broker.Topics;

namespace Broker.Benchmarks.Shapes;

/// <summary>
/// dotnet/performance's <c>PingPong</c> channel shape: two channels and two loops started with <see cref="Task.Run(Func{Task})"/>;
/// <see cref="ItemCount"/> times, A writes to the first and awaits a read from the second, while B awaits a read from
/// the first and then writes to the second. Every read waits for the other side, so this measures a full hand-off
/// between threads in each direction. One operation is one round trip: an item written to the first and read from it,
/// then an item written to the second and read from it (and, for the Broker queues, each deleted: a receive without a
/// delete is not consumption in SQS), as dotnet/performance counts it. The baseline is two unbounded
/// <see cref="Channel{T}"/> with default options (WriteAsync; ReadAsync). The Broker reads are the ones that wait:
/// ReceiveAsync with 20 s long polling and MaxNumberOfMessages 1 (then DeleteAsync(ReceivedMessage)); for the streams,
/// SubscribeToShard's async enumerator (MoveNextAsync). The payload is one 16-byte array (for the topic, the same 16
/// bytes as text).
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class PingPongBenchmarks
{
    /// <summary>
    /// Items per call: enough for the slowest method, <see cref="FifoQueue"/> (about 90 ms warm on the two-core dev machine),
    /// to stay above ~20 ms per call (it creates fresh FIFO queues per call, so its deduplication history starts empty).
    /// </summary>
    public const int ItemCount = 5_000;

    private readonly byte[] payload = "xxxxxxxxxxxxxxxx"u8.ToArray();
    private Channel<byte[]> ping = null!;
    private Channel<byte[]> pong = null!;
    private Channel<byte[]> spscPing = null!;
    private Channel<byte[]> spscPong = null!;
    private ConcurrentQueue<byte[]> pingItems = null!;
    private ConcurrentQueue<byte[]> pongItems = null!;
    private SemaphoreSlim pingAvailable = null!;
    private SemaphoreSlim pongAvailable = null!;
    private ShapeBroker broker = null!;

    [GlobalSetup]
    public void Setup()
    {
        var spsc = new UnboundedChannelOptions { SingleReader = true, SingleWriter = true };
        ping = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        pong = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        spscPing = System.Threading.Channels.Channel.CreateUnbounded<byte[]>(spsc);
        spscPong = System.Threading.Channels.Channel.CreateUnbounded<byte[]>(spsc);
        pingItems = new ConcurrentQueue<byte[]>();
        pongItems = new ConcurrentQueue<byte[]>();
        pingAvailable = new SemaphoreSlim(0);
        pongAvailable = new SemaphoreSlim(0);
        broker = new ShapeBroker(lanes: 2, ItemCount, payload);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        pingAvailable.Dispose();
        pongAvailable.Dispose();
        broker.Dispose();
    }

    /// <summary>Unbounded, default options: A awaits WriteAsync then ReadAsync; B awaits ReadAsync then WriteAsync.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ItemCount)]
    public Task Channel() => PingPong(ping, pong);

    /// <summary>Unbounded, SingleReader and SingleWriter (each channel has one writing and one reading loop).</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public Task ChannelSpsc() => PingPong(spscPing, spscPong);

    /// <summary>
    /// Two <see cref="ConcurrentQueue{T}"/>, each with a <see cref="SemaphoreSlim"/> as the hand-rolled signal: a write
    /// is Enqueue and Release, a read is await WaitAsync and TryDequeue.
    /// </summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public async Task ConcurrentQueue()
    {
        var reads = await Task.WhenAll(
            Task.Run(async () =>
            {
                var read = 0;
                for (var i = 0; i < ItemCount; i++)
                {
                    pingItems.Enqueue(payload);
                    pingAvailable.Release();
                    await pongAvailable.WaitAsync().ConfigureAwait(false);
                    if (pongItems.TryDequeue(out _))
                    {
                        read++;
                    }
                }

                return read;
            }),
            Task.Run(async () =>
            {
                var read = 0;
                for (var i = 0; i < ItemCount; i++)
                {
                    await pingAvailable.WaitAsync().ConfigureAwait(false);
                    if (pingItems.TryDequeue(out _))
                    {
                        read++;
                    }

                    pongItems.Enqueue(payload);
                    pongAvailable.Release();
                }

                return read;
            })).ConfigureAwait(false);
        CheckBoth(reads);
    }

    /// <summary>Two standard queues: a write is await SendAsync, a read is await ReceiveAsync (20 s long poll, one message) and DeleteAsync(ReceivedMessage).</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public Task StandardQueue() => PingPong(broker.StandardQueues, broker.Sends);

    /// <summary>As <see cref="StandardQueue"/>, on two FIFO queues: one message group each, a deduplication id per item.</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public Task FifoQueue() => PingPong(broker.NextFifoQueues(), broker.FifoSends);

    /// <summary>
    /// Two standard topics, each with one raw-delivery queue subscription: a write is await PublishAsync, a read is await
    /// ReceiveAsync (20 s long poll, one message) and DeleteAsync(ReceivedMessage) on the subscribed queue.
    /// </summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public async Task TopicToQueue()
    {
        var (pingTopic, pongTopic) = (broker.Topics[0], broker.Topics[1]);
        var (pingQueue, pongQueue) = (broker.TopicQueues[0], broker.TopicQueues[1]);
        var publish = broker.Publish;
        var reads = await Task.WhenAll(
            Task.Run(async () =>
            {
                var read = 0;
                for (var i = 0; i < ItemCount; i++)
                {
                    await pingTopic.PublishAsync(publish).ConfigureAwait(false);
                    var message = ShapeBroker.Single(await pongQueue.ReceiveAsync(ShapeBroker.LongPoll).ConfigureAwait(false));
                    await pongQueue.DeleteAsync(message).ConfigureAwait(false);
                    read++;
                }

                return read;
            }),
            Task.Run(async () =>
            {
                var read = 0;
                for (var i = 0; i < ItemCount; i++)
                {
                    var message = ShapeBroker.Single(await pingQueue.ReceiveAsync(ShapeBroker.LongPoll).ConfigureAwait(false));
                    await pingQueue.DeleteAsync(message).ConfigureAwait(false);
                    read++;
                    await pongTopic.PublishAsync(publish).ConfigureAwait(false);
                }

                return read;
            })).ConfigureAwait(false);
        CheckBoth(reads);
        ShapeBroker.CheckEmpty(pingQueue);
        ShapeBroker.CheckEmpty(pongQueue);
    }

    /// <summary>
    /// Two one-shard streams: a write is await PutRecordAsync, a read is await the next event of a SubscribeToShard
    /// enumeration (enhanced fan-out) started before the loops. The streams are fresh, created and deleted inside the
    /// call (a few microseconds, against milliseconds of work).
    /// </summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public async Task Stream()
    {
        var pingStream = broker.CreateStream();
        var pongStream = broker.CreateStream();
        try
        {
            var put = broker.Put;
            var pingEvents = Subscribe(pingStream);
            var pongEvents = Subscribe(pongStream);
            await using (pingEvents.ConfigureAwait(false))
            await using (pongEvents.ConfigureAwait(false))
            {
                var results = await Task.WhenAll(
                    Task.Run(async () =>
                    {
                        var result = new StreamSide();
                        for (var i = 0; i < ItemCount; i++)
                        {
                            result.LastPut = (await pingStream.PutRecordAsync(put).ConfigureAwait(false)).SequenceNumber;
                            var records = ShapeBroker.EventRecords(await pongEvents.MoveNextAsync().ConfigureAwait(false), pongEvents);
                            result.LastRead = records[^1].SequenceNumber;
                            result.Read += records.Count;
                        }

                        return result;
                    }),
                    Task.Run(async () =>
                    {
                        var result = new StreamSide();
                        for (var i = 0; i < ItemCount; i++)
                        {
                            var records = ShapeBroker.EventRecords(await pingEvents.MoveNextAsync().ConfigureAwait(false), pingEvents);
                            result.LastRead = records[^1].SequenceNumber;
                            result.Read += records.Count;
                            result.LastPut = (await pongStream.PutRecordAsync(put).ConfigureAwait(false)).SequenceNumber;
                        }

                        return result;
                    })).ConfigureAwait(false);
                var (pinger, ponger) = (results[0], results[1]);
                CheckBoth([pinger.Read, ponger.Read]);
                ShapeBroker.CheckDrained(pinger.LastPut, ponger.LastRead);
                ShapeBroker.CheckDrained(ponger.LastPut, pinger.LastRead);
            }
        }
        finally
        {
            broker.DeleteStream(pingStream);
            broker.DeleteStream(pongStream);
        }
    }

    private async Task PingPong(Channel<byte[]> first, Channel<byte[]> second)
    {
        var (pingWriter, pingReader) = (first.Writer, first.Reader);
        var (pongWriter, pongReader) = (second.Writer, second.Reader);
        var reads = await Task.WhenAll(
            Task.Run(async () =>
            {
                var read = 0;
                for (var i = 0; i < ItemCount; i++)
                {
                    await pingWriter.WriteAsync(payload).ConfigureAwait(false);
                    await pongReader.ReadAsync().ConfigureAwait(false);
                    read++;
                }

                return read;
            }),
            Task.Run(async () =>
            {
                var read = 0;
                for (var i = 0; i < ItemCount; i++)
                {
                    await pingReader.ReadAsync().ConfigureAwait(false);
                    read++;
                    await pongWriter.WriteAsync(payload).ConfigureAwait(false);
                }

                return read;
            })).ConfigureAwait(false);
        CheckBoth(reads);
    }

    private static async Task PingPong(IMessageQueue[] queues, SendMessageRequest[] sends)
    {
        var (pingQueue, pongQueue) = (queues[0], queues[1]);
        var reads = await Task.WhenAll(
            Task.Run(async () =>
            {
                var read = 0;
                for (var i = 0; i < ItemCount; i++)
                {
                    await pingQueue.SendAsync(sends[i]).ConfigureAwait(false);
                    var message = ShapeBroker.Single(await pongQueue.ReceiveAsync(ShapeBroker.LongPoll).ConfigureAwait(false));
                    await pongQueue.DeleteAsync(message).ConfigureAwait(false);
                    read++;
                }

                return read;
            }),
            Task.Run(async () =>
            {
                var read = 0;
                for (var i = 0; i < ItemCount; i++)
                {
                    var message = ShapeBroker.Single(await pingQueue.ReceiveAsync(ShapeBroker.LongPoll).ConfigureAwait(false));
                    await pingQueue.DeleteAsync(message).ConfigureAwait(false);
                    read++;
                    await pongQueue.SendAsync(sends[i]).ConfigureAwait(false);
                }

                return read;
            })).ConfigureAwait(false);
        CheckBoth(reads);
        ShapeBroker.CheckEmpty(pingQueue);
        ShapeBroker.CheckEmpty(pongQueue);
    }

    private static IAsyncEnumerator<SubscribeToShardEvent> Subscribe(IDataStream stream) =>
        stream.SubscribeToShard(ShapeBroker.ConsumerName, ShapeBroker.ShardId(stream), ShapeBroker.FromStart).GetAsyncEnumerator();

    private static void CheckBoth(int[] reads)
    {
        ShapeBroker.Check(reads[0], ItemCount);
        ShapeBroker.Check(reads[1], ItemCount);
    }

    /// <summary>What one loop of the stream ping-pong read and wrote.</summary>
    private sealed class StreamSide
    {
        public int Read { get; set; }

        public string? LastPut { get; set; }

        public string? LastRead { get; set; }
    }
}
