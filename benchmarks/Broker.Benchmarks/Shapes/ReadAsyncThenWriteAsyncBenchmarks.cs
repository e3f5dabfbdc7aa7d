using System.Collections.Concurrent;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Queues;

namespace Broker.Benchmarks.Shapes;

/// <summary>
/// dotnet/performance's <c>ReadAsyncThenWriteAsync</c> channel shape: one flow, <see cref="ItemCount"/> times start a
/// read (which finds nothing and waits), await the write of one item, then await the read. This measures a waiting
/// reader being woken by a writer. One operation is one item written and read (and, for the Broker queues, deleted: a
/// receive without a delete is not consumption in SQS). The baseline is an unbounded <see cref="Channel{T}"/> with
/// default options (ReadAsync; await WriteAsync; await the read). The Broker reads are the ones that wait: ReceiveAsync
/// with 20 s long polling and MaxNumberOfMessages 1 (then DeleteAsync(ReceivedMessage)); for the stream,
/// SubscribeToShard's async enumerator (MoveNextAsync). The payload is one 16-byte array (for the topic, the same 16
/// bytes as text).
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class ReadAsyncThenWriteAsyncBenchmarks
{
    /// <summary>
    /// Items per call: enough for the slowest method, <see cref="FifoQueue"/> (about 45 ms warm on the two-core dev machine),
    /// to stay above ~20 ms per call (it creates fresh FIFO queues per call, so its deduplication history starts empty).
    /// </summary>
    public const int ItemCount = 10_000;

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

    /// <summary>Unbounded, default options: ReadAsync; await WriteAsync; await the read.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ItemCount)]
    public Task Channel() => ReadAsyncThenWriteAsync(channel);

    /// <summary>Unbounded, SingleReader and SingleWriter: ReadAsync; await WriteAsync; await the read.</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public Task ChannelSpsc() => ReadAsyncThenWriteAsync(spscChannel);

    /// <summary>
    /// WaitAsync on a <see cref="SemaphoreSlim"/> (the hand-rolled signal); Enqueue and Release (the write has nothing
    /// to await); await the wait, then TryDequeue.
    /// </summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public async Task ConcurrentQueue()
    {
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            var signalled = available.WaitAsync();
            concurrentQueue.Enqueue(payload);
            available.Release();
            await signalled.ConfigureAwait(false);
            if (concurrentQueue.TryDequeue(out _))
            {
                read++;
            }
        }

        ShapeBroker.Check(read, ItemCount);
    }

    /// <summary>ReceiveAsync (20 s long poll, one message); await SendAsync; await the receive; await DeleteAsync(ReceivedMessage).</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public Task StandardQueue() => ReceiveThenSend(broker.StandardQueues[0], broker.Sends);

    /// <summary>As <see cref="StandardQueue"/>, on a FIFO queue: one message group, a deduplication id per item.</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public Task FifoQueue() => ReceiveThenSend(broker.NextFifoQueues()[0], broker.FifoSends);

    /// <summary>
    /// ReceiveAsync (20 s long poll, one message) on the raw-delivery subscribed queue; await PublishAsync; await the
    /// receive; await DeleteAsync(ReceivedMessage).
    /// </summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public async Task TopicToQueue()
    {
        var topic = broker.Topics[0];
        var queue = broker.TopicQueues[0];
        var publish = broker.Publish;
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            var receiving = queue.ReceiveAsync(ShapeBroker.LongPoll);
            await topic.PublishAsync(publish).ConfigureAwait(false);
            var message = ShapeBroker.Single(await receiving.ConfigureAwait(false));
            await queue.DeleteAsync(message).ConfigureAwait(false);
            read++;
        }

        ShapeBroker.Check(read, ItemCount);
        ShapeBroker.CheckEmpty(queue);
    }

    /// <summary>
    /// MoveNextAsync on a SubscribeToShard enumeration (enhanced fan-out) started before the loop; await PutRecordAsync;
    /// await the event. A fresh one-shard stream is created and deleted inside the call (a few microseconds, against
    /// milliseconds of work).
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
                    var next = events.MoveNextAsync();
                    lastPut = (await stream.PutRecordAsync(put).ConfigureAwait(false)).SequenceNumber;
                    var records = ShapeBroker.EventRecords(await next.ConfigureAwait(false), events);
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

    private async Task ReadAsyncThenWriteAsync(Channel<byte[]> target)
    {
        var reader = target.Reader;
        var writer = target.Writer;
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            var reading = reader.ReadAsync();
            await writer.WriteAsync(payload).ConfigureAwait(false);
            await reading.ConfigureAwait(false);
            read++;
        }

        ShapeBroker.Check(read, ItemCount);
    }

    private static async Task ReceiveThenSend(IMessageQueue queue, SendMessageRequest[] sends)
    {
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            var receiving = queue.ReceiveAsync(ShapeBroker.LongPoll);
            await queue.SendAsync(sends[i]).ConfigureAwait(false);
            var message = ShapeBroker.Single(await receiving.ConfigureAwait(false));
            await queue.DeleteAsync(message).ConfigureAwait(false);
            read++;
        }

        ShapeBroker.Check(read, ItemCount);
        ShapeBroker.CheckEmpty(queue);
    }
}
