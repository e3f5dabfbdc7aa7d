namespace Broker.Streams.Processing;

/// <summary>Where a <see cref="StreamProcessor"/> starts when its lease table is empty (KCL: <c>InitialPositionInStream</c>).</summary>
public enum InitialPosition
{
    /// <summary>Only records put after the processor starts (the KCL default). Leases are seeded for the open shards.</summary>
    Latest = 0,

    /// <summary>The oldest records within retention. Leases are seeded for the shards open at the trim horizon.</summary>
    TrimHorizon = 1,

    /// <summary>Records that arrived at or after <see cref="StreamProcessorOptions.InitialTimestamp"/>. Leases are seeded for the shards open at that time.</summary>
    AtTimestamp = 2,
}
