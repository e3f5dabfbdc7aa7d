namespace Broker.Hosting;

/// <summary>
/// Handles one typed message from a queue consumer or a topic subscriber. The host resolves the handler from a new DI
/// scope for every message. Returning completes the message (a queue message is deleted); throwing fails it (a queue
/// message returns after its visibility timeout, or sooner with a retry delay, until its redrive policy moves it; a
/// topic notification is retried by the subscription's delivery policy).
/// </summary>
/// <typeparam name="TMessage">The message type the body is deserialized into.</typeparam>
public interface IMessageHandler<in TMessage>
{
    /// <summary>Handles a message.</summary>
    /// <param name="message">The deserialized message.</param>
    /// <param name="context">Where the message came from, its attributes and delivery count, and the DI scope.</param>
    /// <param name="cancellationToken">Cancelled when the handler timeout elapses or the host stops and its shutdown timeout ends.</param>
    /// <returns>A task that completes when the message is handled.</returns>
    ValueTask HandleAsync(TMessage message, MessageContext context, CancellationToken cancellationToken);
}
