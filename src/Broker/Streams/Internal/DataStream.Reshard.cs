namespace Broker.Streams.Internal;

/// <summary>
/// SplitShard, MergeShards and UpdateShardCount. Cold paths: they take <see cref="coldLock"/>, work on a
/// <see cref="ReshardPlan"/> and publish a new shard snapshot; writers and readers never wait for them.
/// </summary>
internal sealed partial class DataStream
{
    private readonly Queue<long> scalingTimes = new();

    public void SplitShard(string shardToSplit, string newStartingHashKey)
    {
        ArgumentNullException.ThrowIfNull(shardToSplit);
        ArgumentNullException.ThrowIfNull(newStartingHashKey);
        lock (coldLock)
        {
            ThrowIfDeleted();
            var nowMs = NowMs();
            var parent = OpenShard(shardToSplit, nowMs);
            if (!HashKeys.TryParse(newStartingHashKey, out var key))
            {
                throw StreamErrors.Invalid($"NewStartingHashKey '{newStartingHashKey}' is not a hash key: it must be a decimal number from 0 to 2^128-1 (pattern 0|([1-9]\\d{{0,38}})).");
            }

            if (key >= parent.End || key <= parent.Start + 1)
            {
                throw StreamErrors.Invalid($"NewStartingHashKey {newStartingHashKey} used in SplitShard() on shard {parent.Id} in stream {Name} under account {account} is not both greater than one plus the shard's StartingHashKey {parent.HashKeyRange.StartingHashKey} and less than the shard's EndingHashKey {parent.HashKeyRange.EndingHashKey}.");
            }

            var plan = new ReshardPlan(Shards, nowMs);
            CheckShardLimit(plan.OpenCount + 1);
            plan.Split(parent, key);
            Commit(plan);
        }
    }

    public void MergeShards(string shardToMerge, string adjacentShardToMerge)
    {
        ArgumentNullException.ThrowIfNull(shardToMerge);
        ArgumentNullException.ThrowIfNull(adjacentShardToMerge);
        lock (coldLock)
        {
            ThrowIfDeleted();
            var nowMs = NowMs();
            var shard = FindShard(shardToMerge, nowMs);
            var adjacent = FindShard(adjacentShardToMerge, nowMs);
            if (shard == adjacent)
            {
                throw StreamErrors.Invalid($"ShardToMerge and AdjacentShardToMerge are both {shardToMerge}. Merge two different, adjacent shards.");
            }

            OpenShard(shardToMerge, nowMs);
            OpenShard(adjacentShardToMerge, nowMs);
            var touching = (shard.End != UInt128.MaxValue && shard.End + 1 == adjacent.Start)
                || (adjacent.End != UInt128.MaxValue && adjacent.End + 1 == shard.Start);
            if (!touching)
            {
                throw StreamErrors.Invalid($"Shards {shardToMerge} and {adjacentShardToMerge} in stream {Name} under account {account} are not an adjacent pair of shards eligible for merging");
            }

            var plan = new ReshardPlan(Shards, nowMs);
            plan.Merge(shard, adjacent);
            Commit(plan);
        }
    }

    public void UpdateShardCount(int targetShardCount)
    {
        lock (coldLock)
        {
            ThrowIfDeleted();
            var nowMs = NowMs();
            var current = Shards.Open.Length;
            if (targetShardCount is < 1 or > StreamDefaults.MaxShardCount)
            {
                throw StreamErrors.Invalid($"TargetShardCount {targetShardCount} is out of range: it must be from 1 to {StreamDefaults.MaxShardCount}.");
            }

            if (targetShardCount > 2L * current)
            {
                throw StreamErrors.Invalid($"UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: {current} Target shard count: {targetShardCount}");
            }

            if (2L * targetShardCount < current)
            {
                throw StreamErrors.Invalid($"UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: {current} Target shard count: {targetShardCount}");
            }

            while (scalingTimes.Count > 0 && scalingTimes.Peek() + (long)StreamDefaults.ScalingWindow.TotalMilliseconds <= nowMs)
            {
                scalingTimes.Dequeue();
            }

            if (scalingTimes.Count >= StreamDefaults.MaxScalingsPerDay)
            {
                throw StreamErrors.Limit($"Rate exceeded for stream {Name} under account {account}: UpdateShardCount can be called at most 10 times in a rolling 24-hour period.");
            }

            var targets = HashKeys.EvenSplit(targetShardCount);
            var plan = new ReshardPlan(Shards, nowMs);
            if (plan.Open.Select(static s => (s.Start, s.End)).SequenceEqual(targets))
            {
                return; // already uniform at that count: nothing to do, and nothing counted
            }

            scalingTimes.Enqueue(nowMs);
            UniformScaling(plan, targets);
            Commit(plan);
        }
    }

    /// <summary>
    /// Splits every open shard at each target boundary inside it, then merges the pieces of each target range, as
    /// Kinesis's uniform scaling does through splits and merges (intermediate shards appear closed in the listing).
    /// </summary>
    private static void UniformScaling(ReshardPlan plan, (UInt128 Start, UInt128 End)[] targets)
    {
        foreach (var shard in plan.Open.ToArray())
        {
            var remaining = shard;
            foreach (var (start, _) in targets)
            {
                if (start > remaining.Start && start <= remaining.End)
                {
                    remaining = plan.Split(remaining, start).Upper;
                }
            }
        }

        foreach (var (start, end) in targets)
        {
            var pieces = plan.Open.Where(s => s.Start >= start && s.End <= end).ToArray();
            var merged = pieces[0];
            for (var i = 1; i < pieces.Length; i++)
            {
                merged = plan.Merge(merged, pieces[i]);
            }
        }
    }

    private StreamShard OpenShard(string shardId, long nowMs)
    {
        var shard = FindShard(shardId, nowMs);
        return shard.IsOpen ? shard : throw StreamErrors.ShardClosed(shardId, Name, account);
    }

    private void CheckShardLimit(int openShards)
    {
        if (openShards > StreamDefaults.MaxShardCount)
        {
            throw StreamErrors.Limit($"This request would exceed the shard limit of {StreamDefaults.MaxShardCount} open shards for stream {Name} under account {account}.");
        }
    }

    /// <summary>
    /// Durable: the shard table the plan makes is journaled (and waited for) before any writer can reach a new shard, so
    /// no put is acknowledged on a shard a crash could take back; once the parents are closed, the table is journaled
    /// again with their final counts. Both waits are under the cold-path lock.
    /// </summary>
    private void Commit(ReshardPlan plan)
    {
        RecordShards(plan);
        plan.Commit(set => Volatile.Write(ref shards, set), RetentionMs);
        RecordShards();
    }
}
