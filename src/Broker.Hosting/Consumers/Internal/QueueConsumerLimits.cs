using Microsoft.Extensions.Options;

namespace Broker.Hosting.Internal;

/// <summary>The ranges of <see cref="QueueConsumerOptions"/>, and the check that applies them once, at registration.</summary>
internal static class QueueConsumerLimits
{
    public const int MaxConcurrency = 1_000;
    public const int MaxBatchSize = 10;
    public const int MaxBacklogPerWorker = 120_000;
    public static readonly TimeSpan MaxWaitTime = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromHours(12);
    public static readonly TimeSpan MaxHandlerTimeout = TimeSpan.FromHours(12);
    public static readonly TimeSpan MinScaleInterval = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxScaleInterval = TimeSpan.FromHours(1);

    /// <summary>
    /// Checks every option and throws one <see cref="OptionsValidationException"/> listing every problem, each starting
    /// with its path (<c>QueueConsumers:orders:MaxConcurrency: ...</c>).
    /// </summary>
    public static void Validate(string queueName, QueueConsumerOptions options)
    {
        var prefix = $"QueueConsumers:{queueName}:";
        List<string>? failures = null;
        void Fail(string property, string problem) => (failures ??= []).Add(prefix + property + ": " + problem);

        if (options.MaxConcurrency is < 1 or > MaxConcurrency)
        {
            Fail(nameof(options.MaxConcurrency), $"must be from 1 to 1,000; got {options.MaxConcurrency}");
        }

        if (options.MinConcurrency < 0 || options.MinConcurrency > Math.Max(options.MaxConcurrency, 1))
        {
            Fail(nameof(options.MinConcurrency), $"must be from 0 to MaxConcurrency ({options.MaxConcurrency}); got {options.MinConcurrency}");
        }

        if (options.BatchSize is < 1 or > MaxBatchSize)
        {
            Fail(nameof(options.BatchSize), $"must be from 1 to {MaxBatchSize} (SQS's MaxNumberOfMessages); got {options.BatchSize}");
        }

        if (options.WaitTime <= TimeSpan.Zero || options.WaitTime > MaxWaitTime)
        {
            Fail(nameof(options.WaitTime), $"must be greater than 0 and at most 00:00:20 (long polling); got {options.WaitTime:c}");
        }

        if (options.VisibilityTimeout is { } visibility
            && (visibility < TimeSpan.Zero || visibility > MaxVisibilityTimeout || visibility.Ticks % TimeSpan.TicksPerSecond != 0))
        {
            Fail(nameof(options.VisibilityTimeout), $"must be whole seconds from 00:00:00 to 12:00:00, or null for the queue's; got {visibility:c}");
        }

        if (options.HandlerTimeout != Timeout.InfiniteTimeSpan
            && (options.HandlerTimeout <= TimeSpan.Zero || options.HandlerTimeout > MaxHandlerTimeout))
        {
            Fail(nameof(options.HandlerTimeout), $"must be greater than 0 and at most 12:00:00, or Timeout.InfiniteTimeSpan for no limit; got {options.HandlerTimeout:c}");
        }

        if (options.ScaleUpBacklogPerWorker is < 1 or > MaxBacklogPerWorker)
        {
            Fail(nameof(options.ScaleUpBacklogPerWorker), $"must be from 1 to 120,000; got {options.ScaleUpBacklogPerWorker}");
        }

        if (options.ScaleUpAge <= TimeSpan.Zero)
        {
            Fail(nameof(options.ScaleUpAge), $"must be greater than 0; got {options.ScaleUpAge:c}");
        }

        if (options.ScaleInterval < MinScaleInterval || options.ScaleInterval > MaxScaleInterval)
        {
            Fail(nameof(options.ScaleInterval), $"must be from 00:00:00.010 to 01:00:00; got {options.ScaleInterval:c}");
        }

        if (failures is not null)
        {
            throw new OptionsValidationException(queueName, typeof(QueueConsumerOptions), failures);
        }
    }

    /// <summary>A retry delay as ChangeMessageVisibility takes it: whole seconds (rounded up), from 0 to 12 hours.</summary>
    public static TimeSpan ToVisibilityTimeout(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        if (delay >= MaxVisibilityTimeout)
        {
            return MaxVisibilityTimeout;
        }

        var seconds = (delay.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        return TimeSpan.FromSeconds(seconds);
    }
}
