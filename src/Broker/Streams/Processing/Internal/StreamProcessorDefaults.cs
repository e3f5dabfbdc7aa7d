namespace Broker.Streams.Processing.Internal;

/// <summary>The KCL 2.x defaults (<c>LeaseManagementConfig</c>, <c>PollingConfig</c>) that <see cref="StreamProcessorOptions"/> starts from.</summary>
internal static class StreamProcessorDefaults
{
    /// <summary>KCL <c>maxRecords</c>: 10,000, also the GetRecords limit.</summary>
    public const int MaxRecords = 10_000;

    /// <summary>KCL <c>maxLeasesToStealAtOneTime</c>: 1.</summary>
    public const int MaxLeasesToStealAtOneTime = 1;

    /// <summary>KCL <c>idleTimeBetweenReadsInMillis</c>: 1,000 ms.</summary>
    public static readonly TimeSpan IdleTimeBetweenReads = TimeSpan.FromSeconds(1);

    /// <summary>KCL <c>failoverTimeMillis</c>: 10,000 ms.</summary>
    public static readonly TimeSpan FailoverTime = TimeSpan.FromSeconds(10);

    /// <summary>KCL <c>shardSyncIntervalMillis</c>: 60,000 ms.</summary>
    public static readonly TimeSpan ShardSyncInterval = TimeSpan.FromSeconds(60);
}
