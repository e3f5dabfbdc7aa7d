namespace Broker.Queues;

/// <summary>
/// A queue with Amazon SQS semantics: at-least-once delivery, visibility timeout, receive counts, delays, long polling,
/// batches and retention. This is the contract an application codes against; the in-process engine is one
/// implementation of it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The name is the product's contract: it is a message queue.")]
public interface IMessageQueue
{
    /// <summary>The queue's name.</summary>
    string Name { get; }

    /// <summary>The queue's ARN, <c>arn:aws:sqs:{region}:{account}:{name}</c>.</summary>
    string Arn { get; }

    /// <summary>Sends a message (SQS: SendMessage).</summary>
    /// <param name="request">The message.</param>
    /// <param name="cancellationToken">Cancels a send that waits for room in a capped queue.</param>
    /// <returns>The message id and digests.</returns>
    /// <exception cref="BrokerException">The message is invalid (<c>MissingParameter</c>, <c>InvalidMessageContents</c>,
    /// <c>InvalidParameterValue</c>), the queue is full in <see cref="QueueFullMode.Fail"/> mode (<c>OverLimit</c>), or the
    /// queue was deleted (<c>QueueDoesNotExist</c>).</exception>
    ValueTask<SendMessageResult> SendAsync(SendMessageRequest request, CancellationToken cancellationToken = default);

