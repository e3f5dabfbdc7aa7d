using Broker.Streams;
using Broker.Tests.Queues;
using Xunit.Abstractions;

namespace Broker.Tests.Streams.Engine;

/// <summary>The contract's memory bar: at most 64 bytes of managed memory per stored record beyond its data.</summary>
[Collection(nameof(MeasuresTheWholeHeap))]
public sealed class StreamMemoryFootprintTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_million_stored_records_cost_at_most_64_bytes_each_beyond_their_data()
    {
        const int Count = 1_000_000;
        const int DataLength = 16;
        using var broker = new MessageBroker();
        var stream = broker.CreateStream("deep", new StreamOptions { ShardCount = 4 });
        var keys = Enumerable.Range(0, 10).Select(k => $"key-{k}").ToArray();
        var batch = Enumerable.Range(0, 500).Select(i => new PutRecordsRequestEntry(keys[i % keys.Length], new byte[DataLength])).ToList();

        // Warm the put path (and intern the keys) so that one-time allocations do not count.
        await stream.PutRecordsAsync(batch);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < Count / batch.Count; i++)
        {
            await stream.PutRecordsAsync(batch);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var beyondData = ((after - before) / (double)Count) - DataLength;
        output.WriteLine($"{beyondData:F1} bytes per stored record beyond its {DataLength}-byte data");
        Assert.True(beyondData <= 64, $"{beyondData:F1} bytes per stored record beyond its {DataLength}-byte data");
        GC.KeepAlive(stream);
    }
}
