using Broker.Hosting.Serialization;
using Broker.Queues;

namespace Broker.Hosting;

/// <summary>
/// A message received through <see cref="IQueue{T}.ReceiveAsync"/>: the raw message and its body as a
/// <typeparamref name="T"/>, deserialized when <see cref="Message"/> is first read.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class Received<T>
{
    private readonly IMessageSerializer serializer;
    private T? message;
    private volatile bool deserialized;

    internal Received(ReceivedMessage raw, IMessageSerializer serializer)
    {
        Raw = raw;
        this.serializer = serializer;
    }

    /// <summary>The message as the queue returned it: id, receipt handle (to delete it), attributes, receive count.</summary>
    public ReceivedMessage Raw { get; }

    /// <summary>
    /// The body as a <typeparamref name="T"/>, deserialized on first read and kept. A body that is not a
    /// <typeparamref name="T"/> throws every time it is read; the message stays in flight, and, left alone, returns
    /// after its visibility timeout until the queue's redrive policy moves it.
    /// </summary>
    /// <exception cref="MessageDeserializationException">The body is not a <typeparamref name="T"/>.</exception>
    public T Message
    {
        get
        {
            if (!deserialized)
            {
                message = serializer.Deserialize<T>(Raw.Body);
                deserialized = true;
            }

            return message!;
        }
    }
}
