namespace Broker.Queues;

/// <summary>Shorthands over <see cref="IMessageQueue"/>.</summary>
public static class MessageQueueExtensions
{
    /// <summary>Sends a message whose body is <paramref name="body"/> as UTF-8, with the queue's defaults.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="body">The body.</param>
    /// <param name="cancellationToken">Cancels a send that waits for room in a capped queue.</param>
    /// <returns>The message id and digests.</returns>
    public static ValueTask<SendMessageResult> SendAsync(this IMessageQueue queue, string body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.SendAsync(new SendMessageRequest(body), cancellationToken);
    }
}
