using System.Diagnostics;
using System.Globalization;

namespace Broker.Benchmarks.Runner;

/// <summary>
/// <c>--loop &lt;Class&gt; &lt;Method&gt; [Name=Value ...] [--seconds N]</c>: calls one benchmark over and over for N seconds
/// (30 by default) and prints its operations per second, the bytes allocated per operation (by every thread), the collections of each generation and the share of the time the collector paused the process, every call, for attaching a profiler (<c>perf record -p</c>,
/// <c>dotnet-trace</c>) to a warmed-up process. Parameters are parsed as the property's type.
/// </summary>
public static class LoopRun
{
    /// <summary>Runs the loop.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2)
        {
            Console.WriteLine("usage: --loop <Class> <Method> [Name=Value ...] [--seconds N]");
            return 2;
        }

        var type = typeof(LoopRun).Assembly.GetTypes().SingleOrDefault(t => t.Name == args[0]);
        if (type is null)
        {
            Console.WriteLine($"loop: no benchmark class named {args[0]}");
            return 2;
        }

        var seconds = 30.0;
        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 2; i < args.Length; i++)
        {
            if (args[i] == "--seconds" && i + 1 < args.Length)
            {
                seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
                continue;
            }

            var pair = args[i].Split('=', 2);
            var property = type.GetProperty(pair[0]) ?? throw new ArgumentException($"{type.Name} has no parameter {pair[0]}.");
            parameters[pair[0]] = Convert.ChangeType(pair[1], property.PropertyType, CultureInfo.InvariantCulture);
        }

        await using var invoker = await BenchmarkInvoker.CreateAsync(type, args[1], parameters).ConfigureAwait(false);
        Console.WriteLine($"loop: {invoker.Name}, process {Environment.ProcessId}, {seconds:F0} s");
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started).TotalSeconds < seconds)
        {
            var allocated = GC.GetTotalAllocatedBytes();
            var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var cpu = Environment.CpuUsage.TotalTime;
            var elapsed = await invoker.InvokeOnceAsync().ConfigureAwait(false);
            var perOperation = (GC.GetTotalAllocatedBytes() - allocated) / (double)invoker.OperationsPerInvoke;
            var pausedShare = (GC.GetTotalPauseDuration() - paused) / elapsed;
            var cpuPerOperation = (Environment.CpuUsage.TotalTime - cpu).TotalNanoseconds / invoker.OperationsPerInvoke;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"loop: {invoker.OperationsPerInvoke / elapsed.TotalSeconds:F0} ops/s {perOperation:F0} B/op (all threads), collections {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} (gen0/1/2), paused {pausedShare:P0}, cpu {cpuPerOperation:F0} ns/op (all threads)"));
        }

        return 0;
    }
}
