using Broker.Streams;
using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Internal;

/// <summary>What every shard of one hosted stream consumer shares: the stream, the settings, the clock and the handler.</summary>
internal sealed class StreamConsumerContext(
    MessageBroker broker,
    IDataStream stream,
    string consumerGroup,
    StreamConsumerOptions options,
    IStreamBatchInvoker invoker,
    ILogger logger,
    CancellationToken handlerToken)
{
    /// <summary>The broker, for the on-failure queue (looked up by name when needed, so a re-created queue is found).</summary>
    public MessageBroker Broker { get; } = broker;

    /// <summary>The stream.</summary>
    public IDataStream Stream { get; } = stream;

    /// <summary>The stream's name, for logs and tags.</summary>
    public string StreamName => Stream.Name;

    /// <summary>The consumer group (the processor's application name).</summary>
    public string ConsumerGroup { get; } = consumerGroup;

    /// <summary>The validated settings.</summary>
    public StreamConsumerOptions Options { get; } = options;

    /// <summary>Deserializes a batch and runs the handler in a scope of its own.</summary>
    public IStreamBatchInvoker Invoker { get; } = invoker;

    /// <summary>The broker's clock: the batching window and retry delays run on it.</summary>
    public TimeProvider Time => Broker.TimeProvider;

    /// <summary>The consumer's logger.</summary>
    public ILogger Logger { get; } = logger;

    /// <summary>
    /// The token handlers get, and that checkpoints use: cancelled only when the host's shutdown timeout ends, so a batch in
    /// flight when the host starts stopping finishes and is checkpointed.
    /// </summary>
    public CancellationToken HandlerToken { get; } = handlerToken;

    /// <summary>The delay before retry <paramref name="retry"/> of a failed batch (never negative).</summary>
    public TimeSpan RetryDelay(int retry)
    {
        var delay = Options.RetryDelay?.Invoke(retry) ?? StreamConsumerDefaults.DefaultRetryDelay(retry);
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }
}
