using System.Diagnostics;
using System.Globalization;
using Broker.Benchmarks.Frameworks;
using Broker.Benchmarks.Hosting;
using Broker.Benchmarks.Scaling;
using Broker.Benchmarks.Shapes;
using Broker.Benchmarks.Streams;
using Broker.Benchmarks.Topics;

namespace Broker.Benchmarks.Runner;

/// <summary>
/// <c>--quick</c>: the headline comparisons in a few minutes, for reviews. Each side of a comparison is a benchmark of
/// the full suite, called through <see cref="BenchmarkInvoker"/> (so the same code, set-up and count checks): warm-up
/// calls for at least <see cref="WarmupTime"/>, then calls until at least <see cref="MinimumCalls"/> calls and <see cref="MinimumTime"/> have passed, and the
/// median call gives operations per second. One line per comparison:
/// <c>quick: &lt;what&gt; broker=&lt;ops/s&gt; baseline(&lt;name&gt;)=&lt;ops/s&gt; ratio=&lt;broker/baseline&gt;</c>.
/// Medians of a handful of calls on a noisy machine: use the full BenchmarkDotNet run for committed figures.
/// </summary>
public static class QuickRun
{
    private const int MinimumCalls = 5;
    private const int MaximumCalls = 40;
    private static readonly TimeSpan MinimumTime = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WarmupTime = TimeSpan.FromSeconds(2.5);

    private static readonly Comparison[] Comparisons =
    [
        new("standard queue, 1 producer + 1 consumer, receive/delete by 10", typeof(QueueThroughputBenchmarks), P(("Pairs", 1)), nameof(QueueThroughputBenchmarks.BrokerQueue), "Channel", nameof(QueueThroughputBenchmarks.Channel)),
        new("standard queue, write-async-then-read-async", typeof(WriteAsyncThenReadAsyncBenchmarks), P(), nameof(WriteAsyncThenReadAsyncBenchmarks.StandardQueue), "Channel", nameof(WriteAsyncThenReadAsyncBenchmarks.Channel)),
        new("standard queue, ping-pong", typeof(PingPongBenchmarks), P(), nameof(PingPongBenchmarks.StandardQueue), "Channel", nameof(PingPongBenchmarks.Channel)),
        new("standard queue, 4 producers + 2 consumers", typeof(ProducerScalingBenchmarks), P(("Producers", 4)), nameof(ProducerScalingBenchmarks.StandardQueue), "Channel", nameof(ProducerScalingBenchmarks.Channel)),
        new("FIFO queue, 100 groups, 1 producer + 2 consumers", typeof(FifoThroughputBenchmarks), P(("Groups", 100)), nameof(FifoThroughputBenchmarks.FifoQueue), "Channel", nameof(FifoThroughputBenchmarks.Channel)),
        new("FIFO queue, write-async-then-read-async", typeof(WriteAsyncThenReadAsyncBenchmarks), P(), nameof(WriteAsyncThenReadAsyncBenchmarks.FifoQueue), "Channel", nameof(WriteAsyncThenReadAsyncBenchmarks.Channel)),
        new("topic to 1 queue, raw delivery, consumer draining", typeof(TopicPublishBenchmarks), P(), nameof(TopicPublishBenchmarks.PublishRaw), "Channel", nameof(TopicPublishBenchmarks.Channel)),
        new("topic to 1 queue, write-async-then-read-async", typeof(WriteAsyncThenReadAsyncBenchmarks), P(), nameof(WriteAsyncThenReadAsyncBenchmarks.TopicToQueue), "Channel", nameof(WriteAsyncThenReadAsyncBenchmarks.Channel)),
        new("topic fan-out, publish matching 1 of 10,000 policies (raw)", typeof(TopicFanOutBenchmarks), P(("Subscriptions", 10_000), ("Raw", true)), nameof(TopicFanOutBenchmarks.Publish), "1 of 10 policies", nameof(TopicFanOutBenchmarks.Publish), P(("Subscriptions", 10), ("Raw", true))),
        new("stream, PutRecords 500 then GetRecords, 4 shards", typeof(StreamThroughputBenchmarks), P(), nameof(StreamThroughputBenchmarks.StreamReaderPerShard), "Channel", nameof(StreamThroughputBenchmarks.Channel)),
        new("stream, write-async-then-read-async", typeof(WriteAsyncThenReadAsyncBenchmarks), P(), nameof(WriteAsyncThenReadAsyncBenchmarks.Stream), "Channel", nameof(WriteAsyncThenReadAsyncBenchmarks.Channel)),
        new("hosted typed consumer vs hand-rolled Channel workers", typeof(HostedConsumerBenchmarks), P(("MaxConcurrency", 1)), nameof(HostedConsumerBenchmarks.HostedConsumer), "Channel workers", nameof(HostedConsumerBenchmarks.ChannelWorkers)),
        new("hosted typed pipeline, concurrency 1", typeof(HostedPipelineBenchmarks), P(("Concurrency", 1)), nameof(HostedPipelineBenchmarks.Broker), "MassTransit", nameof(HostedPipelineBenchmarks.MassTransit)),
        new("hosted typed pipeline, concurrency 1", typeof(HostedPipelineBenchmarks), P(("Concurrency", 1)), nameof(HostedPipelineBenchmarks.Broker), "Wolverine", nameof(HostedPipelineBenchmarks.Wolverine)),
        new("hosted typed pipeline, concurrency 1", typeof(HostedPipelineBenchmarks), P(("Concurrency", 1)), nameof(HostedPipelineBenchmarks.Broker), "Rebus", nameof(HostedPipelineBenchmarks.Rebus)),
        new("hosted typed pipeline, concurrency 8", typeof(HostedPipelineBenchmarks), P(("Concurrency", 8)), nameof(HostedPipelineBenchmarks.Broker), "MassTransit", nameof(HostedPipelineBenchmarks.MassTransit)),
    ];

