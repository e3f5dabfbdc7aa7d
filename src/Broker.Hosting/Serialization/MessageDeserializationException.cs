namespace Broker.Hosting.Serialization;

/// <summary>
/// A message body could not be turned into the handler's message type. Consumers report it (log, metric) and leave the
/// message to the queue's redrive policy instead of crashing the worker.
/// </summary>
public sealed class MessageDeserializationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MessageDeserializationException()
        : base("The message body could not be deserialized.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public MessageDeserializationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the serializer's own exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The serializer's exception.</param>
    public MessageDeserializationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
