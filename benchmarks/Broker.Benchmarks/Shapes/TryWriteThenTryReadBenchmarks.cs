using System.Collections.Concurrent;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Queues;
using Broker.Streams;

namespace Broker.Benchmarks.Shapes;

/// <summary>
/// dotnet/performance's <c>TryWriteThenTryRead</c> channel shape: one thread, <see cref="ItemCount"/> times write one
/// item without waiting, then read it back without waiting. One operation is one item written and read (and, for the
/// Broker queues, deleted: a receive without a delete is not consumption in SQS). The baseline is an unbounded
/// <see cref="Channel{T}"/> with default options (TryWrite; TryRead). Every Broker call here must complete synchronously
/// (checked, not awaited): SendAsync, PublishAsync or PutRecordAsync; ReceiveAsync with WaitTime 0 and
/// MaxNumberOfMessages 1 then DeleteAsync(ReceivedMessage), or GetRecordsAsync with limit 1 following the
/// NextShardIterator. The payload is one 16-byte array (for the topic, the same 16 bytes as text).
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class TryWriteThenTryReadBenchmarks
{
    /// <summary>
    /// Items per call: enough for the slowest method, <see cref="FifoQueue"/> (about 50 ms warm on the two-core dev machine),
    /// to stay above ~20 ms per call (it creates fresh FIFO queues per call, so its deduplication history starts empty).
    /// </summary>
    public const int ItemCount = 20_000;

    private readonly byte[] payload = "xxxxxxxxxxxxxxxx"u8.ToArray();
    private Channel<byte[]> channel = null!;
    private Channel<byte[]> spscChannel = null!;
    private ConcurrentQueue<byte[]> concurrentQueue = null!;
    private ShapeBroker broker = null!;

    [GlobalSetup]
    public void Setup()
    {
        channel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        spscChannel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        concurrentQueue = new ConcurrentQueue<byte[]>();
        broker = new ShapeBroker(lanes: 1, ItemCount, payload);
    }

    [GlobalCleanup]
    public void Cleanup() => broker.Dispose();

    /// <summary>Unbounded, default options: TryWrite; TryRead.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ItemCount)]
    public void Channel() => TryWriteThenTryRead(channel);

    /// <summary>Unbounded, SingleReader and SingleWriter: TryWrite; TryRead.</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public void ChannelSpsc() => TryWriteThenTryRead(spscChannel);

    /// <summary>Enqueue; TryDequeue.</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public void ConcurrentQueue()
    {
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            concurrentQueue.Enqueue(payload);
            if (concurrentQueue.TryDequeue(out _))
            {
                read++;
            }
        }

        ShapeBroker.Check(read, ItemCount);
    }

    /// <summary>SendAsync; ReceiveAsync (WaitTime 0, one message); DeleteAsync(ReceivedMessage).</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public void StandardQueue() => SendThenTryReceive(broker.StandardQueues[0], broker.Sends);

    /// <summary>As <see cref="StandardQueue"/>, on a FIFO queue: one message group, a deduplication id per item.</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public void FifoQueue() => SendThenTryReceive(broker.NextFifoQueues()[0], broker.FifoSends);

    /// <summary>PublishAsync; ReceiveAsync (WaitTime 0, one message) and DeleteAsync on the raw-delivery subscribed queue.</summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public void TopicToQueue()
    {
        var topic = broker.Topics[0];
        var queue = broker.TopicQueues[0];
        var publish = broker.Publish;
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            ShapeBroker.Completed(topic.PublishAsync(publish));
            read += TryReceiveAndDelete(queue);
        }

        ShapeBroker.Check(read, ItemCount);
        ShapeBroker.CheckEmpty(queue);
    }

    /// <summary>
    /// PutRecordAsync; GetRecordsAsync (limit 1) from the previous call's NextShardIterator, on a fresh one-shard
    /// stream created and deleted inside the call (a few microseconds, against milliseconds of work).
    /// </summary>
    [Benchmark(OperationsPerInvoke = ItemCount)]
    public void Stream()
    {
        var stream = broker.CreateStream();
        try
        {
            var put = broker.Put;
            var iterator = stream.GetShardIterator(ShapeBroker.ShardId(stream), ShardIteratorType.TrimHorizon);
            string? lastPut = null;
            string? lastRead = null;
            var read = 0;
            for (var i = 0; i < ItemCount; i++)
            {
                lastPut = ShapeBroker.Completed(stream.PutRecordAsync(put)).SequenceNumber;
                var page = ShapeBroker.Completed(stream.GetRecordsAsync(iterator, 1));
                iterator = page.NextShardIterator!;
                if (page.Records.Count == 1)
                {
                    lastRead = page.Records[0].SequenceNumber;
                    read++;
                }
            }

            ShapeBroker.Check(read, ItemCount);
            ShapeBroker.CheckDrained(lastPut, lastRead);
        }
        finally
        {
            broker.DeleteStream(stream);
        }
    }

    private void TryWriteThenTryRead(Channel<byte[]> target)
    {
        var reader = target.Reader;
        var writer = target.Writer;
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            writer.TryWrite(payload);
            if (reader.TryRead(out _))
            {
                read++;
            }
        }

        ShapeBroker.Check(read, ItemCount);
    }

    private static void SendThenTryReceive(IMessageQueue queue, SendMessageRequest[] sends)
    {
        var read = 0;
        for (var i = 0; i < ItemCount; i++)
        {
            ShapeBroker.Completed(queue.SendAsync(sends[i]));
            read += TryReceiveAndDelete(queue);
        }

        ShapeBroker.Check(read, ItemCount);
        ShapeBroker.CheckEmpty(queue);
    }

    /// <summary>The try read of a queue: a short poll for one message, deleted when there is one; returns how many were read.</summary>
    private static int TryReceiveAndDelete(IMessageQueue queue)
    {
        var received = ShapeBroker.Completed(queue.ReceiveAsync(ShapeBroker.ShortPoll));
        if (received.Count == 0)
        {
            return 0;
        }

        ShapeBroker.Completed(queue.DeleteAsync(received[0]));
        return 1;
    }
}
