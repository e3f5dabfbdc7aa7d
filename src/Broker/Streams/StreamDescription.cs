namespace Broker.Streams;

/// <summary>A summary of a stream (Kinesis: DescribeStreamSummary's StreamDescriptionSummary).</summary>
/// <param name="StreamName">The stream's name.</param>
/// <param name="StreamArn">The stream's ARN.</param>
/// <param name="StreamStatus">Always <c>ACTIVE</c> in-process: creating, resharding and updating take effect at once.</param>
/// <param name="RetentionPeriod">How long records stay readable.</param>
/// <param name="OpenShardCount">The number of open shards (closed shards not counted).</param>
/// <param name="MaxRecordSizeInKiB">The largest record accepted, in KiB.</param>
/// <param name="StreamCreationTimestamp">When the stream was created, on the broker's clock.</param>
/// <param name="ConsumerCount">The number of registered enhanced fan-out consumers.</param>
public sealed record StreamDescription(
    string StreamName,
    string StreamArn,
    string StreamStatus,
    TimeSpan RetentionPeriod,
    int OpenShardCount,
    int MaxRecordSizeInKiB,
    DateTimeOffset StreamCreationTimestamp,
    int ConsumerCount);
