using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Benchmarks.Frameworks;
using Broker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Broker.Benchmarks.Hosting;

/// <summary>
/// End to end through Broker.Hosting: a typed message sent with <see cref="IQueue{T}"/>, received by a hosted queue
/// consumer, deserialized, handled by a handler resolved from a per-message DI scope, and deleted. The baseline is the
/// hand-rolled alternative: an unbounded <see cref="Channel{T}"/> of the same objects read by as many worker tasks
/// (no serialization, no scope, no acknowledgement). Each operation is one message; messages per second = 1 / Mean.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class HostedConsumerBenchmarks
{
    public const int MessageCount = 20_000;

    private IHost host = null!;
    private IQueue<TranscodeJob> jobs = null!;
    private PipelineCounter counter = null!;

    /// <summary>The consumer's MaxConcurrency, and the baseline's worker count.</summary>
    [Params(1, 8)]
    public int MaxConcurrency { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<PipelineCounter>();
        builder.Services.AddBroker(broker => broker.AddQueue("transcode"));
        builder.Services.AddQueueConsumer<TranscodeJob, TranscodeHandler>("transcode", c => c.MaxConcurrency = MaxConcurrency);
        host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        jobs = host.Services.GetRequiredKeyedService<IQueue<TranscodeJob>>("transcode");
        counter = host.Services.GetRequiredService<PipelineCounter>();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await host.StopAsync().ConfigureAwait(false);
        host.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = MessageCount)]
    public async Task ChannelWorkers()
    {
        var channel = Channel.CreateUnbounded<TranscodeJob>();
        var handled = 0;
        var workers = new Task[MaxConcurrency];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                while (await channel.Reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    while (channel.Reader.TryRead(out var job))
                    {
                        if (job.Id >= 0)
                        {
                            Interlocked.Increment(ref handled);
                        }
                    }
                }
            });
        }

        for (var i = 0; i < MessageCount; i++)
        {
            await channel.Writer.WriteAsync(new TranscodeJob(i, "720p")).ConfigureAwait(false);
        }

        channel.Writer.Complete();
        await Task.WhenAll(workers).ConfigureAwait(false);
        Check(handled);
    }

    [Benchmark(OperationsPerInvoke = MessageCount)]
    public async Task HostedConsumer()
    {
        var done = counter.Expect(MessageCount);
        for (var i = 0; i < MessageCount; i++)
        {
            await jobs.SendAsync(new TranscodeJob(i, "720p")).ConfigureAwait(false);
        }

        Check(await done.ConfigureAwait(false));
    }

    private static void Check(int handled)
    {
        if (handled != MessageCount)
        {
            throw new InvalidOperationException($"Handled {handled} messages instead of {MessageCount}.");
        }
    }

    public sealed record TranscodeJob(int Id, string Resolution);

    public sealed class TranscodeHandler(PipelineCounter counter) : IMessageHandler<TranscodeJob>
    {
        public ValueTask HandleAsync(TranscodeJob message, MessageContext context, CancellationToken cancellationToken)
        {
            counter.Handled();
            return ValueTask.CompletedTask;
        }
    }
}
