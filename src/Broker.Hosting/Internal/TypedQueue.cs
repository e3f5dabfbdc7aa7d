using Broker.Hosting.Serialization;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Hosting.Internal;

/// <summary>A typed view of one queue: serializes sends, wraps receives; holds nothing but the queue and the serializer.</summary>
internal sealed class TypedQueue<T> : IQueue<T>
{
    private readonly IMessageSerializer serializer;

    /// <summary>The keyed-service constructor: the key is the queue's name.</summary>
    public TypedQueue(BrokerRuntime runtime, [ServiceKey] object? serviceKey)
        : this(runtime.Broker.GetQueue(ServiceKeys.Name(serviceKey, "queue")), runtime.Serializer)
    {
    }

    internal TypedQueue(IMessageQueue queue, IMessageSerializer serializer)
    {
        Queue = queue;
        this.serializer = serializer;
    }

    public IMessageQueue Queue { get; }

    public ValueTask<SendMessageResult> SendAsync(T message, CancellationToken cancellationToken = default) =>
        SendCoreAsync(message, null, cancellationToken);

    public ValueTask<SendMessageResult> SendAsync(T message, SendOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SendCoreAsync(message, options, cancellationToken);
    }

    public async ValueTask<SendMessageBatchResult> SendBatchAsync(IReadOnlyList<T> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var activity = BrokerTracing.StartProducer(Queue.Name, "send");
        try
        {
            var attributes = BrokerTracing.Inject(activity, null);
            var entries = new SendMessageBatchEntry[messages.Count];
            for (var i = 0; i < entries.Length; i++)
            {
                entries[i] = new SendMessageBatchEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), serializer.Serialize(messages[i]))
                {
                    MessageAttributes = attributes,
                };
            }

            return await Queue.SendBatchAsync(entries, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ProducerActivity.Failed(activity, exception))
        {
            throw;
        }
    }

    public async ValueTask<IReadOnlyList<Received<T>>> ReceiveAsync(ReceiveRequest? request = null, CancellationToken cancellationToken = default)
    {
        var messages = await Queue.ReceiveAsync(request, cancellationToken).ConfigureAwait(false);
        if (messages.Count == 0)
        {
            return [];
        }

        var received = new Received<T>[messages.Count];
        for (var i = 0; i < received.Length; i++)
        {
            received[i] = new Received<T>(messages[i], serializer);
        }

        return received;
    }

    private async ValueTask<SendMessageResult> SendCoreAsync(T message, SendOptions? options, CancellationToken cancellationToken)
    {
        using var activity = BrokerTracing.StartProducer(Queue.Name, "send");
        try
        {
            var request = new SendMessageRequest(serializer.Serialize(message))
            {
                DelaySeconds = DelaySeconds(options?.Delay),
                MessageGroupId = options?.MessageGroupId,
                MessageDeduplicationId = options?.MessageDeduplicationId,
                MessageAttributes = BrokerTracing.Inject(activity, options?.MessageAttributes),
            };
            var result = await Queue.SendAsync(request, cancellationToken).ConfigureAwait(false);
            ProducerActivity.Sent(activity, result, static r => r.MessageId);
            return result;
        }
        catch (Exception exception) when (ProducerActivity.Failed(activity, exception))
        {
            throw;
        }
    }

    /// <summary>SQS's DelaySeconds for a delay; the range (0 to 900) is the queue's to check.</summary>
    private static int? DelaySeconds(TimeSpan? delay)
    {
        if (delay is not { } value)
        {
            return null;
        }

        if (value.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Value {value} for parameter DelaySeconds is invalid. Reason: a delay is whole seconds, from 0 to 900.");
        }

        return (int)Math.Clamp(value.Ticks / TimeSpan.TicksPerSecond, int.MinValue, int.MaxValue);
    }
}
