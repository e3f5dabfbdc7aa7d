using System.Collections.Concurrent;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Queues;

namespace Broker.Benchmarks.Shapes;

/// <summary>
/// dotnet/performance's <c>WriteAsyncThenReadAsync</c> channel shape: one flow, <see cref="ItemCount"/> times await the
/// write of one item, then await its read. The item is always there when the read starts, so this measures the waiting
/// APIs' fast path. One operation is one item written and read (and, for the Broker queues, deleted: a receive without a
/// delete is not consumption in SQS). The baseline is an unbounded <see cref="Channel{T}"/> with default options
/// (await WriteAsync; await ReadAsync). The Broker reads are the ones that wait: ReceiveAsync with 20 s long polling and
/// MaxNumberOfMessages 1, then DeleteAsync(ReceivedMessage); for the stream, SubscribeToShard's async enumerator
/// (MoveNextAsync). The payload is one 16-byte array (for the topic, the same 16 bytes as text).
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class WriteAsyncThenReadAsyncBenchmarks
{
    /// <summary>
    /// Items per call: enough for the slowest method, <see cref="FifoQueue"/> (about 25 ms warm on the two-core dev machine),
    /// to stay above ~20 ms per call (it creates fresh FIFO queues per call, so its deduplication history starts empty).
    /// </summary>
    public const int ItemCount = 20_000;

    private readonly byte[] payload = "xxxxxxxxxxxxxxxx"u8.ToArray();
    private Channel<byte[]> channel = null!;
    private Channel<byte[]> spscChannel = null!;
    private ConcurrentQueue<byte[]> concurrentQueue = null!;
    private SemaphoreSlim available = null!;
    private ShapeBroker broker = null!;

    [GlobalSetup]
    public void Setup()
    {
        channel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        spscChannel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        concurrentQueue = new ConcurrentQueue<byte[]>();
        available = new SemaphoreSlim(0);
        broker = new ShapeBroker(lanes: 1, ItemCount, payload);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        available.Dispose();
        broker.Dispose();
    }

    /// <summary>Unbounded, default options: await WriteAsync; await ReadAsync.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ItemCount)]
    public Task Channel() => WriteAsyncThenReadAsync(channel);

    /// <summary>Unbounded, SingleReader and SingleWriter: await WriteAsync; await ReadAsync.</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public Task ChannelSpsc() => WriteAsyncThenReadAsync(spscChannel);

    /// <summary>
    /// Enqueue and Release a <see cref="SemaphoreSlim"/> (the hand-rolled signal; the write has nothing to await);
    /// then await WaitAsync and TryDequeue.
    /// </summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public async Task ConcurrentQueue()
    {
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            concurrentQueue.Enqueue(payload);
            available.Release();
            await available.WaitAsync().ConfigureAwait(false);
            if (concurrentQueue.TryDequeue(out _))
            {
                read++;
            }
        }

        ShapeBroker.Check(read, ItemCount);
    }

    /// <summary>await SendAsync; await ReceiveAsync (20 s long poll, one message); await DeleteAsync(ReceivedMessage).</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public Task StandardQueue() => SendThenReceive(broker.StandardQueues[0], broker.Sends);

    /// <summary>As <see cref="StandardQueue"/>, on a FIFO queue: one message group, a deduplication id per item.</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public Task FifoQueue() => SendThenReceive(broker.NextFifoQueues()[0], broker.FifoSends);

    /// <summary>await PublishAsync; await ReceiveAsync (20 s long poll, one message) and DeleteAsync on the raw-delivery subscribed queue.</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public async Task TopicToQueue()
    {
        var topic = broker.Topics[0];
        var queue = broker.TopicQueues[0];
        var publish = broker.Publish;
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            await topic.PublishAsync(publish).ConfigureAwait(false);
            var message = ShapeBroker.Single(await queue.ReceiveAsync(ShapeBroker.LongPoll).ConfigureAwait(false));
            await queue.DeleteAsync(message).ConfigureAwait(false);
            read++;
        }

        ShapeBroker.Check(read, ItemCount);
        ShapeBroker.CheckEmpty(queue);
    }

    /// <summary>
    /// await PutRecordAsync; await the next event of a SubscribeToShard enumeration (enhanced fan-out) started before the
    /// loop, on a fresh one-shard stream created and deleted inside the call (a few microseconds, against milliseconds
    /// of work).
    /// </summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public async Task Stream()
    {
        var stream = broker.CreateStream();
        try
        {
            var put = broker.Put;
            var events = stream.SubscribeToShard(ShapeBroker.ConsumerName, ShapeBroker.ShardId(stream), ShapeBroker.FromStart).GetAsyncEnumerator();
            await using (events.ConfigureAwait(false))
            {
                string? lastPut = null;
                string? lastRead = null;
                var read = 0;
                for (var i = 0; i < ItemCount; i++)
                {
                    lastPut = (await stream.PutRecordAsync(put).ConfigureAwait(false)).SequenceNumber;
                    var records = ShapeBroker.EventRecords(await events.MoveNextAsync().ConfigureAwait(false), events);
                    lastRead = records[^1].SequenceNumber;
                    read += records.Count;
                }

                ShapeBroker.Check(read, ItemCount);
                ShapeBroker.CheckDrained(lastPut, lastRead);
            }
        }
        finally
        {
            broker.DeleteStream(stream);
        }
    }

    private async Task WriteAsyncThenReadAsync(Channel<byte[]> target)
    {
        var reader = target.Reader;
        var writer = target.Writer;
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            await writer.WriteAsync(payload).ConfigureAwait(false);
            await reader.ReadAsync().ConfigureAwait(false);
            read++;
        }

        ShapeBroker.Check(read, ItemCount);
    }

    private static async Task SendThenReceive(IMessageQueue queue, SendMessageRequest[] sends)
    {
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            await queue.SendAsync(sends[i]).ConfigureAwait(false);
            var message = ShapeBroker.Single(await queue.ReceiveAsync(ShapeBroker.LongPoll).ConfigureAwait(false));
            await queue.DeleteAsync(message).ConfigureAwait(false);
            read++;
        }

        ShapeBroker.Check(read, ItemCount);
        ShapeBroker.CheckEmpty(queue);
    }
}
