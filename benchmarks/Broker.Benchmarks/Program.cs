using BenchmarkDotNet.Running;
using Broker.Benchmarks.Runner;

namespace Broker.Benchmarks;

/// <summary>
/// Runs the benchmarks (<c>dotnet run -c Release --project benchmarks/Broker.Benchmarks -- ...</c>):
/// <c>--filter '*'</c> the full BenchmarkDotNet run (any BenchmarkDotNet arguments);
/// <c>--quick [filter]</c> the headline comparisons in a few minutes, one line each;
/// <c>--latency</c> send-to-handler latency percentiles under a steady load;
/// <c>--memory</c> memory per held message and record at 1,000,000 items;
/// <c>--smoke [filter]</c> every benchmark called once, to check it runs and its counts hold.
/// <c>--loop Class Method [Name=Value ...]</c> one benchmark called over and over, to profile.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var filter = args.Length > 1 ? args[1] : null;
        return args.FirstOrDefault() switch
        {
            "--smoke" => await SmokeRun.RunAsync(filter).ConfigureAwait(false),
            "--quick" => await QuickRun.RunAsync(filter).ConfigureAwait(false),
            "--loop" => await LoopRun.RunAsync(args[1..]).ConfigureAwait(false),
            "--latency" => await LatencyRun.RunAsync().ConfigureAwait(false),
            "--memory" => await MemoryRun.RunAsync().ConfigureAwait(false),
            _ => RunBenchmarkDotNet(args),
        };
    }

    private static int RunBenchmarkDotNet(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
