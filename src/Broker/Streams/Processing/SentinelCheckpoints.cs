namespace Broker.Streams.Processing;

/// <summary>
/// The checkpoint values that are not sequence numbers (KCL: <c>SentinelCheckpoint</c>). A lease starts at one of the
/// first three; <see cref="ShardEnd"/> marks a shard whose processor checkpointed at its end.
/// </summary>
public static class SentinelCheckpoints
{
    /// <summary>Start at the oldest record still within retention.</summary>
    public const string TrimHorizon = "TRIM_HORIZON";

    /// <summary>Start just after the newest record when the processor starts on the shard.</summary>
    public const string Latest = "LATEST";

    /// <summary>Start at the first record that arrived at or after <see cref="StreamProcessorOptions.InitialTimestamp"/>.</summary>
    public const string AtTimestamp = "AT_TIMESTAMP";

    /// <summary>The shard is closed and fully processed; its children may start.</summary>
    public const string ShardEnd = "SHARD_END";
}
