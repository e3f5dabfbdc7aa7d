using Broker.Hosting.Internal;
using Broker.Hosting.Serialization;
using Broker.Queues;
using Broker.Streams;
using Broker.Topics;

namespace Broker.Hosting;

/// <summary>
/// Typed producers without dependency injection: <c>broker.GetQueue("orders").AsTyped&lt;Order&gt;()</c>. With
/// <c>AddBroker</c>, resolve the same as keyed services instead (<c>[FromKeyedServices("orders")] IQueue&lt;Order&gt;</c>),
/// which use the host's serializer.
/// </summary>
public static class TypedProducerExtensions
{
    /// <summary>The serializer of a typed producer made without one: System.Text.Json's web defaults. Immutable, shared.</summary>
    private static readonly SystemTextJsonMessageSerializer DefaultSerializer = new();

    /// <summary>A typed view of <paramref name="queue"/>: sends serialize <typeparamref name="T"/>, receives deserialize on demand.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="queue">The queue.</param>
    /// <param name="serializer">The serializer; <see langword="null"/> (the default) for <see cref="SystemTextJsonMessageSerializer"/> with System.Text.Json's web defaults.</param>
    /// <returns>The typed queue; cheap, holds nothing but the queue and the serializer.</returns>
    public static IQueue<T> AsTyped<T>(this IMessageQueue queue, IMessageSerializer? serializer = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return new TypedQueue<T>(queue, serializer ?? DefaultSerializer);
    }

    /// <summary>A typed view of <paramref name="topic"/>: publishes serialize <typeparamref name="T"/> as UTF-8 text.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="topic">The topic.</param>
    /// <param name="serializer">The serializer; <see langword="null"/> (the default) for <see cref="SystemTextJsonMessageSerializer"/> with System.Text.Json's web defaults.</param>
    /// <returns>The typed topic; cheap, holds nothing but the topic and the serializer.</returns>
    public static ITopic<T> AsTyped<T>(this ITopic topic, IMessageSerializer? serializer = null)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return new TypedTopic<T>(topic, serializer ?? DefaultSerializer);
    }

    /// <summary>A typed writer of <paramref name="stream"/>: puts serialize <typeparamref name="T"/> records.</summary>
    /// <typeparam name="T">The record type.</typeparam>
    /// <param name="stream">The stream.</param>
    /// <param name="serializer">The serializer; <see langword="null"/> (the default) for <see cref="SystemTextJsonMessageSerializer"/> with System.Text.Json's web defaults.</param>
    /// <returns>The typed producer; cheap, holds nothing but the stream and the serializer.</returns>
    public static IStreamProducer<T> AsTyped<T>(this IDataStream stream, IMessageSerializer? serializer = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new TypedStreamProducer<T>(stream, serializer ?? DefaultSerializer);
    }
}
