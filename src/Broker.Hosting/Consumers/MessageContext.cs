using Broker.Queues;
using Broker.Topics;

namespace Broker.Hosting;

/// <summary>What a handler knows about the message it handles besides its body.</summary>
public sealed class MessageContext
{
    private readonly Func<TimeSpan, CancellationToken, ValueTask>? extendVisibility;
    private readonly Internal.IVisibilityExtender? extender;
    private string? messageId;

    /// <summary>Creates a context. Hosted consumers create these; tests of handlers may too.</summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="source">The queue or topic name.</param>
    /// <param name="deliveryAttempt">1 on the first delivery.</param>
    /// <param name="messageAttributes">The message attributes.</param>
    /// <param name="services">The DI scope of this message.</param>
    /// <param name="extendVisibility">How to extend the message's visibility (queues only), or null.</param>
    public MessageContext(
        string messageId,
        string source,
        int deliveryAttempt,
        IReadOnlyDictionary<string, MessageAttributeValue> messageAttributes,
        IServiceProvider services,
        Func<TimeSpan, CancellationToken, ValueTask>? extendVisibility = null)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(messageAttributes);
        ArgumentNullException.ThrowIfNull(services);
        this.messageId = messageId;
        Source = source;
        DeliveryAttempt = deliveryAttempt;
        MessageAttributes = messageAttributes;
        Services = services;
        this.extendVisibility = extendVisibility;
    }

    /// <summary>
    /// The hosted queue consumers' context: the id is read from the message when asked for, and an extension goes to
    /// <paramref name="extender"/> (the worker's visibility keeper, or the queue) without a delegate per message.
    /// </summary>
    internal MessageContext(ReceivedMessage message, string source, IServiceProvider services, Internal.IVisibilityExtender extender)
    {
        Source = source;
        DeliveryAttempt = message.ApproximateReceiveCount;
        MessageAttributes = message.MessageAttributes;
        Services = services;
        QueueMessage = message;
        this.extender = extender;
    }

    /// <summary>The message id the broker assigned (SQS MessageId, or SNS MessageId for a topic notification).</summary>
    public string MessageId => messageId ??= QueueMessage!.MessageId;

    /// <summary>The name of the queue or topic the message came from.</summary>
    public string Source { get; }

    /// <summary>
    /// Which delivery this is, starting at 1: SQS's <c>ApproximateReceiveCount</c> for a queue message, the delivery
    /// attempt of the subscription for a topic notification.
    /// </summary>
    public int DeliveryAttempt { get; }

    /// <summary>The message attributes as sent or published (including <c>traceparent</c> when a typed producer added it).</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue> MessageAttributes { get; }

    /// <summary>The raw queue message when the message came from a queue; otherwise null.</summary>
    public ReceivedMessage? QueueMessage { get; init; }

    /// <summary>The raw notification when the message came from a topic subscription; otherwise null.</summary>
    public Notification? Notification { get; init; }

    /// <summary>The DI scope created for this message; it is disposed when the handler returns.</summary>
    public IServiceProvider Services { get; }

    /// <summary>
    /// Extends the message's visibility timeout to <paramref name="visibilityTimeout"/> from now (SQS ChangeMessageVisibility).
    /// Hosted queue consumers also extend it on their own while a handler runs, unless that is turned off.
    /// </summary>
    /// <param name="visibilityTimeout">The new timeout, counted from now (0 to 12 hours).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the visibility changed.</returns>
    /// <exception cref="InvalidOperationException">The message did not come from a queue.</exception>
    public ValueTask ExtendVisibilityAsync(TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        if (extender is not null)
        {
            return extender.ExtendAsync(QueueMessage!, visibilityTimeout, cancellationToken);
        }

        if (extendVisibility is null)
        {
            throw new InvalidOperationException($"Only a queue message has a visibility timeout; '{Source}' is not a queue.");
        }

        return extendVisibility(visibilityTimeout, cancellationToken);
    }
}
