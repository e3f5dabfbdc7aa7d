using System.Text;
using Broker.Hosting.Serialization;
using Broker.Topics;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Hosting.Internal;

/// <summary>A typed view of one topic: serializes publishes as UTF-8 text.</summary>
internal sealed class TypedTopic<T> : ITopic<T>
{
    private readonly IMessageSerializer serializer;

    /// <summary>The keyed-service constructor: the key is the topic's name.</summary>
    public TypedTopic(BrokerRuntime runtime, [ServiceKey] object? serviceKey)
        : this(runtime.Broker.GetTopic(ServiceKeys.Name(serviceKey, "topic")), runtime.Serializer)
    {
    }

    internal TypedTopic(ITopic topic, IMessageSerializer serializer)
    {
        Topic = topic;
        this.serializer = serializer;
    }

    public ITopic Topic { get; }

    public ValueTask<PublishResult> PublishAsync(T message, CancellationToken cancellationToken = default) =>
        PublishCoreAsync(message, null, cancellationToken);

    public ValueTask<PublishResult> PublishAsync(T message, PublishOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PublishCoreAsync(message, options, cancellationToken);
    }

    private async ValueTask<PublishResult> PublishCoreAsync(T message, PublishOptions? options, CancellationToken cancellationToken)
    {
        using var activity = BrokerTracing.StartProducer(Topic.Name, "publish");
        try
        {
            var request = new PublishRequest(Encoding.UTF8.GetString(serializer.Serialize(message)))
            {
                Subject = options?.Subject,
                MessageGroupId = options?.MessageGroupId,
                MessageDeduplicationId = options?.MessageDeduplicationId,
                MessageAttributes = BrokerTracing.Inject(activity, options?.MessageAttributes),
            };
            var result = await Topic.PublishAsync(request, cancellationToken).ConfigureAwait(false);
            ProducerActivity.Sent(activity, result, static r => r.MessageId);
            return result;
        }
        catch (Exception exception) when (ProducerActivity.Failed(activity, exception))
        {
            throw;
        }
    }
}
