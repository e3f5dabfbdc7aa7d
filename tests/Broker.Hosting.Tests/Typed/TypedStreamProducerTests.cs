using Broker.Hosting.Serialization;
using Broker.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Hosting.Tests.Typed;

/// <summary><see cref="IStreamProducer{T}"/>: typed records written to a stream.</summary>
public sealed class TypedStreamProducerTests
{
    private static readonly SystemTextJsonMessageSerializer Json = new();

    [Fact]
    public async Task Record_put_typed_is_read_back_from_its_shard()
    {
        using var provider = new ServiceCollection().AddBroker(b => b.AddStream("orders", s => s with { ShardCount = 2 })).BuildServiceProvider();
        var producer = provider.GetRequiredKeyedService<IStreamProducer<Order>>("orders");

        var put = await producer.PutAsync("customer-7", new Order("o-1", 5m));

        var records = await ReadShard(producer.Stream, put.ShardId);
        var record = Assert.Single(records);
        Assert.Equal("customer-7", record.PartitionKey);
        Assert.Equal(put.SequenceNumber, record.SequenceNumber);
        Assert.Equal(new Order("o-1", 5m), Json.Deserialize<Order>(record.Data));
    }

    [Fact]
    public async Task Batch_of_typed_records_is_written_in_order()
    {
        using var broker = new MessageBroker();
        var producer = broker.CreateStream("orders", new StreamOptions { ShardCount = 1 }).AsTyped<Order>();

        var result = await producer.PutBatchAsync(
        [
            new("customer-7", new Order("o-1", 1m)),
            new("customer-8", new Order("o-2", 2m)),
        ]);

        Assert.Equal(0, result.FailedRecordCount);
        var records = await ReadShard(producer.Stream, producer.Stream.ListShards()[0].ShardId);
        Assert.Equal(["o-1", "o-2"], records.Select(r => Json.Deserialize<Order>(r.Data).OrderId));
    }

    private static async Task<IReadOnlyList<StreamRecord>> ReadShard(IDataStream stream, string shardId)
    {
        var iterator = stream.GetShardIterator(shardId, ShardIteratorType.TrimHorizon);
        return (await stream.GetRecordsAsync(iterator)).Records;
    }
}
