using BenchmarkDotNet.Running;
using Broker.Benchmarks.Runner;

namespace Broker.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project benchmarks/Broker.Benchmarks -- --filter '*'</c> for the full
/// BenchmarkDotNet run, <c>-- --smoke [filter]</c> to call every benchmark once and check its counts.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--smoke")
        {
            return await SmokeRun.RunAsync(args.Length > 1 ? args[1] : null).ConfigureAwait(false);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
