using Broker.Hosting.Serialization;
using Broker.Topics;

namespace Broker.Hosting;

/// <summary>
/// A topic of <typeparamref name="T"/> messages: publishes serialize with the host's <see cref="IMessageSerializer"/>.
/// Resolve it as a keyed service named by the topic (<c>[FromKeyedServices("video-uploaded")] ITopic&lt;VideoUploaded&gt;</c>),
/// or wrap a topic with <see cref="TypedProducerExtensions.AsTyped{T}(ITopic, IMessageSerializer?)"/>.
/// </summary>
/// <remarks>
/// SNS bodies are text: the serializer's bytes are published as UTF-8 text, so the serializer must write UTF-8 (JSON
/// does). Each publish starts a producer activity named <c>{topic} publish</c> on the <c>Broker</c> activity source and
/// writes the W3C trace context into the <c>traceparent</c> (and <c>tracestate</c>) message attributes, unless the
/// message already has one or would exceed 10 attributes; raw-delivery queues and handlers receive it.
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
public interface ITopic<T>
{
    /// <summary>The byte-level topic, for subscriptions, attributes and batches.</summary>
    ITopic Topic { get; }

    /// <summary>Serializes and publishes a message (SNS: Publish).</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels before the message is accepted.</param>
    /// <returns>The message id (and FIFO sequence number).</returns>
    /// <exception cref="BrokerException">As <see cref="ITopic.PublishAsync"/>: too large, a FIFO topic without a message group, a deleted topic.</exception>
    ValueTask<PublishResult> PublishAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>Serializes and publishes a message with a subject, FIFO identity or attributes (SNS: Publish).</summary>
    /// <param name="message">The message.</param>
    /// <param name="options">Subject, message group, deduplication id and attributes.</param>
    /// <param name="cancellationToken">Cancels before the message is accepted.</param>
    /// <returns>The message id (and FIFO sequence number).</returns>
    /// <exception cref="BrokerException">As <see cref="ITopic.PublishAsync"/>.</exception>
    ValueTask<PublishResult> PublishAsync(T message, PublishOptions options, CancellationToken cancellationToken = default);
}
