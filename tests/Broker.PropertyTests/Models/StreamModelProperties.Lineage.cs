using System.Numerics;
using Broker.Streams;

namespace Broker.PropertyTests.Models;

/// <summary>The stream model's whole-stream read: what a consumer that follows the shard lineage must see.</summary>
public sealed partial class StreamModelProperties
{
    private sealed partial class Harness
    {
        /// <summary>
        /// Reads every listed shard from its trim horizon to its end, a shard only once each of its listed parents is done
        /// (as a KCL consumer does), and checks that every live record of the model is read exactly once, each shard's
        /// records in the model's order, and that the lineage leaves no listed shard unreachable.
        /// </summary>
        private void DoReadAll(int limit)
        {
            var what = $"step {step}: ReadAll(limit {limit})";
            var listed = stream.ListShards().ToDictionary(s => s.ShardId, StringComparer.Ordinal);
            var done = new HashSet<string>(StringComparer.Ordinal);
            var seen = new HashSet<BigInteger>();
            while (listed.Values
                .Where(s => !done.Contains(s.ShardId) && new[] { s.ParentShardId, s.AdjacentParentShardId }.All(p => p is null || done.Contains(p) || !listed.ContainsKey(p)))
                .OrderBy(s => s.ShardId, StringComparer.Ordinal)
                .FirstOrDefault() is { } next)
            {
                done.Add(next.ShardId);
                var model = shards[next.ShardId];
                var live = Live(model);
                var records = ReadToEnd(model, limit, live.Count, what);
                Expect(
                    records.Select(r => r.SequenceNumber).SequenceEqual(live.Select(r => r.SequenceText)),
                    $"{what}: {next.ShardId} gave [{string.Join(", ", records.Select(r => r.SequenceNumber))}], the model has [{string.Join(", ", live.Select(r => r.SequenceText))}]");
                foreach (var record in records)
                {
                    Expect(seen.Add(Big(record.SequenceNumber)), $"{what}: {record.SequenceNumber} read a second time, on {next.ShardId}");
                }
            }

            Expect(done.Count == listed.Count, $"{what}: {listed.Count - done.Count} listed shards were never reachable through their parents");
            var missed = shards.Values.SelectMany(Live).Where(r => !seen.Contains(r.Sequence)).Select(r => r.Data).ToList();
            Expect(missed.Count == 0, $"{what}: live records {string.Join(", ", missed)} were not read");
        }

        private List<StreamRecord> ReadToEnd(ModelShard shard, int limit, int expected, string what)
        {
            var records = new List<StreamRecord>();
            var iterator = stream.GetShardIterator(shard.Id, ShardIteratorType.TrimHorizon);
            for (var calls = 0; ; calls++)
            {
                Expect(calls <= expected + 3, $"{what}: reading {shard.Id} makes progress");
                var result = Sync(stream.GetRecordsAsync(iterator, limit));
                records.AddRange(result.Records);
                if (result.NextShardIterator is null || (shard.Open && result.Records.Count == 0))
                {
                    // The end of a closed shard, or an open shard caught up (in process a read returns all it has, up to the limit).
                    return records;
                }

                iterator = result.NextShardIterator;
            }
        }
    }
}
