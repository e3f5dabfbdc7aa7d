namespace Broker.Benchmarks.Runner;

/// <summary>Writes a runner's GitHub-markdown report where BenchmarkDotNet writes its own, so both are collected together.</summary>
internal static class ReportFile
{
    /// <summary>Writes <paramref name="markdown"/> to BenchmarkDotNet.Artifacts/results/Broker.Benchmarks.{name}-report-github.md and returns the path.</summary>
    public static string Write(string name, string markdown)
    {
        var directory = Path.Combine("BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(directory);
        var path = Path.GetFullPath(Path.Combine(directory, $"Broker.Benchmarks.{name}-report-github.md"));
        File.WriteAllText(path, markdown);
        return path;
    }

    /// <summary>The machine line the reports start with.</summary>
    public static string Machine =>
        $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical cores, " +
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC";
}
