using System.Numerics;
using System.Text;
using Broker.Streams;

namespace Broker.PropertyTests.Models;

/// <summary>The stream model's reads: one shard from any iterator type, with a limit, against the reference log.</summary>
public sealed partial class StreamModelProperties
{
    private sealed partial class Harness
    {
        private void DoRead(Read read)
        {
            var readable = shards.Values.Where(MustBeListed).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
            var shard = readable[read.ShardPick % readable.Count];
            var live = Live(shard);
            var type = read.Type == 5 ? ShardIteratorType.AtTimestamp : (ShardIteratorType)read.Type;
            if (type is ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber && live.Count == 0)
            {
                type = ShardIteratorType.TrimHorizon;
            }

            string? sequence = null;
            DateTimeOffset? timestamp = null;
            int from;
            switch (type)
            {
                case ShardIteratorType.TrimHorizon:
                    from = 0;
                    break;
                case ShardIteratorType.Latest:
                    from = live.Count;
                    break;
                case ShardIteratorType.AtSequenceNumber:
                    from = read.RecordPick % live.Count;
                    sequence = live[from].SequenceText;
                    break;
                case ShardIteratorType.AfterSequenceNumber:
                    from = (read.RecordPick % live.Count) + 1;
                    sequence = live[from - 1].SequenceText;
                    break;
                default:
                    // At or just around a record's arrival; or, with no records, before the trim horizon.
                    var at = live.Count == 0 || read.Type == 5
                        ? Now - retention - TimeSpan.FromHours(read.RecordPick % 3)
                        : live[read.RecordPick % live.Count].Arrival + TimeSpan.FromMilliseconds(read.Nudge);
                    timestamp = at;
                    from = live.FindIndex(r => r.Arrival >= at) is var index and >= 0 ? index : live.Count;
                    break;
            }

            var expected = live.Skip(from).ToList();
            var what = $"step {step}: {type} read of {shard.Id} (open: {shard.Open}) from {from} of {live.Count} live, limit {read.Limit}";
            var iterator = stream.GetShardIterator(shard.Id, type, sequence, timestamp);
            var got = new List<StreamRecord>();
            for (var calls = 0; ; calls++)
            {
                Expect(calls <= expected.Count + 3, $"{what}: the read makes progress");
                var result = Sync(stream.GetRecordsAsync(iterator, read.Limit));
                Expect(result.Records.Count <= read.Limit, $"{what}: no more than the limit");
                got.AddRange(result.Records);
                Expect(got.Count <= expected.Count, $"{what}: {got.Count} records, the model has {expected.Count}");
                CheckMillisBehind(shard, live, result, what);
                if (result.NextShardIterator is null)
                {
                    Expect(!shard.Open, $"{what}: an open shard never ends");
                    Expect(got.Count == expected.Count, $"{what}: the closed shard ended after {got.Count} of {expected.Count}");
                    CheckChildren(shard, result.ChildShards, what);
                    break;
                }

                Expect(result.ChildShards.Count == 0, $"{what}: ChildShards only at the end of a closed shard");
                if (shard.Open && got.Count == expected.Count && result.Records.Count == 0)
                {
                    break;
                }

                iterator = result.NextShardIterator;
            }

            for (var i = 0; i < expected.Count; i++)
            {
                var (model, actual) = (expected[i], got[i]);
                Expect(
                    actual.SequenceNumber == model.SequenceText && actual.PartitionKey == model.Key
                    && Encoding.UTF8.GetString(actual.Data.Span) == model.Data && actual.ApproximateArrivalTimestamp == model.Arrival,
                    $"{what}: record {i} is {model.Data} ({model.SequenceText}), got {Encoding.UTF8.GetString(actual.Data.Span)} ({actual.SequenceNumber})");
            }
        }

        private static void CheckMillisBehind(ModelShard shard, List<ModelRecord> live, GetRecordsResult result, string what)
        {
            if (result.Records.Count > 0 && live.Count > 0)
            {
                var behind = (long)(live[^1].Arrival - result.Records[^1].ApproximateArrivalTimestamp).TotalMilliseconds;
                Expect(result.MillisBehindLatest == behind, $"{what}: MillisBehindLatest {result.MillisBehindLatest}, the model says {behind} on {shard.Id}");
            }
        }

        private static void CheckChildren(ModelShard shard, IReadOnlyList<ChildShard> children, string what)
        {
            Expect(children.Count > 0, $"{what}: a closed shard's end names its children");
            if (shard.Children is null)
            {
                Expect(children.All(c => c.ParentShards.Contains(shard.Id)), $"{what}: each child names the shard as a parent");
                return;
            }

            var expected = shard.Children.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
            var actual = children.OrderBy(c => c.ShardId, StringComparer.Ordinal).ToList();
            Expect(expected.Count == actual.Count, $"{what}: {actual.Count} children, the model has {expected.Count}");
            for (var i = 0; i < expected.Count; i++)
            {
                Expect(
                    actual[i].ShardId == expected[i].Id
                    && actual[i].ParentShards.Order(StringComparer.Ordinal).SequenceEqual(expected[i].Parents.Order(StringComparer.Ordinal))
                    && Big(actual[i].HashKeyRange.StartingHashKey) == expected[i].Start && Big(actual[i].HashKeyRange.EndingHashKey) == expected[i].End,
                    $"{what}: child {actual[i].ShardId} matches the model's {expected[i].Id}");
            }
        }
    }
}
