using System.Globalization;
using System.Numerics;
using Broker.Streams;

namespace Broker.PropertyTests.Models;

/// <summary>The stream model's resharding steps: split, merge, UpdateShardCount, retention changes, and the shard listing they must leave.</summary>
public sealed partial class StreamModelProperties
{
    private sealed partial class Harness
    {
        private void DoSplit(Split split)
        {
            var open = OpenByStart();
            var shard = open[split.ShardPick % open.Count];
            if (shard.End - shard.Start < 3)
            {
                return;
            }

            if (split.Invalid == 0)
            {
                var bad = (split.Fraction % 4) switch
                {
                    0 => shard.Start,
                    1 => shard.Start + 1,
                    2 => shard.End,
                    _ => shard.End + 1,
                };
                ExpectError(BrokerErrorCodes.InvalidArgumentException, () => stream.SplitShard(shard.Id, Dec(bad)), $"split of {shard.Id} at {bad}");
                return;
            }

            if (open.Count >= MaxOpenShards)
            {
                return;
            }

            var key = shard.Start + 2 + ((shard.End - shard.Start - 3) * split.Fraction / 1_000);
            stream.SplitShard(shard.Id, Dec(key));
            var lower = new ModelShard(Id(nextShard++), shard.Start, key - 1, shard.Id, null);
            var upper = new ModelShard(Id(nextShard++), key, shard.End, shard.Id, null);
            Close(shard);
            shard.Children = [(lower.Id, [shard.Id], lower.Start, lower.End), (upper.Id, [shard.Id], upper.Start, upper.End)];
            Add(lower);
            Add(upper);
        }

        private void DoMerge(Merge merge)
        {
            var open = OpenByStart();
            if (!merge.Adjacent)
            {
                if (open.Count >= 3)
                {
                    var i = merge.PairPick % (open.Count - 2);
                    ExpectError(BrokerErrorCodes.InvalidArgumentException, () => stream.MergeShards(open[i].Id, open[i + 2].Id), $"merge of non-adjacent {open[i].Id} and {open[i + 2].Id}");
                }

                return;
            }

            if (open.Count < 2)
            {
                return;
            }

            var index = merge.PairPick % (open.Count - 1);
            var (lowerParent, upperParent) = (open[index], open[index + 1]);
            var (first, second) = merge.Swap ? (upperParent, lowerParent) : (lowerParent, upperParent);
            stream.MergeShards(first.Id, second.Id);
            var child = new ModelShard(Id(nextShard++), lowerParent.Start, upperParent.End, first.Id, second.Id);
            foreach (var parent in new[] { lowerParent, upperParent })
            {
                Close(parent);
                parent.Children = [(child.Id, [first.Id, second.Id], child.Start, child.End)];
            }

            Add(child);
        }

        private void DoUpdateCount(UpdateCount update)
        {
            var open = OpenByStart().Count;
            var low = (open + 1) / 2;
            var high = Math.Min(2 * open, MaxOpenShards);
            var target = low + (update.TargetPick % (high - low + 1));
            if (target == open || scalings.Any(t => t == Now - TimeSpan.FromHours(24)))
            {
                return;
            }

            if (scalings.Count(t => t > Now - TimeSpan.FromHours(24)) >= 10)
            {
                ExpectError(BrokerErrorCodes.LimitExceededException, () => stream.UpdateShardCount(target), $"the 11th UpdateShardCount in 24 h");
                return;
            }

            stream.UpdateShardCount(target);
            scalings.Add(Now);

            // Uniform scaling's exact ranges are not documented: learn the new shards from the stream, then check coverage.
            // A shard it closed may be empty and so (by the contract) already expired and unlisted: AT_LATEST says what is open.
            var openNow = stream.ListShards(new ShardFilter(ShardFilterType.AtLatest)).ToList();
            foreach (var known in shards.Values.Where(s => s.Open && !openNow.Any(o => o.ShardId == s.Id)))
            {
                Close(known);
                known.Children = null;
            }

            foreach (var listed in stream.ListShards().Concat(openNow).DistinctBy(s => s.ShardId))
            {
                if (shards.ContainsKey(listed.ShardId))
                {
                    continue;
                }

                var shard = new ModelShard(listed.ShardId, Big(listed.HashKeyRange.StartingHashKey), Big(listed.HashKeyRange.EndingHashKey), listed.ParentShardId, listed.AdjacentParentShardId);
                if (listed.SequenceNumberRange.EndingSequenceNumber is not null)
                {
                    shard.ClosedAt = Now;
                    shard.Children = null;
                }

                Add(shard);
                nextShard = Math.Max(nextShard, int.Parse(listed.ShardId["shardId-".Length..], CultureInfo.InvariantCulture) + 1);
            }

            Expect(OpenByStart().Count == target, $"UpdateShardCount({target}) leaves {OpenByStart().Count} open shards");
            var next = BigInteger.Zero;
            foreach (var shard in OpenByStart())
            {
                Expect(shard.Start == next, $"after UpdateShardCount({target}) {shard.Id} starts at {shard.Start}, expected {next}");
                next = shard.End + 1;
            }

            Expect(next == HashSpace, $"after UpdateShardCount({target}) the open shards end at 2^128 − 1");
        }

