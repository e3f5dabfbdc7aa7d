namespace Broker.Streams;

/// <summary>Kinesis Data Streams' defaults and limits, in one place.</summary>
internal static class StreamDefaults
{
    public const int ShardCount = 4;
    public const int MaxShardCount = 10_000;
    public const int MaxRecordSizeInKiB = 1024;
    public const int MaxRecordSizeLimitInKiB = 10_240;
    public const int MaxPutRecordsEntries = 500;
    public const int MaxRequestBytes = 10 * 1024 * 1024;
    public const int MaxGetRecordsLimit = 10_000;
    public const int MaxListShardsResults = 10_000;
    public const int ListShardsPageSize = 1000;
    public const int MaxGetRecordsBytes = 10 * 1024 * 1024;
    public const int MaxPartitionKeyLength = 256;
    public const int MaxConsumers = 20;
    public const int MaxScalingsPerDay = 10;
    public const int WriteBytesPerSecond = 1024 * 1024;
    public const int WriteRecordsPerSecond = 1000;
    public const int ReadCallsPerSecond = 5;
    public const int ReadBytesPerSecond = 2 * 1024 * 1024;

    public static readonly TimeSpan RetentionPeriod = TimeSpan.FromHours(24);
    public static readonly TimeSpan MinRetentionPeriod = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxRetentionPeriod = TimeSpan.FromHours(8760);
    public static readonly TimeSpan IteratorLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ListShardsTokenLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ResubscribeInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan ScalingWindow = TimeSpan.FromHours(24);
}
