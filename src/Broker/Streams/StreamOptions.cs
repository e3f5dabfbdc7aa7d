namespace Broker.Streams;

/// <summary>
/// Settings of a data stream, validated once by <see cref="MessageBroker.CreateStream"/>. Every default is the one
/// Kinesis Data Streams uses for a provisioned stream.
/// </summary>
public sealed record StreamOptions
{
    /// <summary>
    /// The number of shards the stream starts with. Default 4; range 1 to 10,000 (<c>InvalidArgumentException</c>).
    /// The hash key space is split evenly, as CreateStream does: with <c>step = floor(2^128 / n)</c>, shard <c>i</c>
    /// owns <c>[i·step, (i+1)·step − 1]</c> and the last shard ends at <c>2^128 − 1</c>.
    /// </summary>
    public int ShardCount { get; init; } = StreamDefaults.ShardCount;

    /// <summary>
    /// How long a record stays readable after it arrived. Default 24 hours; whole hours from 24 to 8,760 (365 days)
    /// (<c>InvalidArgumentException</c>). Change it later with <see cref="IDataStream.IncreaseRetentionPeriod"/> and
    /// <see cref="IDataStream.DecreaseRetentionPeriod"/>.
    /// </summary>
    public TimeSpan RetentionPeriod { get; init; } = StreamDefaults.RetentionPeriod;

    /// <summary>
    /// The largest record accepted, counting its data and the UTF-8 bytes of its partition key, in KiB. Default 1,024
    /// (1 MiB, Kinesis's default even after its 2025 10 MiB launch); range 1,024 to 10,240 (<c>ValidationException</c>).
    /// Change it later with <see cref="IDataStream.UpdateMaxRecordSize"/>.
    /// </summary>
    public int MaxRecordSizeInKiB { get; init; } = StreamDefaults.MaxRecordSizeInKiB;

    /// <summary>
    /// Whether to enforce Kinesis's per-shard provisioned throughput: writes of 1 MiB/s or 1,000 records/s, reads of
    /// 5 GetRecords calls/s and 2 MiB/s, measured in one-second windows of the broker's clock. An excess fails with
    /// <c>ProvisionedThroughputExceededException</c> (per entry in PutRecords). Default <see langword="false"/>: an
    /// in-process stream is limited only by the machine, which is what most applications and tests want.
    /// </summary>
    public bool EnforceThroughputLimits { get; init; }

    /// <summary>
    /// In-process only: whether a broker with <see cref="BrokerOptions.Storage"/> journals this stream. Default
    /// <see langword="true"/>. <see langword="false"/>: a scratch stream, whose creation, shards and records are never
    /// written to disk; it starts empty after every restart, and is not recreated (create it again at start-up).
    /// Ignored by an in-memory broker.
    /// </summary>
    public bool Durable { get; init; } = true;
}
