using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Broker.Benchmarks.Runner;

/// <summary>
/// <c>--smoke [filter]</c>: calls every benchmark (of the classes whose name contains the filter) once for each parameter
/// combination, so a benchmark that throws, hangs or fails its own count check is found in seconds instead of in a
/// full run. It measures nothing.
/// </summary>
public static class SmokeRun
{
    /// <summary>Runs the smoke check; returns the process exit code (0 when every benchmark ran).</summary>
    public static async Task<int> RunAsync(string? filter)
    {
        var failed = 0;
        var ran = 0;
        var types = typeof(SmokeRun).Assembly.GetTypes()
            .Where(static t => t.GetMethods().Any(static m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
            .Where(t => filter is null || t.FullName!.Contains(filter, StringComparison.OrdinalIgnoreCase))
            .OrderBy(static t => t.FullName, StringComparer.Ordinal);
        foreach (var type in types)
        {
            foreach (var parameters in BenchmarkInvoker.ParameterCombinations(type))
            {
                foreach (var method in type.GetMethods().Where(static m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
                {
                    string name = $"{type.Name}.{method.Name}";
                    try
                    {
                        await using var invoker = await BenchmarkInvoker.CreateAsync(type, method.Name, parameters).ConfigureAwait(false);
                        name = invoker.Name;
                        var elapsed = await invoker.InvokeOnceAsync().WaitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
                        Console.WriteLine($"smoke: ok   {name} {elapsed.TotalMilliseconds:F0} ms");
                        ran++;
                    }
                    catch (Exception e)
                    {
                        var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
                        Console.WriteLine($"smoke: FAIL {name}: {cause.GetType().Name}: {cause.Message}");
                        failed++;
                    }
                }
            }
        }

        Console.WriteLine($"smoke: {ran} ran, {failed} failed");
        return failed == 0 && ran > 0 ? 0 : 1;
    }
}
