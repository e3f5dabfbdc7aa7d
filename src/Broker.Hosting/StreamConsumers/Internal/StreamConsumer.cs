using Broker.Streams.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Internal;

/// <summary>
/// The hosted service behind <c>AddStreamConsumer</c>: a <see cref="StreamProcessor"/> of the consumer group, whose
/// per-shard processors are <see cref="ShardBatcher"/>s invoking <typeparamref name="THandler"/>.
/// </summary>
internal sealed class StreamConsumer<TRecord, THandler> : IHostedService, IAsyncDisposable, IHostedStreamConsumer
    where THandler : class, IStreamRecordHandler<TRecord>
{
    private static readonly string HandlerName = typeof(THandler).Name;

    private readonly IServiceProvider services;
    private readonly string streamName;
    private readonly string consumerGroup;
    private readonly StreamConsumerOptions options;
    private readonly ILogger logger;

    /// <summary>Cancelled when the host's shutdown timeout ends (or at disposal): the handlers' token.</summary>
    private readonly CancellationTokenSource handlerCancellation = new();
    private StreamProcessor? processor;

    public StreamConsumer(IServiceProvider services, string streamName, string consumerGroup, StreamConsumerOptions options, ILogger logger)
    {
        this.services = services;
        this.streamName = streamName;
        this.consumerGroup = consumerGroup;
        this.options = options;
        this.logger = logger;
    }

    public string StreamName => streamName;

    public string ConsumerGroup => consumerGroup;

    public Type HandlerType => typeof(THandler);

    public StreamProcessor? Processor => Volatile.Read(ref processor);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var runtime = services.GetRequiredService<BrokerRuntime>();
        var stream = runtime.Broker.GetStream(streamName);
        if (options.OnFailureQueue is { } onFailureQueue)
        {
            _ = runtime.Broker.GetQueue(onFailureQueue); // Lambda checks the destination when the mapping is made.
        }

        var invoker = new StreamBatchInvoker<TRecord, THandler>(
            services, runtime, services.GetRequiredService<HostingMetrics>(), stream.Name, consumerGroup, logger);
        var context = new StreamConsumerContext(runtime.Broker, stream, consumerGroup, options, invoker, logger, handlerCancellation.Token);
        processor = new StreamProcessor(
            stream,
            runtime.TimeProvider,
            new StreamProcessorOptions
            {
                ApplicationName = consumerGroup,
                InitialPosition = options.InitialPosition,
                InitialTimestamp = options.InitialTimestamp,
                LeaseStore = services.GetRequiredService<ILeaseStore>(),
            },
            shardId => new ShardBatcher(context, shardId));
        await processor.StartAsync(cancellationToken).ConfigureAwait(false);
        Log.StreamConsumerStarted(logger, HandlerName, stream.Name, consumerGroup, processor.WorkerId);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (processor is null)
        {
            return;
        }

        Log.StreamConsumerStopping(logger, HandlerName, streamName);
        try
        {
            await processor.StopAsync(cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled here rather than from a registration on the token: WaitAsync's own registration may complete this
            // method inline first, and disposing a registration that has not run yet drops it.
            Log.StreamStopTimedOut(logger, HandlerName, streamName);
            await handlerCancellation.CancelAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await handlerCancellation.CancelAsync().ConfigureAwait(false);
        if (processor is not null)
        {
            await processor.DisposeAsync().ConfigureAwait(false);
        }

        handlerCancellation.Dispose();
    }
}
