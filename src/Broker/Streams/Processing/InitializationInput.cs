namespace Broker.Streams.Processing;

/// <summary>What a <see cref="IRecordProcessor"/> learns when it starts on a shard (KCL: <c>InitializationInput</c>).</summary>
/// <param name="ShardId">The shard this processor reads.</param>
/// <param name="ParentShardIds">The shard's parents (one after a split, two after a merge, none for an original shard).</param>
/// <param name="Checkpoint">
/// Where processing starts: after this sequence number, or a sentinel from <see cref="SentinelCheckpoints"/>
/// (<c>TRIM_HORIZON</c>, <c>LATEST</c>, <c>AT_TIMESTAMP</c>).
/// </param>
public sealed record InitializationInput(string ShardId, IReadOnlyList<string> ParentShardIds, string Checkpoint);
