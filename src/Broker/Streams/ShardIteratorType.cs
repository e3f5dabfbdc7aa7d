namespace Broker.Streams;

/// <summary>Where a shard iterator (or an enhanced fan-out subscription) starts reading.</summary>
public enum ShardIteratorType
{
    /// <summary>At the record with the given sequence number (Kinesis: <c>AT_SEQUENCE_NUMBER</c>).</summary>
    AtSequenceNumber,

    /// <summary>Just after the record with the given sequence number (Kinesis: <c>AFTER_SEQUENCE_NUMBER</c>).</summary>
    AfterSequenceNumber,

    /// <summary>At the oldest record still inside the retention period (Kinesis: <c>TRIM_HORIZON</c>).</summary>
    TrimHorizon,

    /// <summary>Just after the newest record at the time of the call, so only later records are read (Kinesis: <c>LATEST</c>).</summary>
    Latest,

    /// <summary>At the first record that arrived at or after the given time (Kinesis: <c>AT_TIMESTAMP</c>).</summary>
    AtTimestamp,
}
