namespace Broker.Streams.Processing;

/// <summary>
/// One row of a <see cref="ILeaseStore"/>: the right to process one shard, and how far processing got (KCL: a row of
/// the DynamoDB lease table). Workers coordinate only through these rows, with optimistic concurrency on
/// <see cref="LeaseCounter"/>.
/// </summary>
/// <param name="LeaseKey">The shard id (KCL: <c>leaseKey</c>).</param>
public sealed record Lease(string LeaseKey)
{
    /// <summary>The worker id that holds the lease, or <see langword="null"/> when nobody does (KCL: <c>leaseOwner</c>).</summary>
    public string? LeaseOwner { get; init; }

    /// <summary>
    /// The version of the row, raised by every successful update (KCL: <c>leaseCounter</c>). The owner raises it every
    /// renewal; another worker that sees it unchanged for <see cref="StreamProcessorOptions.FailoverTime"/> treats the
    /// lease as expired.
    /// </summary>
    public long LeaseCounter { get; init; }

    /// <summary>
    /// The sequence number processing resumes after, or a sentinel from <see cref="SentinelCheckpoints"/>
    /// (KCL: <c>checkpoint</c>). Default <c>TRIM_HORIZON</c>.
    /// </summary>
    public string Checkpoint { get; init; } = SentinelCheckpoints.TrimHorizon;

    /// <summary>How many times the lease changed owner since its last checkpoint (KCL: <c>ownerSwitchesSinceCheckpoint</c>).</summary>
    public long OwnerSwitchesSinceCheckpoint { get; init; }

    /// <summary>
    /// The shard's parents (KCL: <c>parentShardIds</c>). A lease is processed only after every parent that has a lease
    /// reached <c>SHARD_END</c>, so a key's records are read in order across a split or a merge.
    /// </summary>
    public IReadOnlyList<string> ParentShardIds { get; init; } = [];

    /// <summary>Whether the shard has been processed to its end (<see cref="Checkpoint"/> is <c>SHARD_END</c>).</summary>
    public bool IsShardEnd => string.Equals(Checkpoint, SentinelCheckpoints.ShardEnd, StringComparison.Ordinal);
}
