namespace Broker.Hosting;

/// <summary>
/// Handles the messages of one receive together, as an AWS Lambda function with an SQS trigger and
/// <c>ReportBatchItemFailures</c> does. The host resolves the handler from one new DI scope per batch.
/// </summary>
/// <remarks>
/// Return <see cref="BatchHandlerResult.Success"/> to delete every message, or <see cref="BatchHandlerResult.Failed(IEnumerable{string})"/>
/// with the ids of the messages that failed: the others are deleted, the failed ones return after their visibility
/// timeout (or sooner with <see cref="QueueConsumerOptions.RetryDelay"/>) until the queue's redrive policy moves them.
/// Throwing, or running past <see cref="QueueConsumerOptions.HandlerTimeout"/>, fails the whole batch.
/// Messages whose body cannot be deserialized never reach the handler: they are reported and left to the redrive policy.
/// </remarks>
/// <typeparam name="TMessage">The message type every body is deserialized into.</typeparam>
public interface IBatchMessageHandler<TMessage>
{
    /// <summary>Handles a batch of messages.</summary>
    /// <param name="messages">1 to <see cref="QueueConsumerOptions.BatchSize"/> messages, in the order the receive returned them.</param>
    /// <param name="cancellationToken">Cancelled when the handler timeout elapses or the host stops and its shutdown timeout ends.</param>
    /// <returns>Which messages failed; <see cref="BatchHandlerResult.Success"/> when none did.</returns>
    ValueTask<BatchHandlerResult> HandleAsync(IReadOnlyList<BatchItem<TMessage>> messages, CancellationToken cancellationToken);
}
