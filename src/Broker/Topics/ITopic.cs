using Broker.Queues;

namespace Broker.Topics;

/// <summary>
/// A topic with the semantics of Amazon SNS: each publish fans out to every subscription whose filter policy matches,
/// queues and in-process handlers alike. Publishing takes no lock and never waits for a subscriber: on a standard topic
/// queue deliveries are enqueued before it returns; on a FIFO topic deliveries happen in sequence-number order, so a
/// publish may return while a concurrent publisher is still delivering its message (it is never left behind); handler
/// invocations run on the thread pool.
/// </summary>
/// <remarks>
/// On a FIFO topic, while a delivery to a queue subscriber waits for its retry (the queue was full), later messages to
/// that subscriber wait behind it, so group order holds through retries. A queue in <c>QueueFullMode.Wait</c> makes a
/// delivery wait for room instead, and such waits are not ordered against each other.
/// </remarks>
public interface ITopic
{
    /// <summary>The topic's name.</summary>
    string Name { get; }

    /// <summary>The topic's ARN, <c>arn:aws:sns:{region}:{account}:{name}</c>.</summary>
    string Arn { get; }

    /// <summary>The settings the topic was created with.</summary>
    TopicOptions Options { get; }

    /// <summary>
    /// Subscribes a queue (SNS protocol <c>sqs</c>). Subscribing the same queue again with equal settings returns the
    /// existing subscription. A FIFO queue can subscribe only to a FIFO topic; a standard queue can subscribe to either.
    /// </summary>
    /// <param name="queue">The queue; it must belong to the same broker.</param>
    /// <param name="options">Filter, delivery format, retries and dead-letter queue; <see langword="null"/> for SNS's defaults.</param>
    /// <returns>The subscription.</returns>
    /// <exception cref="BrokerException">A setting is invalid, the filter policy is invalid (SNS's message), the queue
    /// is already subscribed with other settings (<c>InvalidParameter</c>), or the topic was deleted (<c>NotFound</c>).</exception>
    ISubscription Subscribe(IMessageQueue queue, SubscriptionOptions? options = null);

    /// <summary>
    /// Subscribes an in-process handler (SNS protocol <c>lambda</c>). The handler runs on the thread pool, never on the
    /// publisher's thread; a handler that throws is retried under <see cref="SubscriptionOptions.DeliveryPolicy"/>, then the
    /// message goes to the subscription's dead-letter queue. FIFO topics accept queue subscribers only, as SNS does.
    /// </summary>
    /// <param name="handler">Called once per delivery attempt; the token is cancelled when the subscription or broker goes away.</param>
    /// <param name="options">Filter, retries, dead-letter queue and concurrency; <see langword="null"/> for the defaults.</param>
    /// <returns>The subscription.</returns>
    /// <exception cref="BrokerException">As <see cref="Subscribe(IMessageQueue, SubscriptionOptions?)"/>.</exception>
    ISubscription Subscribe(Func<Notification, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null);

    /// <summary>The topic's subscriptions, in the order they were made (SNS: ListSubscriptionsByTopic).</summary>
    /// <returns>The subscriptions.</returns>
    IReadOnlyList<ISubscription> ListSubscriptions();

    /// <summary>
    /// The topic's attributes by their SNS names: <c>TopicArn</c>, <c>Owner</c>, <c>DisplayName</c>,
    /// <c>SubscriptionsConfirmed</c>, <c>SubscriptionsPending</c>, <c>SubscriptionsDeleted</c>, and for FIFO topics
    /// <c>FifoTopic</c>, <c>ContentBasedDeduplication</c> and <c>FifoThroughputScope</c> (SNS: GetTopicAttributes).
    /// </summary>
    /// <returns>The attributes.</returns>
    IReadOnlyDictionary<string, string> GetAttributes();

    /// <summary>
    /// Publishes one message: validated, given an id (and on FIFO topics a sequence number, or dropped as a duplicate), then
    /// delivered to each matching subscription (SNS: Publish).
    /// </summary>
    /// <param name="request">The message.</param>
    /// <param name="cancellationToken">Cancels before the message is accepted.</param>
    /// <returns>The message's id (and sequence number).</returns>
    /// <exception cref="BrokerException">The message is invalid (<c>InvalidParameter</c>, with SNS's message) or the topic was deleted (<c>NotFound</c>).</exception>
    ValueTask<PublishResult> PublishAsync(PublishRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes 1 to 10 messages, each validated and published on its own, in entry order (SNS: PublishBatch).
    /// An invalid entry is reported in <see cref="PublishBatchResult.Failed"/> without affecting the others.
    /// </summary>
    /// <param name="entries">The entries; ids unique within the batch.</param>
    /// <param name="cancellationToken">Cancels before the first entry is accepted.</param>
    /// <returns>Each entry's outcome.</returns>
    /// <exception cref="BrokerException">No entries (<c>EmptyBatchRequest</c>), more than 10 (<c>TooManyEntriesInBatchRequest</c>),
    /// repeated ids (<c>BatchEntryIdsNotDistinct</c>), an invalid id (<c>InvalidBatchEntryId</c>), more than 256 KiB in all
    /// (<c>BatchRequestTooLong</c>), or the topic was deleted (<c>NotFound</c>).</exception>
    ValueTask<PublishBatchResult> PublishBatchAsync(IReadOnlyList<PublishBatchEntry> entries, CancellationToken cancellationToken = default);
}
