using Broker.Hosting.Serialization;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Broker.Hosting.Internal;

/// <summary>
/// A hosted queue consumer: one per <c>AddQueueConsumer</c> or <c>AddQueueBatchConsumer</c> call. This part starts and
/// stops it; <c>QueueConsumer.Workers.cs</c> runs and scales the workers; <c>QueueConsumer.Receive.cs</c> receives and
/// keeps held messages invisible; <c>QueueConsumer.Messages.cs</c> holds what every handler invocation does
/// (deserialize, scope, timeout, delete or fail, telemetry). What a worker does with the messages of one receive is the
/// subclass's: one handler call per message or one per batch.
/// </summary>
internal abstract partial class QueueConsumer : IHostedService, IDisposable, IVisibilityExtender
{
    private readonly IServiceProvider services;
    private readonly ConsumerRegistry registry;

    /// <summary>Cancelled when the consumer stops: ends pending receives and backoff delays.</summary>
    private readonly CancellationTokenSource receiveStop = new();

    /// <summary>Cancelled when the host's shutdown timeout ends before the handlers did: every handler's token.</summary>
    private readonly CancellationTokenSource handlerStop = new();

    /// <summary>Completed when the consumer is stopping and its last loop (worker or idle receive) ended.</summary>
    private readonly TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BrokerRuntime? runtime;
    private IMessageQueue? queue;
    private IServiceScopeFactory? scopeFactory;

    protected QueueConsumer(IServiceProvider services, string queueName, QueueConsumerOptions options, Type handlerType)
    {
        this.services = services;
        QueueName = queueName;
        Options = options;
        registry = services.GetRequiredService<ConsumerRegistry>();
        Metrics = services.GetRequiredService<HostingMetrics>();
        Logger = services.GetService<ILoggerFactory>()?.CreateLogger("Broker.Hosting.QueueConsumer") ?? NullLogger.Instance;
        State = new ConsumerState("queue", queueName, handlerType);
        ConsumerTag = HostingMetrics.Consumer(queueName);
    }

    public string QueueName { get; }

    public QueueConsumerOptions Options { get; }

    public ConsumerState State { get; }

    protected ILogger Logger { get; }

    protected HostingMetrics Metrics { get; }

    protected KeyValuePair<string, object?> ConsumerTag { get; }

    protected IMessageQueue Queue => queue ?? throw new InvalidOperationException("The consumer has not started.");

    protected IMessageSerializer Serializer => runtime!.Serializer;

    protected TimeProvider Time => runtime!.TimeProvider;

    protected IServiceScopeFactory ScopeFactory => scopeFactory!;

    protected bool IsFifo { get; private set; }

    protected bool IsStopping => Volatile.Read(ref stopping);

    /// <summary>The token every handler gets (linked with its timeout when there is one).</summary>
    protected CancellationToken HandlerStopToken => handlerStop.Token;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        runtime = services.GetService<BrokerRuntime>()
            ?? throw new InvalidOperationException(
                $"The queue consumer on '{QueueName}' needs the broker: register it with services.AddBroker(...).");
        if (!runtime.Broker.TryGetQueue(QueueName, out var found))
        {
            throw new InvalidOperationException(
                $"The queue consumer on '{QueueName}' cannot start: queue '{QueueName}' does not exist. Declare it with "
                + $"services.AddBroker(b => b.AddQueue(\"{QueueName}\")), or create it before the host starts.");
        }

        queue = found;
        scopeFactory = services.GetRequiredService<IServiceScopeFactory>();
        IsFifo = found.Options.FifoQueue;
        receiveRequest = new ReceiveRequest
        {
            MaxNumberOfMessages = Options.BatchSize,
            WaitTime = Options.WaitTime,
            VisibilityTimeout = Options.VisibilityTimeout,
            MessageAttributeNames = ["All"],
            MessageSystemAttributeNames = [MessageSystemAttributeNames.All],
        };
        State.ReceiveRequest = receiveRequest;
        registry.Add(State);
        Log.QueueConsumerStarted(Logger, QueueName, State.HandlerType.Name, Options.MinConcurrency, Options.MaxConcurrency);
        StartWorkers();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!BeginStop(out var running))
        {
            return;
        }

        Log.QueueConsumerStopping(Logger, QueueName, running);
        await receiveStop.CancelAsync().ConfigureAwait(false);
        try
        {
            await drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout ended first: cancel the handlers and stop holding their messages. They finish
            // in the background; a handler that does not complete successfully leaves its message to reappear.
            // Cancel first: a keeper that starts after this sees the cancellation and never runs; every earlier one is
            // in the set that StopKeepers stops.
            Log.QueueHandlersCancelled(Logger, QueueName);
            var cancelling = handlerStop.CancelAsync();
            StopKeepers();
            await cancelling.ConfigureAwait(false);
        }
        finally
        {
            registry.Remove(State);
        }

        Log.QueueConsumerStopped(Logger, QueueName);
    }

    public void Dispose()
    {
        scaleTimer?.Dispose();
        if (drained.Task.IsCompleted)
        {
            // Nothing runs any more that could read the tokens.
            receiveStop.Dispose();
            handlerStop.Dispose();
        }
    }

    /// <summary>Handles the messages of one receive, and releases those it will not start because the consumer stops.</summary>
    protected abstract Task HandleReceivedAsync(IReadOnlyList<ReceivedMessage> messages, VisibilityKeeper? keeper);
}
