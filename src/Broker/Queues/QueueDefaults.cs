namespace Broker.Queues;

/// <summary>SQS's defaults and limits, in one place. Every <see cref="QueueOptions"/> default comes from here.</summary>
internal static class QueueDefaults
{
    public static readonly TimeSpan VisibilityTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromHours(12);
    public static readonly TimeSpan Delay = TimeSpan.Zero;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan MessageRetentionPeriod = TimeSpan.FromDays(4);
    public static readonly TimeSpan MinMessageRetentionPeriod = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan MaxMessageRetentionPeriod = TimeSpan.FromDays(14);
    public static readonly TimeSpan ReceiveMessageWaitTime = TimeSpan.Zero;
    public static readonly TimeSpan MaxReceiveMessageWaitTime = TimeSpan.FromSeconds(20);

    public const int MaximumMessageSize = 1_048_576;
    public const int MinMaximumMessageSize = 1_024;
    public const int MaxBatchRequestSize = 1_048_576;
    public const int MaxBatchEntries = 10;
    public const int MaxBatchEntryIdLength = 80;
    public const int MaxNumberOfMessages = 10;
    public const int MaxMessageAttributes = 10;
    public const int MaxAttributeNameLength = 256;
    public const int MaxAttributeDataTypeLength = 256;
    public const int MaxQueueNameLength = 80;
    public const int MaxInFlightMessages = 120_000;
    public const int MaxListQueuesResults = 1_000;
    public const int MaxGroupIdLength = 128;
}
