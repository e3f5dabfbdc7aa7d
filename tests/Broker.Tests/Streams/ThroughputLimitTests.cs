using Broker.Streams;

namespace Broker.Tests.Streams;

/// <summary>The opt-in throughput emulation (contract: EnforceThroughputLimits; kinesis.md §1.5). Time only moves when the test moves it.</summary>
public sealed class ThroughputLimitTests : StreamFixture
{
    private IDataStream Limited(int shards = 1) =>
        Broker.CreateStream("limited", new StreamOptions { ShardCount = shards, EnforceThroughputLimits = true });

    [Fact]
    public async Task PutRecord_beyond_1000_records_in_a_second_on_one_shard_is_ProvisionedThroughputExceededException()
    {
        var stream = Limited(shards: 2);
        for (var i = 0; i < 1_000; i++)
        {
            await PutAt(stream, 0, $"m{i}");
        }

        await ThrowsBroker(BrokerErrorCodes.ProvisionedThroughputExceededException, () => PutAt(stream, 0, "over"));

        // Another shard has its own budget; a second later the first takes writes again.
        await PutAt(stream, MaxHashKey, "other shard");
        Time.Advance(TimeSpan.FromSeconds(1));
        await PutAt(stream, 0, "later");
        Assert.Equal(1_001, (await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon))).Records.Count);
    }

    [Fact]
    public async Task GetRecords_beyond_5_calls_in_a_second_on_one_shard_is_ProvisionedThroughputExceededException()
    {
        var stream = Limited();
        await Put(stream, "k", "a");
        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(["a"], (await stream.GetRecordsAsync(iterator)).Records.Select(Text));
        }

        await ThrowsBroker(BrokerErrorCodes.ProvisionedThroughputExceededException, () => stream.GetRecordsAsync(iterator).AsTask());

        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["a"], (await stream.GetRecordsAsync(iterator)).Records.Select(Text));
    }

    [Fact]
    public async Task Without_the_option_no_call_is_throttled()
    {
        var stream = Create(shards: 1);
        for (var i = 0; i < 1_500; i++)
        {
            await Put(stream, "k", $"m{i}");
        }

        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(1_500, (await stream.GetRecordsAsync(iterator)).Records.Count);
        }
    }
}
