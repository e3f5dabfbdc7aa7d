using Broker.Hosting.Serialization;
using Broker.Queues;

namespace Broker.Hosting;

/// <summary>
/// A queue of <typeparamref name="T"/> messages: sends serialize with the host's <see cref="IMessageSerializer"/>,
/// receives deserialize on demand. Resolve it as a keyed service named by the queue
/// (<c>[FromKeyedServices("orders")] IQueue&lt;Order&gt;</c>), or wrap a queue with
/// <see cref="TypedProducerExtensions.AsTyped{T}(IMessageQueue, IMessageSerializer?)"/>.
/// </summary>
/// <remarks>
/// Each send starts a producer activity named <c>{queue} send</c> on the <c>Broker</c> activity source and writes the
/// current W3C trace context into the <c>traceparent</c> (and <c>tracestate</c>) message attributes, unless the message
/// already has one or the attributes would exceed SQS's limit of 10; a hosted consumer continues the trace. No other
/// attribute is added (the content type is not), so the 10 attributes stay the caller's.
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The contract's name: a typed queue, the counterpart of IMessageQueue.")]
public interface IQueue<T>
{
    /// <summary>The byte-level queue, for everything else (delete, change visibility, attributes).</summary>
    IMessageQueue Queue { get; }

    /// <summary>Serializes and sends a message with the queue's delay (SQS: SendMessage).</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the send before the message is accepted.</param>
    /// <returns>The message id.</returns>
    /// <exception cref="BrokerException">As <see cref="IMessageQueue.SendAsync"/>: too large, a FIFO queue without a message group, a deleted queue.</exception>
    ValueTask<SendMessageResult> SendAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>Serializes and sends a message with a delay, FIFO identity or attributes of its own (SQS: SendMessage).</summary>
    /// <param name="message">The message.</param>
    /// <param name="options">Delay, message group, deduplication id and attributes.</param>
    /// <param name="cancellationToken">Cancels the send before the message is accepted.</param>
    /// <returns>The message id.</returns>
    /// <exception cref="BrokerException">As <see cref="IMessageQueue.SendAsync"/>; <c>InvalidParameterValue</c> for a delay that is not whole seconds.</exception>
    ValueTask<SendMessageResult> SendAsync(T message, SendOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Serializes and sends 1 to 10 messages in one batch (SQS: SendMessageBatch); entry ids are the messages' indexes
    /// ("0", "1", ...). Every message gets the trace context of one producer activity. For a FIFO queue, send one by one
    /// with <see cref="SendOptions.MessageGroupId"/>.
    /// </summary>
    /// <param name="messages">1 to 10 messages.</param>
    /// <param name="cancellationToken">Cancels the batch before the first message is accepted.</param>
    /// <returns>Each entry's outcome, by index.</returns>
    /// <exception cref="BrokerException">No messages (<c>EmptyBatchRequest</c>), more than 10 (<c>TooManyEntriesInBatchRequest</c>), more than 1 MiB in all.</exception>
    ValueTask<SendMessageBatchResult> SendBatchAsync(IReadOnlyList<T> messages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Receives messages (SQS: ReceiveMessage). Nothing is deserialized until <see cref="Received{T}.Message"/> is read,
    /// so a body that is not a <typeparamref name="T"/> can still be inspected, deleted or left to the redrive policy.
    /// </summary>
    /// <param name="request">How many, how long to wait, which attributes; <see langword="null"/> for one message with the queue's wait time.</param>
    /// <param name="cancellationToken">Ends a long poll early, returning nothing.</param>
    /// <returns>The messages; empty when none arrived in time.</returns>
    ValueTask<IReadOnlyList<Received<T>>> ReceiveAsync(ReceiveRequest? request = null, CancellationToken cancellationToken = default);
}
