namespace Broker.Streams;

/// <summary>A shard as ListShards describes it (Kinesis: Shard).</summary>
/// <param name="ShardId"><c>shardId-</c> and 12 digits from the stream's shard counter.</param>
/// <param name="ParentShardId">The shard this one was split from, or one of the two it was merged from; <see langword="null"/> for an original shard.</param>
/// <param name="AdjacentParentShardId">The other parent of a merge; <see langword="null"/> otherwise.</param>
/// <param name="HashKeyRange">The hash keys the shard owns (or owned, once closed).</param>
/// <param name="SequenceNumberRange">Its sequence numbers; the end is set once the shard is closed.</param>
public sealed record Shard(string ShardId, string? ParentShardId, string? AdjacentParentShardId, HashKeyRange HashKeyRange, SequenceNumberRange SequenceNumberRange);

/// <summary>An inclusive range of 128-bit hash keys, as decimal strings (Kinesis: HashKeyRange).</summary>
/// <param name="StartingHashKey">The first hash key, from 0.</param>
/// <param name="EndingHashKey">The last hash key (inclusive), up to 2^128 − 1.</param>
public sealed record HashKeyRange(string StartingHashKey, string EndingHashKey);

/// <summary>A shard's sequence numbers (Kinesis: SequenceNumberRange).</summary>
/// <param name="StartingSequenceNumber">The shard's first sequence number.</param>
/// <param name="EndingSequenceNumber">The shard's last sequence number once it is closed by a split or merge; <see langword="null"/> while it is open.</param>
public sealed record SequenceNumberRange(string StartingSequenceNumber, string? EndingSequenceNumber);

/// <summary>A shard that replaced a closed one, reported when a reader reaches the closed shard's end (Kinesis: ChildShard).</summary>
/// <param name="ShardId">The child's id.</param>
/// <param name="ParentShards">Its parents: one after a split, two after a merge.</param>
/// <param name="HashKeyRange">The hash keys the child owns.</param>
public sealed record ChildShard(string ShardId, IReadOnlyList<string> ParentShards, HashKeyRange HashKeyRange);
