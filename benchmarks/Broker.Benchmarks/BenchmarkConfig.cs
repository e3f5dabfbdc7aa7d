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
    public BenchmarkConfig()
    {
        AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(15).WithLaunchCount(1));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, BaselineRatioColumn.RatioMean, BaselineAllocationRatioColumn.RatioMean);
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend));
    }
}
