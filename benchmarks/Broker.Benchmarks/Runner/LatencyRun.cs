using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Broker.Hosting;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Broker.Benchmarks.Runner;

/// <summary>
/// <c>--latency</c>: send-to-handler latency under a steady load. One producer sends a typed message at a fixed rate
/// (<see cref="Rates"/>), each stamped with the moment it was due to be sent; the handler records how long after that
/// moment it ran. Measuring from the due time rather than the actual send keeps a stalled producer from hiding the
/// stall (coordinated omission). The first second is warm-up and is not recorded. Subjects: a Broker.Hosting queue
/// consumer (typed message, JSON, DI scope, delete after the handler); the engine alone (a loop long-polling
/// <see cref="IMessageQueue.ReceiveAsync"/> and deleting); and the baseline, an unbounded <see cref="Channel{T}"/> read by
/// one worker task. BenchmarkDotNet reports means and medians of whole operations, not per-message percentiles, hence this runner.
/// </summary>
public static class LatencyRun
{
    private static readonly int[] Rates = [10_000, 50_000];
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Measured = TimeSpan.FromSeconds(5);

    /// <summary>Runs every subject at every rate and prints (and writes) a markdown table of percentiles in microseconds.</summary>
    public static async Task<int> RunAsync()
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Send-to-handler latency, one producer at a steady rate, {Measured.TotalSeconds:F0} s measured after {Warmup.TotalSeconds:F0} s of warm-up ({ReportFile.Machine})")
            .AppendLine()
            .AppendLine("| subject | rate (msg/s) | p50 (µs) | p90 (µs) | p99 (µs) | p99.9 (µs) | max (µs) | p99 ratio to Channel |")
            .AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var rate in Rates)
        {
            var channel = await MeasureAsync(new ChannelSubject(), rate).ConfigureAwait(false);
            var engine = await MeasureAsync(new EngineSubject(), rate).ConfigureAwait(false);
            var hosted = await MeasureAsync(new HostedSubject(), rate).ConfigureAwait(false);
            foreach (var (name, result) in new[] { ("Channel<T> worker (baseline)", channel), ("Broker queue, ReceiveAsync long poll + delete", engine), ("Broker.Hosting queue consumer", hosted) })
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {name} | {rate:N0} | {result.P50:F1} | {result.P90:F1} | {result.P99:F1} | {result.P999:F1} | {result.Max:F1} | {result.P99 / channel.P99:F2}x |");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"latency: {name} at {rate}/s: p50={result.P50:F1}us p99={result.P99:F1}us p99.9={result.P999:F1}us max={result.Max:F1}us"));
            }
        }

        Console.WriteLine(text);
        Console.WriteLine($"latency: report written to {ReportFile.Write("Latency", text.ToString())}");
        return 0;
    }

    private static async Task<Percentiles> MeasureAsync(ISubject subject, int rate)
    {
        var warmupCount = (int)(rate * Warmup.TotalSeconds);
        var total = warmupCount + (int)(rate * Measured.TotalSeconds);
        var recorder = new Recorder(total);
        await subject.StartAsync(recorder).ConfigureAwait(false);
        try
        {
            var interval = Stopwatch.Frequency / (double)rate;
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < total; i++)
            {
                var due = start + (long)(i * interval);
                while (Stopwatch.GetTimestamp() < due)
                {
                    Thread.Yield();
                }

                await subject.SendAsync(new LatencyProbe(due, i)).ConfigureAwait(false);
            }

            await recorder.Done.WaitAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        }
        finally
        {
            await subject.StopAsync().ConfigureAwait(false);
        }

        return recorder.Percentiles(warmupCount);
    }

    /// <summary>The typed message: when it was due to be sent, and its index.</summary>
    public sealed record LatencyProbe(long DueTimestamp, int Index);

    internal readonly record struct Percentiles(double P50, double P90, double P99, double P999, double Max);

    /// <summary>Records each probe's latency at its index; completes when every probe has been handled once.</summary>
    public sealed class Recorder(int total)
    {
        private readonly long[] latencies = new long[total];
        private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int handled;

        public Task Done => done.Task;

        public void Handled(LatencyProbe probe)
        {
            latencies[probe.Index] = Stopwatch.GetTimestamp() - probe.DueTimestamp;
            if (Interlocked.Increment(ref handled) == latencies.Length)
            {
                done.TrySetResult();
            }
        }

        internal Percentiles Percentiles(int skip)
        {
            if (Volatile.Read(ref handled) != latencies.Length)
            {
                throw new InvalidOperationException($"Handled {handled} probes instead of {latencies.Length}.");
            }

            var measured = latencies.AsSpan(skip).ToArray();
            Array.Sort(measured);
            double At(double quantile) => Micros(measured[Math.Min(measured.Length - 1, (int)Math.Ceiling(quantile * measured.Length) - 1)]);
            return new Percentiles(At(0.5), At(0.9), At(0.99), At(0.999), Micros(measured[^1]));
        }

        private static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
    }

    private interface ISubject
    {
        Task StartAsync(Recorder recorder);

        ValueTask SendAsync(LatencyProbe probe);

        Task StopAsync();
    }

    private sealed class ChannelSubject : ISubject
    {
        private readonly Channel<LatencyProbe> channel = Channel.CreateUnbounded<LatencyProbe>();
        private Task worker = Task.CompletedTask;

        public Task StartAsync(Recorder recorder)
        {
            worker = Task.Run(async () =>
            {
                await foreach (var probe in channel.Reader.ReadAllAsync().ConfigureAwait(false))
                {
                    recorder.Handled(probe);
                }
            });
            return Task.CompletedTask;
        }

        public ValueTask SendAsync(LatencyProbe probe) => channel.Writer.WriteAsync(probe);

        public Task StopAsync()
        {
            channel.Writer.Complete();
            return worker;
        }
    }

    private sealed class EngineSubject : ISubject
    {
        private static readonly ReceiveRequest Receive = new() { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(20) };
        private readonly MessageBroker broker = new(new BrokerOptions(), TimeProvider.System);
        private readonly CancellationTokenSource stop = new();
        private IMessageQueue queue = null!;
        private Task worker = Task.CompletedTask;

        public Task StartAsync(Recorder recorder)
        {
            queue = broker.CreateQueue("latency");
            worker = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        foreach (var message in await queue.ReceiveAsync(Receive, stop.Token).ConfigureAwait(false))
                        {
                            // The body is SQS text: "<due timestamp> <index>".
                            var body = message.Body.Span;
                            var space = body.IndexOf((byte)' ');
                            if (!Utf8Parser.TryParse(body[..space], out long due, out _) || !Utf8Parser.TryParse(body[(space + 1)..], out int index, out _))
                            {
                                throw new InvalidOperationException("A probe's body did not parse.");
                            }

                            recorder.Handled(new LatencyProbe(due, index));
                            await queue.DeleteAsync(message).ConfigureAwait(false);
                        }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            });
            return Task.CompletedTask;
        }

        public ValueTask SendAsync(LatencyProbe probe)
        {
            var body = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{probe.DueTimestamp} {probe.Index}"));
            var sent = queue.SendAsync(new SendMessageRequest(body));
            return sent.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(sent.AsTask());
        }

        public async Task StopAsync()
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await worker.ConfigureAwait(false);
            stop.Dispose();
            broker.Dispose();
        }
    }

    private sealed class HostedSubject : ISubject
    {
        private IHost host = null!;
        private IQueue<LatencyProbe> queue = null!;

        public async Task StartAsync(Recorder recorder)
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddSingleton(recorder);
            builder.Services.AddBroker(broker => broker.AddQueue("latency"));
            builder.Services.AddQueueConsumer<LatencyProbe, ProbeHandler>("latency", c => c.MaxConcurrency = 1);
            host = builder.Build();
            await host.StartAsync().ConfigureAwait(false);
            queue = host.Services.GetRequiredKeyedService<IQueue<LatencyProbe>>("latency");
        }

        public ValueTask SendAsync(LatencyProbe probe)
        {
            var sent = queue.SendAsync(probe);
            return sent.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(sent.AsTask());
        }

        public async Task StopAsync()
        {
            await host.StopAsync().ConfigureAwait(false);
            host.Dispose();
        }
    }

    /// <summary>The hosted consumer's handler: records the probe.</summary>
    public sealed class ProbeHandler(Recorder recorder) : IMessageHandler<LatencyProbe>
    {
        public ValueTask HandleAsync(LatencyProbe message, MessageContext context, CancellationToken cancellationToken)
        {
            recorder.Handled(message);
            return ValueTask.CompletedTask;
        }
    }
}
