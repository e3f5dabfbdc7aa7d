using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Broker.Queues;
using Broker.Streams;

namespace Broker.Benchmarks.Runner;

/// <summary>
/// <c>--memory</c>: managed memory per item with 1,000,000 items of 16 bytes held, measured as the growth of the heap
/// after full collections (<see cref="GC.GetTotalMemory(bool)"/>), so it counts what stays alive, not what was
/// allocated on the way. The baselines hold 1,000,000 distinct 16-byte arrays (each item its own copy, as a queue's
/// message is) in an unbounded <see cref="Channel{T}"/> and in a <see cref="ConcurrentQueue{T}"/>. The Broker rows hold
/// the same bodies as queued messages (standard; FIFO over 100 groups with a deduplication id each, whose 5-minute
/// deduplication records count) and as stream records (4 shards, 10 partition keys). BenchmarkDotNet measures
/// allocation, not what is retained, hence this runner.
/// </summary>
public static class MemoryRun
{
    private const int Count = 1_000_000;
    private const int BodyLength = 16;

    /// <summary>Measures each container and prints (and writes) a markdown table.</summary>
    public static async Task<int> RunAsync()
    {
        var rows = new List<(string What, double Bytes)>
        {
            ("Channel<byte[]> (unbounded), baseline", await MeasureAsync(FillChannel).ConfigureAwait(false)),
            ("ConcurrentQueue<byte[]>", await MeasureAsync(FillConcurrentQueue).ConfigureAwait(false)),
            ("Broker standard queue, queued messages", await MeasureAsync(FillStandardQueue).ConfigureAwait(false)),
            ("Broker FIFO queue (100 groups, dedup id each), queued messages", await MeasureAsync(FillFifoQueue).ConfigureAwait(false)),
            ("Broker stream (4 shards), stored records", await MeasureAsync(FillStream).ConfigureAwait(false)),
        };
        var baseline = rows[0].Bytes;
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Memory per held item, {Count:N0} items of {BodyLength} bytes ({ReportFile.Machine})")
            .AppendLine()
            .AppendLine("| holder | bytes per item | beyond the 16-byte body | ratio to Channel |")
            .AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var (what, bytes) in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {what} | {bytes:F1} | {bytes - BodyLength:F1} | {bytes / baseline:F2}x |");
            Console.WriteLine($"memory: {what}: {bytes:F1} B/item ({bytes / baseline:F2}x Channel)");
        }

        Console.WriteLine(text);
        Console.WriteLine($"memory: report written to {ReportFile.Write("MemoryFootprint", text.ToString())}");
        return 0;
    }

    private static async Task<double> MeasureAsync(Func<Task<object>> fill)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var holder = await fill().ConfigureAwait(false);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(holder);
        if (holder is IDisposable disposable)
        {
            disposable.Dispose();
        }

        return (after - before) / (double)Count;
    }

    private static Task<object> FillChannel()
    {
        var channel = Channel.CreateUnbounded<byte[]>();
        for (var i = 0; i < Count; i++)
        {
            if (!channel.Writer.TryWrite(Body()))
            {
                throw new InvalidOperationException("The unbounded channel refused a write.");
            }
        }

        return Task.FromResult(Checked(channel, channel.Reader.Count));
    }

    private static Task<object> FillConcurrentQueue()
    {
        var queue = new ConcurrentQueue<byte[]>();
        for (var i = 0; i < Count; i++)
        {
            queue.Enqueue(Body());
        }

        return Task.FromResult(Checked(queue, queue.Count));
    }

    private static async Task<object> FillStandardQueue()
    {
        var broker = new MessageBroker(new BrokerOptions(), TimeProvider.System);
        var queue = broker.CreateQueue("memory");
        await Warm().ConfigureAwait(false);
        var request = new SendMessageRequest(Body());
        for (var i = 0; i < Count; i++)
        {
            await queue.SendAsync(request).ConfigureAwait(false);
        }

        return Checked(broker, (int)queue.GetAttributes().ApproximateNumberOfMessages);
    }

    private static async Task<object> FillFifoQueue()
    {
        var broker = new MessageBroker(new BrokerOptions(), TimeProvider.System);
        var queue = broker.CreateQueue("memory.fifo", new QueueOptions { FifoQueue = true });
        await Warm().ConfigureAwait(false);
        var groups = Enumerable.Range(0, 100).Select(static g => $"group-{g}").ToArray();
        var body = Body();
        for (var i = 0; i < Count; i++)
        {
            await queue.SendAsync(new SendMessageRequest(body)
            {
                MessageGroupId = groups[i % groups.Length],
                MessageDeduplicationId = i.ToString(CultureInfo.InvariantCulture),
            }).ConfigureAwait(false);
        }

        return Checked(broker, (int)queue.GetAttributes().ApproximateNumberOfMessages);
    }

    private static async Task<object> FillStream()
    {
        var broker = new MessageBroker(new BrokerOptions(), TimeProvider.System);
        var stream = broker.CreateStream("memory", new StreamOptions { ShardCount = 4 });
        await Warm().ConfigureAwait(false);
        var keys = Enumerable.Range(0, 10).Select(static k => $"key-{k}").ToArray();
        var batch = new PutRecordsRequestEntry[500];
        var body = Body();
        for (var i = 0; i < Count; i += batch.Length)
        {
            for (var j = 0; j < batch.Length; j++)
            {
                batch[j] = new PutRecordsRequestEntry(keys[(i + j) % keys.Length], body);
            }

            var result = await stream.PutRecordsAsync(batch).ConfigureAwait(false);
            if (result.FailedRecordCount != 0)
            {
                throw new InvalidOperationException($"{result.FailedRecordCount} records were refused.");
            }
        }

        var stored = 0;
        foreach (var shard in stream.ListShards())
        {
            var iterator = stream.GetShardIterator(shard.ShardId, ShardIteratorType.TrimHorizon);
            while (iterator is not null)
            {
                var records = await stream.GetRecordsAsync(iterator).ConfigureAwait(false);
                stored += records.Records.Count;
                iterator = records.Records.Count == 0 ? null : records.NextShardIterator;
            }
        }

        return Checked(broker, stored);
    }

    /// <summary>Runs each kind of entity once on a throwaway broker so first-use allocations (statics, JIT data) do not count.</summary>
    private static async Task Warm()
    {
        using var warm = new MessageBroker(new BrokerOptions(), TimeProvider.System);
        await warm.CreateQueue("warm").SendAsync(new SendMessageRequest(Body())).ConfigureAwait(false);
        await warm.CreateQueue("warm.fifo", new QueueOptions { FifoQueue = true })
            .SendAsync(new SendMessageRequest(Body()) { MessageGroupId = "g", MessageDeduplicationId = "d" }).ConfigureAwait(false);
        await warm.CreateStream("warm").PutRecordAsync(new PutRecordRequest("k", Body())).ConfigureAwait(false);
    }

    private static byte[] Body()
    {
        var body = new byte[BodyLength];
        body.AsSpan().Fill((byte)'x');
        return body;
    }

    private static object Checked(object holder, int held) =>
        held == Count ? holder : throw new InvalidOperationException($"Held {held} items instead of {Count}.");
}
