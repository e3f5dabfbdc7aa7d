namespace Broker.Hosting;

/// <summary>One message of a batch given to an <see cref="IBatchMessageHandler{TMessage}"/>.</summary>
/// <typeparam name="TMessage">The message type.</typeparam>
public sealed class BatchItem<TMessage>
{
    /// <summary>Creates an item. Hosted consumers create these; tests of batch handlers may too.</summary>
    /// <param name="message">The deserialized message.</param>
    /// <param name="context">The message's id, attributes and delivery count; its <see cref="MessageContext.Services"/> is the batch's scope.</param>
    public BatchItem(TMessage message, MessageContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Message = message;
        Context = context;
    }

    /// <summary>The deserialized message.</summary>
    public TMessage Message { get; }

    /// <summary>
    /// Where the message came from, its attributes and delivery count. <see cref="MessageContext.MessageId"/> is the id to
    /// report in <see cref="BatchHandlerResult.Failed(IEnumerable{string})"/>.
    /// </summary>
    public MessageContext Context { get; }
}
