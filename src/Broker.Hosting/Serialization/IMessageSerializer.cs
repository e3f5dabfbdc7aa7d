namespace Broker.Hosting.Serialization;

/// <summary>
/// Turns typed messages into the immutable bytes the broker carries and back. One serializer serves every typed queue,
/// topic and stream of a host; the default is <see cref="SystemTextJsonMessageSerializer"/>.
/// </summary>
public interface IMessageSerializer
{
    /// <summary>The MIME type of what <see cref="Serialize{T}"/> writes, for example <c>application/json</c>.</summary>
    string ContentType { get; }

    /// <summary>Serializes <paramref name="value"/> into a new array the caller owns.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="value">The message.</param>
    /// <returns>The message's bytes.</returns>
    byte[] Serialize<T>(T value);

    /// <summary>Deserializes a message body.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="body">The body as the broker delivered it.</param>
    /// <returns>The message.</returns>
    /// <exception cref="MessageDeserializationException">The body is not a valid <typeparamref name="T"/>.</exception>
    T Deserialize<T>(ReadOnlyMemory<byte> body);
}