        private void Close(ModelShard shard) => shard.ClosedAt = Now;

        private void DoChangeRetention(TimeSpan target)
        {
            if (target == retention)
            {
                return;
            }

            // The wrong direction is refused and changes nothing.
            if (target > retention)
            {
                ExpectError(BrokerErrorCodes.InvalidArgumentException, () => stream.DecreaseRetentionPeriod(target), $"DecreaseRetentionPeriod({target.TotalHours} h) above {retention.TotalHours} h");
                stream.IncreaseRetentionPeriod(target);
            }
            else
            {
                ExpectError(BrokerErrorCodes.InvalidArgumentException, () => stream.IncreaseRetentionPeriod(target), $"IncreaseRetentionPeriod({target.TotalHours} h) below {retention.TotalHours} h");
                stream.DecreaseRetentionPeriod(target);
            }

            retention = target;
            Expect(stream.Describe().RetentionPeriod == target, $"Describe shows the retention period {target.TotalHours} h");
        }

        private void CheckListing(string after)
        {
            var listed = stream.ListShards();
            var ids = listed.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
            foreach (var shard in shards.Values)
            {
                if (MustBeListed(shard))
                {
                    Expect(ids.Contains(shard.Id), $"after {after}: {shard.Id} (open: {shard.Open}, {Live(shard).Count} live records) is listed");
                }

                if (MustNotBeListed(shard))
                {
                    Expect(!ids.Contains(shard.Id), $"after {after}: {shard.Id}, closed more than the retention period ago, is not listed");
                }
            }

            foreach (var actual in listed)
            {
                Expect(shards.TryGetValue(actual.ShardId, out var model), $"after {after}: {actual.ShardId} is a shard the model knows");
                Expect(
                    Big(actual.HashKeyRange.StartingHashKey) == model!.Start && Big(actual.HashKeyRange.EndingHashKey) == model.End
                    && SameParents(actual.ParentShardId, actual.AdjacentParentShardId, model.Parent, model.AdjacentParent)
                    && (actual.SequenceNumberRange.EndingSequenceNumber is null) == model.Open,
                    $"after {after}: {actual.ShardId} has the model's range, parents and state");
            }

            var open = stream.ListShards(new ShardFilter(ShardFilterType.AtLatest)).Select(s => s.ShardId).Order(StringComparer.Ordinal);
            Expect(open.SequenceEqual(OpenByStart().Select(s => s.Id).Order(StringComparer.Ordinal)), $"after {after}: AT_LATEST lists exactly the open shards");
            Expect(stream.Describe().OpenShardCount == OpenByStart().Count, $"after {after}: OpenShardCount");
        }

        /// <summary>Which merge parent is ParentShardId and which AdjacentParentShardId is not part of the contract.</summary>
        private static bool SameParents(string? parent, string? adjacent, string? modelParent, string? modelAdjacent) =>
            (parent == modelParent && adjacent == modelAdjacent) || (modelAdjacent is not null && parent == modelAdjacent && adjacent == modelParent);
    }
}
