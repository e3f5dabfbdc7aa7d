using Broker.Streams.Processing.Internal;

namespace Broker.Streams.Processing;

/// <summary>
/// The settings of a <see cref="StreamProcessor"/>, with the Kinesis Client Library's defaults. Validated once when the
/// processor is created (<see cref="ArgumentException"/> naming the setting).
/// </summary>
public sealed record StreamProcessorOptions
{
    /// <summary>
    /// The application's name: processors with the same name and the same <see cref="LeaseStore"/> split the stream's
    /// shards and share checkpoints (KCL: <c>applicationName</c>, also the lease table's name). Required, not empty.
    /// </summary>
    public required string ApplicationName { get; init; }

    /// <summary>This worker's id, the owner written into the leases it holds (KCL: <c>workerIdentifier</c>). Default a new GUID.</summary>
    public string WorkerId { get; init; } = Guid.NewGuid().ToString();

    /// <summary>
    /// Where to start when the lease table is empty (KCL: <c>initialPositionInStream</c>). Default
    /// <see cref="InitialPosition.Latest"/>, as the KCL. Ignored once leases exist: they carry their checkpoints.
    /// </summary>
    public InitialPosition InitialPosition { get; init; } = InitialPosition.Latest;

    /// <summary>The time to start at with <see cref="InitialPosition.AtTimestamp"/>; required then, ignored otherwise. Default <see langword="null"/>.</summary>
    public DateTimeOffset? InitialTimestamp { get; init; }

    /// <summary>The most records one GetRecords call returns and one <see cref="IRecordProcessor.ProcessRecordsAsync"/> call receives (KCL: <c>maxRecords</c>). Default 10,000; 1 to 10,000.</summary>
    public int MaxRecords { get; init; } = StreamProcessorDefaults.MaxRecords;

    /// <summary>
    /// How long a shard's reader waits after a read that found it caught up (no records, or none behind) before reading
    /// again (KCL: <c>idleTimeBetweenReadsInMillis</c>); also how often a shard waiting for its parents checks them.
    /// Default 1 s; greater than zero.
    /// </summary>
    public TimeSpan IdleTimeBetweenReads { get; init; } = StreamProcessorDefaults.IdleTimeBetweenReads;

    /// <summary>
    /// How long a lease's counter must stay unchanged, as seen by another worker on the broker's clock, before that worker
    /// may take it (KCL: <c>failoverTimeMillis</c>). Held leases are renewed every third of it, and leases are taken and
    /// balanced on the same beat. Default 10 s; greater than zero.
    /// </summary>
    public TimeSpan FailoverTime { get; init; } = StreamProcessorDefaults.FailoverTime;

    /// <summary>
    /// How often the worker checks the stream's shards against the lease table: seeding an empty table and creating
    /// missing leases for children of finished shards (KCL: <c>shardSyncIntervalMillis</c>). Default 60 s; greater than zero.
    /// </summary>
    public TimeSpan ShardSyncInterval { get; init; } = StreamProcessorDefaults.ShardSyncInterval;

    /// <summary>
    /// The most leases a worker below its share steals from the most loaded worker in one round, when no lease is
    /// expired (KCL: <c>maxLeasesToStealAtOneTime</c>). Default 1; at least 1.
    /// </summary>
    public int MaxLeasesToStealAtOneTime { get; init; } = StreamProcessorDefaults.MaxLeasesToStealAtOneTime;

    /// <summary>
    /// The lease table. Default a new <see cref="InMemoryLeaseStore"/> per options instance: to split shards between
    /// processors, give them the same store.
    /// </summary>
    public ILeaseStore LeaseStore { get; init; } = new InMemoryLeaseStore();
}
