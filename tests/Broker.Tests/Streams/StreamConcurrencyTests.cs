using System.Collections.Concurrent;
using System.Numerics;
using Broker.Streams;

namespace Broker.Tests.Streams;

/// <summary>
/// Producers and a reader on real threads against one shard; the history is checked afterwards. The fake clock never
/// moves, so no iterator expires. Waits are bounded and wait on the work, never on time.
/// </summary>
public sealed class StreamConcurrencyTests : StreamFixture
{
    private static readonly TimeSpan WorkBound = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData(4, 5_000, false)]
    [InlineData(3, 2_000, true)]
    public async Task Concurrent_producers_to_one_shard_are_read_exactly_once_in_sequence_order_and_each_in_its_own_put_order(int producers, int perProducer, bool batches)
    {
        var stream = Create(shards: 2);
        var total = producers * perProducer;
        var acknowledged = new ConcurrentDictionary<string, string>();
        using var start = new ManualResetEventSlim();

        var putters = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            start.Wait(WorkBound);
            for (var i = 0; i < perProducer;)
            {
                if (batches)
                {
                    // One entry per call keeps each producer's order meaningful (PutRecords does not promise order within a call).
                    var result = await stream.PutRecordsAsync([new PutRecordsRequestEntry($"p{p}", Bytes($"{p}:{i}")) { ExplicitHashKey = "7" }]);
                    Assert.Equal(0, result.FailedRecordCount);
                    Assert.Equal(ShardId(0), result.Records[0].ShardId);
                    acknowledged[result.Records[0].SequenceNumber!] = $"{p}:{i}";
                }
                else
                {
                    var result = await stream.PutRecordAsync(new PutRecordRequest($"p{p}", Bytes($"{p}:{i}")) { ExplicitHashKey = "7" });
                    Assert.Equal(ShardId(0), result.ShardId);
                    acknowledged[result.SequenceNumber] = $"{p}:{i}";
                }

                i++;
            }
        })).ToList();

        var read = new List<StreamRecord>(total);
        var reader = Task.Run(async () =>
        {
            var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);
            start.Set();
            while (read.Count < total)
            {
                var result = await stream.GetRecordsAsync(iterator, limit: 1_000);
                read.AddRange(result.Records);
                iterator = result.NextShardIterator ?? throw new InvalidOperationException("An open shard returned no next iterator.");
                if (result.Records.Count == 0)
                {
                    await Task.Yield();
                }
            }
        });

        await Task.WhenAll(putters).WaitAsync(WorkBound);
        await reader.WaitAsync(WorkBound);

        // Nothing more arrives after the last acknowledged record.
        Assert.Equal(total, acknowledged.Count);
        Assert.Equal(total, read.Count);

        // Exactly once: every acknowledged sequence number is read once, with the data it was acknowledged for.
        Assert.Equal(total, read.Select(r => r.SequenceNumber).Distinct().Count());
        Assert.All(read, r => Assert.Equal(acknowledged[r.SequenceNumber], Text(r)));

        // In sequence-number order.
        var numbers = read.Select(r => Big(r.SequenceNumber)).ToList();
        for (var i = 1; i < numbers.Count; i++)
        {
            Assert.True(numbers[i] > numbers[i - 1], $"record {i} is out of sequence-number order");
        }

        // Each producer's records in its own put order.
        var nextIndex = new int[producers];
        foreach (var record in read)
        {
            var parts = Text(record).Split(':');
            var producer = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(nextIndex[producer]++, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal($"p{producer}", record.PartitionKey);
        }

        Assert.All(nextIndex, n => Assert.Equal(perProducer, n));
        Assert.Empty((await stream.GetRecordsAsync(stream.GetShardIterator(ShardId(1), ShardIteratorType.TrimHorizon))).Records);
    }

    [Fact]
    public async Task Concurrent_producers_across_shards_lose_nothing_and_each_shard_stays_in_sequence_order()
    {
        const int Producers = 4;
        const int PerProducer = 2_000;
        var stream = Create(shards: 4);
        var acknowledged = new ConcurrentDictionary<string, (string ShardId, string Data)>();

        await Task.WhenAll(Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < PerProducer; i++)
            {
                var result = await stream.PutRecordAsync(new PutRecordRequest($"key-{p}-{i % 37}", Bytes($"{p}:{i}")));
                Assert.True(acknowledged.TryAdd(result.SequenceNumber, (result.ShardId, $"{p}:{i}")), "a sequence number was issued twice");
            }
        }))).WaitAsync(WorkBound);

        var readCount = 0;
        for (var shard = 0; shard < 4; shard++)
        {
            var (records, _) = await Drain(stream, stream.GetShardIterator(ShardId(shard), ShardIteratorType.TrimHorizon));
            var previous = BigInteger.MinusOne;
            foreach (var record in records)
            {
                Assert.True(Big(record.SequenceNumber) > previous);
                previous = Big(record.SequenceNumber);
                Assert.Equal((ShardId(shard), Text(record)), acknowledged[record.SequenceNumber]);
            }

            readCount += records.Count;
        }

        Assert.Equal(Producers * PerProducer, readCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Puts_racing_splits_and_merges_are_all_read_once_from_the_shard_that_acknowledged_them_and_in_key_order(bool batches)
    {
        const int Producers = 3;
        const int KeysPerProducer = 8;
        const int Cycles = 40;
        var stream = Create(shards: 2);
        var acknowledged = new ConcurrentDictionary<string, (string ShardId, string Data)>();
        var putOrder = new ConcurrentDictionary<string, List<string>>();
        using var stop = new CancellationTokenSource();

        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested || n < 200;)
            {
                // Each producer owns its keys, so a key's put order is the producer's order. A batch holds every key
                // of the producer, twice, so each of its ranges spans several shards and several records per shard.
                var entries = new List<(string Key, string Data)>();
                for (var b = 0; b < (batches ? 2 * KeysPerProducer : 1); b++, n++)
                {
                    var key = $"p{p}-k{n % KeysPerProducer}";
                    entries.Add((key, $"{key}#{n}"));
                }

                IReadOnlyList<(string ShardId, string SequenceNumber)> stored;
                if (batches)
                {
                    var result = await stream.PutRecordsAsync([.. entries.Select(e => new PutRecordsRequestEntry(e.Key, Bytes(e.Data)))]);
                    Assert.Equal(0, result.FailedRecordCount);
                    stored = [.. result.Records.Select(r => (r.ShardId!, r.SequenceNumber!))];
                }
                else
                {
                    var result = await stream.PutRecordAsync(new PutRecordRequest(entries[0].Key, Bytes(entries[0].Data)));
                    stored = [(result.ShardId, result.SequenceNumber)];
                }

                for (var e = 0; e < entries.Count; e++)
                {
                    Assert.True(acknowledged.TryAdd(stored[e].SequenceNumber, (stored[e].ShardId, entries[e].Data)), "a sequence number was issued twice");
                    putOrder.GetOrAdd(entries[e].Key, _ => []).Add(entries[e].Data);
                }
            }
        })).ToList();

        var resharder = Task.Run(() =>
        {
            try
            {
                for (var cycle = 0; cycle < Cycles; cycle++)
                {
                    // Split the open shard that holds a moving hash key at its midpoint, then merge the halves back.
                    var target = HashSpace / Cycles * cycle;
                    var shard = stream.ListShards(new ShardFilter(ShardFilterType.AtLatest))
                        .Single(s => Big(s.HashKeyRange.StartingHashKey) <= target && target <= Big(s.HashKeyRange.EndingHashKey));
                    var start = Big(shard.HashKeyRange.StartingHashKey);
                    var end = Big(shard.HashKeyRange.EndingHashKey);
                    stream.SplitShard(shard.ShardId, Dec((start + end) / 2));
                    var halves = stream.ListShards(new ShardFilter(ShardFilterType.AtLatest)).Where(s => s.ParentShardId == shard.ShardId).ToList();
                    Assert.Equal(2, halves.Count);
                    stream.MergeShards(halves[0].ShardId, halves[1].ShardId);
                }
            }
            finally
            {
                stop.Cancel();
            }
        });

        await resharder.WaitAsync(WorkBound);
        await Task.WhenAll(producers).WaitAsync(WorkBound);

        var read = await ReadByLineage(stream);

        Assert.Equal(acknowledged.Count, read.Count);
        Assert.Equal(acknowledged.Count, read.Select(r => r.Record.SequenceNumber).Distinct().Count());
        foreach (var (shardId, record) in read)
        {
            Assert.True(acknowledged.TryGetValue(record.SequenceNumber, out var ack), $"{record.SequenceNumber} was never acknowledged");
            Assert.Equal((ack.ShardId, ack.Data), (shardId, Text(record)));
        }

        var readOrder = read.GroupBy(r => r.Record.PartitionKey).ToDictionary(g => g.Key, g => g.Select(r => Text(r.Record)).ToList());
        foreach (var (key, order) in putOrder)
        {
            Assert.Equal(order, readOrder[key]);
        }

        AssertOpenShardsCoverTheHashSpace(stream, 2);
    }
}
