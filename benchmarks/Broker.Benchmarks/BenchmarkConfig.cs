using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace Broker.Benchmarks;

/// <summary>
/// One config for every class: a short job (this machine is noisy and has two cores), medians and ratios beside the
/// baseline, allocations, and BenchmarkDotNet's default exporters (GitHub markdown among them) for benchmarks/results/.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    /// <summary>
    /// The warm-up of classes with an [IterationCleanup], which makes every iteration a single invocation (here one run of
    /// 100,000 messages, 5 to 150 ms). Three such iterations end long before the JIT has moved the broker's code to its
    /// optimized tier (the per-iteration logs show 15 to 17 invocations of the FIFO broker case before its times level
    /// off), while classes without a cleanup warm up for three iterations of at least half a second each. The baseline
    /// and the broker get the same count; the measured work does not change.
    /// </summary>
    public const int SingleInvocationWarmupCount = 20;

    public BenchmarkConfig()
    {
        AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(15).WithLaunchCount(1));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, BaselineRatioColumn.RatioMean, BaselineAllocationRatioColumn.RatioMean);
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend));
    }
}
