namespace Broker.Hosting;

/// <summary>
/// What an <see cref="IBatchMessageHandler{TMessage}"/> reports: which messages of its batch failed. The mirror of
/// AWS Lambda's <c>SQSBatchResponse</c> with <c>batchItemFailures</c> (<c>ReportBatchItemFailures</c>).
/// </summary>
public sealed class BatchHandlerResult
{
    private BatchHandlerResult(IReadOnlyCollection<string> failedMessageIds) => FailedMessageIds = failedMessageIds;

    /// <summary>Every message succeeded: all of them are deleted.</summary>
    public static BatchHandlerResult Success { get; } = new([]);

    /// <summary>
    /// The ids (<see cref="MessageContext.MessageId"/>) of the messages that failed, none when every message succeeded.
    /// </summary>
    public IReadOnlyCollection<string> FailedMessageIds { get; }

    /// <summary>
    /// Reports the messages that failed; the others of the batch are deleted. As with Lambda, an id that is not in the
    /// batch (empty, or another message's) makes the whole batch count as failed, so nothing is deleted by mistake.
    /// </summary>
    /// <param name="messageIds">The ids of the failed messages, as <see cref="MessageContext.MessageId"/> gives them. Duplicates are ignored.</param>
    /// <returns>The result; <see cref="Success"/> when <paramref name="messageIds"/> is empty.</returns>
    public static BatchHandlerResult Failed(IEnumerable<string> messageIds)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        var ids = new HashSet<string>(messageIds, StringComparer.Ordinal);
        return ids.Count == 0 ? Success : new BatchHandlerResult(ids);
    }
}
