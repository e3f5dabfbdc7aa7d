namespace Broker.Streams;

/// <summary>Where an enhanced fan-out subscription starts (Kinesis: StartingPosition).</summary>
/// <param name="Type">The kind of position; the same kinds as a shard iterator.</param>
/// <param name="SequenceNumber">Required for <see cref="ShardIteratorType.AtSequenceNumber"/> and <see cref="ShardIteratorType.AfterSequenceNumber"/>.</param>
/// <param name="Timestamp">Required for <see cref="ShardIteratorType.AtTimestamp"/>.</param>
public sealed record StartingPosition(ShardIteratorType Type, string? SequenceNumber = null, DateTimeOffset? Timestamp = null);
