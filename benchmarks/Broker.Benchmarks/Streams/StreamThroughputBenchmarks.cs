using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Streams;

namespace Broker.Benchmarks.Streams;

/// <summary>
/// Appends <see cref="RecordCount"/> records with PutRecords in batches of 500 to a 4-shard stream, then reads them all
/// back with GetRecords, either with one reader per shard (concurrently) or with one reader looping over the shards.
/// The baseline is an unbounded <see cref="Channel{T}"/> with default options moving the same entries: written, then
/// read back. Each operation is one record (appended and read). A fresh stream per invocation keeps retention out of it.
/// </summary>
[Config(typeof(BenchmarkConfig))]
[MemoryDiagnoser]
public class StreamThroughputBenchmarks
{
    public const int RecordCount = 100_000;
    private const int BatchSize = 500;
    private const int DistinctKeys = 16;

    private readonly List<PutRecordsRequestEntry[]> batches = [];
    private MessageBroker broker = null!;
    private int streamNumber;

    [GlobalSetup]
    public void Setup()
    {
        broker = new MessageBroker(new BrokerOptions(), TimeProvider.System);
        var keys = Enumerable.Range(0, DistinctKeys).Select(static k => $"partition-{k}").ToArray();
        for (var b = 0; b < RecordCount / BatchSize; b++)
        {
            var batch = new PutRecordsRequestEntry[BatchSize];
            for (var i = 0; i < BatchSize; i++)
            {
                var data = new byte[16];
                BitConverter.TryWriteBytes(data, (b * BatchSize) + i);
                batch[i] = new PutRecordsRequestEntry(keys[i % DistinctKeys], data);
            }

            batches.Add(batch);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => broker.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = RecordCount)]
    public async Task Channel()
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<PutRecordsRequestEntry>();
        foreach (var batch in batches)
        {
            foreach (var entry in batch)
            {
                await channel.Writer.WriteAsync(entry).ConfigureAwait(false);
            }
        }

        channel.Writer.Complete();
        var read = 0;
        long checksum = 0;
        while (await channel.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (channel.Reader.TryRead(out var entry))
            {
                checksum += entry.Data.Length;
                read++;
            }
        }

        Check(read, checksum);
    }

    [Benchmark(OperationsPerInvoke = RecordCount)]
    public async Task StreamReaderPerShard()
    {
        var stream = await Fill().ConfigureAwait(false);
        var counts = await Task.WhenAll(stream.ListShards().Select(shard => Task.Run(() => ReadShard(stream, shard.ShardId)))).ConfigureAwait(false);
        Check(counts.Sum(static c => c.Read), counts.Sum(static c => c.Bytes));
        broker.DeleteStream(stream.Name);
    }

    [Benchmark(OperationsPerInvoke = RecordCount)]
    public async Task StreamOneReaderLoopingShards()
    {
        var stream = await Fill().ConfigureAwait(false);
        var read = 0;
        long checksum = 0;
        foreach (var shard in stream.ListShards())
        {
            var (count, bytes) = await ReadShard(stream, shard.ShardId).ConfigureAwait(false);
            read += count;
            checksum += bytes;
        }

        Check(read, checksum);
        broker.DeleteStream(stream.Name);
    }

    private async Task<IDataStream> Fill()
    {
        var stream = broker.CreateStream($"bench-{++streamNumber}", new StreamOptions { ShardCount = 4 });
        foreach (var batch in batches)
        {
            var result = await stream.PutRecordsAsync(batch).ConfigureAwait(false);
            if (result.FailedRecordCount != 0)
            {
                throw new InvalidOperationException($"{result.FailedRecordCount} records failed.");
            }
        }

        return stream;
    }

    private static async Task<(int Read, long Bytes)> ReadShard(IDataStream stream, string shardId)
    {
        var iterator = stream.GetShardIterator(shardId, ShardIteratorType.TrimHorizon);
        var read = 0;
        long bytes = 0;
        while (true)
        {
            var page = await stream.GetRecordsAsync(iterator, 10_000).ConfigureAwait(false);
            foreach (var record in page.Records)
            {
                bytes += record.Data.Length;
            }

            read += page.Records.Count;
            if (page.Records.Count == 0 || page.MillisBehindLatest == 0 && page.Records.Count < 10_000)
            {
                return (read, bytes);
            }

            iterator = page.NextShardIterator!;
        }
    }

    private static void Check(int read, long bytes)
    {
        if (read != RecordCount || bytes != RecordCount * 16L)
        {
            throw new InvalidOperationException($"Moved {read} records ({bytes} bytes) instead of {RecordCount}.");
        }
    }
}
