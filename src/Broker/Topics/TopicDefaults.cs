namespace Broker.Topics;

/// <summary>SNS's defaults and limits, in one place.</summary>
internal static class TopicDefaults
{
    /// <summary>The largest publish: body plus every attribute's name, type and value, in bytes (256 KiB).</summary>
    public const int MaximumMessageSize = 262_144;

    /// <summary>The most entries in one PublishBatch.</summary>
    public const int MaxBatchEntries = 10;

    /// <summary>The most message attributes a raw delivery to a queue carries.</summary>
    public const int MaxRawDeliveryAttributes = 10;

    /// <summary>How long a FIFO topic remembers a deduplication id.</summary>
    public static readonly TimeSpan DeduplicationInterval = TimeSpan.FromMinutes(5);

    /// <summary>The default concurrency of a handler subscription.</summary>
    public const int HandlerMaxConcurrency = 16;

    /// <summary>The most characters in a subject.</summary>
    public const int MaxSubjectLength = 100;
}
