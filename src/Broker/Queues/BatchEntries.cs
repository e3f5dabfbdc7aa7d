namespace Broker.Queues;

/// <summary>One entry of a delete batch, as in SQS's DeleteMessageBatch.</summary>
/// <param name="Id">Unique within the batch; up to 80 letters, digits, '-' and '_'.</param>
/// <param name="ReceiptHandle">The handle from the receive.</param>
public readonly record struct DeleteMessageBatchEntry(string Id, string ReceiptHandle);

/// <summary>One entry of a change-visibility batch, as in SQS's ChangeMessageVisibilityBatch.</summary>
/// <param name="Id">Unique within the batch; up to 80 letters, digits, '-' and '_'.</param>
/// <param name="ReceiptHandle">The handle from the receive.</param>
/// <param name="VisibilityTimeout">The new timeout, counted from this call; 0 to 12 h.</param>
public readonly record struct ChangeVisibilityBatchEntry(string Id, string ReceiptHandle, TimeSpan VisibilityTimeout);

/// <summary>What SQS's DeleteMessageBatch and ChangeMessageVisibilityBatch return.</summary>
public sealed class BatchResult
{
    internal BatchResult(IReadOnlyList<string> successful, IReadOnlyList<BatchResultErrorEntry> failed)
    {
        Successful = successful;
        Failed = failed;
    }

    /// <summary>The ids of the entries that succeeded, in entry order.</summary>
    public IReadOnlyList<string> Successful { get; }

    /// <summary>The entries that failed, with the reason; the others succeeded.</summary>
    public IReadOnlyList<BatchResultErrorEntry> Failed { get; }
}