    /// <summary>Runs the comparisons (those whose description contains <paramref name="filter"/>, when given).</summary>
    public static async Task<int> RunAsync(string? filter)
    {
        var measured = new Dictionary<string, double>(StringComparer.Ordinal);
        var started = Stopwatch.GetTimestamp();
        foreach (var comparison in Comparisons.Where(c => filter is null || c.What.Contains(filter, StringComparison.OrdinalIgnoreCase) || c.BaselineName.Contains(filter, StringComparison.OrdinalIgnoreCase)))
        {
            var broker = await OperationsPerSecondAsync(comparison.Type, comparison.Broker, comparison.Parameters, measured).ConfigureAwait(false);
            var baseline = await OperationsPerSecondAsync(comparison.Type, comparison.Baseline, comparison.BaselineParameters ?? comparison.Parameters, measured).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"quick: {comparison.What} broker={broker:F0} baseline({comparison.BaselineName})={baseline:F0} ratio={broker / baseline:F3}"));
        }

        Console.WriteLine($"quick: done in {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s");
        return 0;
    }

    private static async Task<double> OperationsPerSecondAsync(Type type, string method, IReadOnlyDictionary<string, object> parameters, Dictionary<string, double> measured)
    {
        var key = $"{type.FullName}.{method}({string.Join(",", parameters.OrderBy(static p => p.Key, StringComparer.Ordinal).Select(static p => $"{p.Key}={p.Value}"))})";
        if (measured.TryGetValue(key, out var known))
        {
            return known;
        }

        await using var invoker = await BenchmarkInvoker.CreateAsync(type, method, parameters).ConfigureAwait(false);
        // Warm-up: long enough for the JIT's tiering to settle: the hosted pipelines run unoptimized, instrumented code
        // for their first two seconds or so, at a third of their speed.
        var warm = TimeSpan.Zero;
        for (var calls = 0; calls < 3 || warm < WarmupTime; calls++)
        {
            warm += await invoker.InvokeOnceAsync().ConfigureAwait(false);
        }

        var times = new List<TimeSpan>();
        var total = TimeSpan.Zero;
        while (times.Count < MaximumCalls && (times.Count < MinimumCalls || total < MinimumTime))
        {
            var elapsed = await invoker.InvokeOnceAsync().ConfigureAwait(false);
            times.Add(elapsed);
            total += elapsed;
        }

        times.Sort();
        var median = times[times.Count / 2];
        var perSecond = invoker.OperationsPerInvoke / median.TotalSeconds;
        measured[key] = perSecond;
        return perSecond;
    }

    private static Dictionary<string, object> P(params (string Name, object Value)[] values) =>
        values.ToDictionary(static v => v.Name, static v => v.Value, StringComparer.Ordinal);

    private sealed record Comparison(
        string What,
        Type Type,
        IReadOnlyDictionary<string, object> Parameters,
        string Broker,
        string BaselineName,
        string Baseline,
        IReadOnlyDictionary<string, object>? BaselineParameters = null);
}
