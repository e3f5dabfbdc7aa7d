using System.Globalization;
using System.Numerics;
using System.Text;
using Broker.Streams;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Streams;

/// <summary>A broker on a fake clock (2000-01-01 UTC) and the helpers the data-stream tests share.</summary>
public abstract class StreamFixture : BrokerAssertions, IDisposable
{
    /// <summary>2^128, one past the largest hash key.</summary>
    protected static readonly BigInteger HashSpace = BigInteger.One << 128;

    /// <summary>2^128 − 1, the largest hash key.</summary>
    protected static readonly BigInteger MaxHashKey = HashSpace - 1;

    /// <summary>How long any test waits for a signal before failing; never a timing assertion.</summary>
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    protected StreamFixture()
    {
        Time = new FakeTimeProvider();
        Broker = new MessageBroker(new BrokerOptions(), Time);
    }

    protected FakeTimeProvider Time { get; }

    protected MessageBroker Broker { get; }

    protected DateTimeOffset Now => Time.GetUtcNow();

    protected static string ShardId(int index) => "shardId-" + index.ToString("D12", CultureInfo.InvariantCulture);

    protected static BigInteger Big(string decimalString) => BigInteger.Parse(decimalString, NumberStyles.None, CultureInfo.InvariantCulture);

    protected static string Dec(BigInteger value) => value.ToString(CultureInfo.InvariantCulture);

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(StreamRecord record) => Encoding.UTF8.GetString(record.Data.Span);

    protected IDataStream Create(string name = "s", int shards = 4, TimeSpan? retention = null) =>
        Broker.CreateStream(name, new StreamOptions { ShardCount = shards, RetentionPeriod = retention ?? TimeSpan.FromHours(24) });

    protected static async Task<PutRecordResult> Put(IDataStream stream, string key, string data, string? explicitHashKey = null) =>
        await stream.PutRecordAsync(new PutRecordRequest(key, Bytes(data)) { ExplicitHashKey = explicitHashKey });

    /// <summary>Puts a record to the shard that owns <paramref name="hashKey"/>, whatever its partition key.</summary>
    protected static Task<PutRecordResult> PutAt(IDataStream stream, BigInteger hashKey, string data) => Put(stream, "k", data, Dec(hashKey));

    /// <summary>Reads from an iterator until a call returns no records (or the shard's end); returns the records and the last result.</summary>
    protected static async Task<(List<StreamRecord> Records, GetRecordsResult Last)> Drain(IDataStream stream, string iterator, int limit = 10_000)
    {
        var records = new List<StreamRecord>();
        for (var calls = 0; calls < 10_000; calls++)
        {
            var result = await stream.GetRecordsAsync(iterator, limit);
            records.AddRange(result.Records);
            if (result.NextShardIterator is null || result.Records.Count == 0)
            {
                return (records, result);
            }

            iterator = result.NextShardIterator;
        }

        throw new InvalidOperationException("The shard never ran dry.");
    }

    protected static async Task<List<string>> ReadTexts(IDataStream stream, string shardId, ShardIteratorType type = ShardIteratorType.TrimHorizon, string? sequenceNumber = null, DateTimeOffset? timestamp = null)
    {
        var (records, _) = await Drain(stream, stream.GetShardIterator(shardId, type, sequenceNumber, timestamp));
        return records.Select(Text).ToList();
    }

    protected static Shard Find(IReadOnlyList<Shard> shards, string shardId) => Assert.Single(shards, s => s.ShardId == shardId);

    /// <summary>
    /// Reads every shard as the KCL does: a shard only after each of its parents was read until its NextShardIterator was
    /// null, children found through ChildShards. Returns (shard, record) in the order read.
    /// </summary>
    protected static async Task<List<(string ShardId, StreamRecord Record)>> ReadByLineage(IDataStream stream, int limit = 1_000)
    {
        var all = stream.ListShards().ToDictionary(s => s.ShardId);
        var read = new List<(string, StreamRecord)>();
        var drained = new HashSet<string>();
        var pending = all.Values.Where(s => s.ParentShardId is null || !all.ContainsKey(s.ParentShardId)).Select(s => s.ShardId).ToList();
        while (pending.Count > 0)
        {
            var ready = pending.First(id => new[] { all[id].ParentShardId, all[id].AdjacentParentShardId }.All(p => p is null || drained.Contains(p) || !all.ContainsKey(p)));
            pending.Remove(ready);
            var iterator = stream.GetShardIterator(ready, ShardIteratorType.TrimHorizon);
            for (var calls = 0; ; calls++)
            {
                Assert.True(calls < 100_000, $"{ready} never ended");
                var result = await stream.GetRecordsAsync(iterator, limit);
                read.AddRange(result.Records.Select(r => (ready, r)));
                if (result.NextShardIterator is null)
                {
                    pending.AddRange(result.ChildShards.Select(c => c.ShardId).Where(c => !drained.Contains(c) && !pending.Contains(c)));
                    break;
                }

                if (result.Records.Count == 0 && all[ready].SequenceNumberRange.EndingSequenceNumber is null)
                {
                    break;
                }

                iterator = result.NextShardIterator;
            }

            drained.Add(ready);
        }

        Assert.Equal(all.Keys.Order(StringComparer.Ordinal), drained.Order(StringComparer.Ordinal));
        return read;
    }

    /// <summary>The open shards cover [0, 2^128−1] without gaps or overlaps.</summary>
    protected static void AssertOpenShardsCoverTheHashSpace(IDataStream stream, int expectedCount)
    {
        var open = stream.ListShards(new ShardFilter(ShardFilterType.AtLatest))
            .Select(s => (Id: s.ShardId, Start: Big(s.HashKeyRange.StartingHashKey), End: Big(s.HashKeyRange.EndingHashKey), s.SequenceNumberRange.EndingSequenceNumber))
            .OrderBy(s => s.Start)
            .ToList();
        Assert.Equal(expectedCount, open.Count);
        Assert.All(open, s => Assert.Null(s.EndingSequenceNumber));
        var next = BigInteger.Zero;
        foreach (var shard in open)
        {
            Assert.True(shard.Start == next, $"{shard.Id} starts at {shard.Start}, expected {next}");
            Assert.True(shard.End >= shard.Start, $"{shard.Id} has an empty range");
            next = shard.End + 1;
        }

        Assert.Equal(HashSpace, next);
        Assert.Equal(expectedCount, stream.Describe().OpenShardCount);
    }

    public void Dispose()
    {
        Broker.Dispose();
        GC.SuppressFinalize(this);
    }
}