    /// <summary>Sends up to 10 messages (SQS: SendMessageBatch). Entries are validated one by one: a bad entry fails alone.</summary>
    /// <param name="entries">1 to 10 entries with distinct ids, adding up to at most 1 MiB.</param>
    /// <param name="cancellationToken">Cancels a send that waits for room in a capped queue.</param>
    /// <returns>Which entries were sent and which failed.</returns>
    /// <exception cref="BrokerException">The batch as a whole is invalid (<c>EmptyBatchRequest</c>, <c>TooManyEntriesInBatchRequest</c>,
    /// <c>BatchEntryIdsNotDistinct</c>, <c>InvalidBatchEntryId</c>, <c>BatchRequestTooLong</c>); nothing was sent.</exception>
    ValueTask<SendMessageBatchResult> SendBatchAsync(IReadOnlyList<SendMessageBatchEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>
    /// Receives up to <see cref="ReceiveRequest.MaxNumberOfMessages"/> messages (SQS: ReceiveMessage). With a wait time
    /// it long-polls: it returns as soon as one message is available, or empty when the wait ends. Waiting receivers are
    /// woken by sends, delays ending and visibility expiring, never by polling.
    /// </summary>
    /// <param name="request">The receive; <see langword="null"/> takes every default (one message, the queue's wait time).</param>
    /// <param name="cancellationToken">Cancels a long poll.</param>
    /// <returns>The messages, possibly none.</returns>
    /// <exception cref="BrokerException">A parameter is out of range (<c>InvalidParameterValue</c>), or a short poll found
    /// 120,000 messages in flight (<c>OverLimit</c>).</exception>
    ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(ReceiveRequest? request = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a received message (SQS: DeleteMessage). Idempotent: deleting again succeeds. With a stale handle (the
    /// message's visibility expired) the delete still succeeds, and deletes the message if nobody has received it since.
    /// </summary>
    /// <param name="receiptHandle">The handle from the receive.</param>
    /// <param name="cancellationToken">Not used by the in-process engine; part of the contract.</param>
    /// <returns>A task that completes when the message is deleted.</returns>
    /// <exception cref="BrokerException">The handle is malformed or from another queue (<c>ReceiptHandleIsInvalid</c>).</exception>
    ValueTask DeleteAsync(string receiptHandle, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a received message, named by the message itself rather than its handle: the same as
    /// <see cref="DeleteAsync(string, CancellationToken)"/> with <see cref="ReceivedMessage.ReceiptHandle"/>, without
    /// formatting and parsing the handle.
    /// </summary>
    /// <param name="message">The message from a receive of this queue.</param>
    /// <param name="cancellationToken">Not used by the in-process engine; part of the contract.</param>
    /// <returns>A task that completes when the message is deleted.</returns>
    /// <exception cref="BrokerException">The message came from another queue (<c>ReceiptHandleIsInvalid</c>).</exception>
    ValueTask DeleteAsync(ReceivedMessage message, CancellationToken cancellationToken = default);

    /// <summary>Deletes up to 10 received messages (SQS: DeleteMessageBatch); each entry succeeds or fails alone.</summary>
    /// <param name="entries">1 to 10 entries with distinct ids.</param>
    /// <param name="cancellationToken">Not used by the in-process engine; part of the contract.</param>
    /// <returns>Which entries succeeded and which failed.</returns>
    ValueTask<BatchResult> DeleteBatchAsync(IReadOnlyList<DeleteMessageBatchEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes how long a received message stays hidden (SQS: ChangeMessageVisibility). The new timeout counts from this
    /// call; 0 makes the message visible at once. The total may not pass 12 hours from the receive that issued the handle.
    /// With a stale handle whose message nobody has received since, this is a no-op, as on SQS.
    /// </summary>
    /// <param name="receiptHandle">The handle from the receive.</param>
    /// <param name="visibilityTimeout">0 to 12 h, whole seconds.</param>
    /// <param name="cancellationToken">Not used by the in-process engine; part of the contract.</param>
    /// <returns>A task that completes when the change is made.</returns>
    /// <exception cref="BrokerException">The handle is invalid (<c>ReceiptHandleIsInvalid</c>), the message was deleted or
    /// the timeout is out of range (<c>InvalidParameterValue</c>).</exception>
    ValueTask ChangeVisibilityAsync(string receiptHandle, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes the visibility of a received message, named by the message itself: the same as
    /// <see cref="ChangeVisibilityAsync(string, TimeSpan, CancellationToken)"/> with its receipt handle.
    /// </summary>
    /// <param name="message">The message from a receive of this queue.</param>
    /// <param name="visibilityTimeout">0 to 12 h, whole seconds.</param>
    /// <param name="cancellationToken">Not used by the in-process engine; part of the contract.</param>
    /// <returns>A task that completes when the change is made.</returns>
    /// <exception cref="BrokerException">As the handle overload.</exception>
    ValueTask ChangeVisibilityAsync(ReceivedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>Changes the visibility of up to 10 received messages (SQS: ChangeMessageVisibilityBatch); each entry succeeds or fails alone.</summary>
    /// <param name="entries">1 to 10 entries with distinct ids.</param>
    /// <param name="cancellationToken">Not used by the in-process engine; part of the contract.</param>
    /// <returns>Which entries succeeded and which failed.</returns>
    ValueTask<BatchResult> ChangeVisibilityBatchAsync(IReadOnlyList<ChangeVisibilityBatchEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>Deletes every message, visible, in flight or delayed (SQS: PurgeQueue). One purge per cool-down.</summary>
    /// <param name="cancellationToken">Not used by the in-process engine; part of the contract.</param>
    /// <returns>A task that completes when the messages are gone.</returns>
    /// <exception cref="BrokerException">Another purge ran within <see cref="BrokerOptions.PurgeCooldown"/> (<c>PurgeQueueInProgress</c>).</exception>
    ValueTask PurgeAsync(CancellationToken cancellationToken = default);

    /// <summary>The queue's settings and exact counters.</summary>
    /// <returns>A snapshot.</returns>
    QueueAttributes GetAttributes();

    /// <summary>
    /// The queue's current settings, as the last <see cref="SetAttributes(QueueOptions)"/> left them: the
    /// <see cref="QueueAttributes.Options"/> of <see cref="GetAttributes()"/> without counting the messages, so cheap
    /// enough to read on every receive.
    /// </summary>
    /// <exception cref="BrokerException">The queue was deleted (<c>QueueDoesNotExist</c>).</exception>
    QueueOptions Options { get; }

    /// <summary>The named attributes by their SQS names (SQS: GetQueueAttributes). No names gives an empty map; <c>All</c> gives every one.</summary>
    /// <param name="attributeNames">Names from <see cref="QueueAttributeNames"/>.</param>
    /// <returns>Name to value, as SQS formats them (seconds, bytes, epoch seconds).</returns>
    /// <exception cref="BrokerException">A name is unknown (<c>InvalidAttributeName</c>).</exception>
    IReadOnlyDictionary<string, string> GetAttributes(IEnumerable<string> attributeNames);

    /// <summary>Replaces the queue's settings. A change of <see cref="QueueOptions.Delay"/> applies to later sends only.</summary>
    /// <param name="options">The new settings.</param>
    /// <exception cref="BrokerException">A value is out of range (<c>InvalidAttributeValue</c>); nothing changed.</exception>
    void SetAttributes(QueueOptions options);

    /// <summary>Changes the named attributes by their SQS names (SQS: SetQueueAttributes); the others keep their values.</summary>
    /// <param name="attributes">Name to value, as SQS takes them.</param>
    /// <exception cref="BrokerException">A name is unknown, read-only or FIFO-only (<c>InvalidAttributeName</c>) or a value is out
    /// of range (<c>InvalidAttributeValue</c>); nothing changed.</exception>
    void SetAttributes(IReadOnlyDictionary<string, string> attributes);
}
