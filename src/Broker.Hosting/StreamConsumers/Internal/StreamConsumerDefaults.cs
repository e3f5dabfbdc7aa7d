using Broker.Streams.Processing;

namespace Broker.Hosting;

/// <summary>The defaults and ranges of <see cref="StreamConsumerOptions"/> (Lambda's, for a Kinesis event source mapping).</summary>
internal static class StreamConsumerDefaults
{
    /// <summary>Lambda's default batch size for Kinesis.</summary>
    public const int BatchSize = 100;

    /// <summary>Lambda's largest batch size for Kinesis, also the most records one GetRecords call returns.</summary>
    public const int MaxBatchSize = 10_000;

    /// <summary>Lambda's default: retry until the records expire.</summary>
    public const int MaximumRetryAttempts = -1;

    /// <summary>Lambda's largest retry count.</summary>
    public const int MaxRetryAttempts = 10_000;

    /// <summary>Lambda's longest batching window.</summary>
    public static readonly TimeSpan MaxBatchingWindow = TimeSpan.FromSeconds(300);

    /// <summary>The delay before retry <paramref name="retry"/> when none is configured: 1 s, doubling, at most 1 minute.</summary>
    public static TimeSpan DefaultRetryDelay(int retry) => TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Clamp(retry - 1, 0, 6))));

    /// <summary>
    /// Checks the options; returns one message per problem, each starting with its path
    /// (<c>StreamConsumer:{stream}:{consumerGroup}:{Setting}</c>), or none.
    /// </summary>
    public static List<string> Validate(string streamName, string consumerGroup, StreamConsumerOptions options)
    {
        var path = $"StreamConsumer:{streamName}:{consumerGroup}";
        var failures = new List<string>();
        if (options.BatchSize is < 1 or > MaxBatchSize)
        {
            failures.Add($"{path}:BatchSize: {options.BatchSize} is out of range; use 1 to 10,000.");
        }

        if (options.MaximumBatchingWindow < TimeSpan.Zero || options.MaximumBatchingWindow > MaxBatchingWindow)
        {
            failures.Add($"{path}:MaximumBatchingWindow: {options.MaximumBatchingWindow} is out of range; use 00:00:00 to 00:05:00.");
        }

        if (options.MaximumRetryAttempts is < -1 or > MaxRetryAttempts)
        {
            failures.Add($"{path}:MaximumRetryAttempts: {options.MaximumRetryAttempts} is out of range; use -1 (until the records expire) or 0 to 10,000.");
        }

        if (options.OnFailureQueue is { } queue && string.IsNullOrWhiteSpace(queue))
        {
            failures.Add($"{path}:OnFailureQueue: must be a queue name, or null for none.");
        }

        if (!Enum.IsDefined(options.InitialPosition))
        {
            failures.Add($"{path}:InitialPosition: {options.InitialPosition} is not one of Latest, TrimHorizon, AtTimestamp.");
        }
        else if (options.InitialPosition == InitialPosition.AtTimestamp && options.InitialTimestamp is null)
        {
            failures.Add($"{path}:InitialTimestamp: InitialPosition AtTimestamp needs it; set it, or choose Latest or TrimHorizon.");
        }

        return failures;
    }
}
