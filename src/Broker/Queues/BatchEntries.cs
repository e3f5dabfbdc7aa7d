namespace Broker.Queues;

/// <summary>
/// One entry of a delete batch, as in SQS's DeleteMessageBatch: an id unique within the batch, and either the receipt
/// handle or the <see cref="ReceivedMessage"/> itself (which spares formatting and parsing the handle).
/// </summary>
public readonly struct DeleteMessageBatchEntry : IEquatable<DeleteMessageBatchEntry>
{
    private readonly string? receiptHandle;

    /// <summary>An entry naming the message by its receipt handle.</summary>
    /// <param name="id">Unique within the batch; up to 80 letters, digits, '-' and '_'.</param>
    /// <param name="receiptHandle">The handle from the receive.</param>
    public DeleteMessageBatchEntry(string id, string receiptHandle)
    {
        Id = id;
        this.receiptHandle = receiptHandle;
    }

    /// <summary>An entry naming the message as it was received.</summary>
    /// <param name="id">Unique within the batch; up to 80 letters, digits, '-' and '_'.</param>
    /// <param name="message">The message from the receive.</param>
    public DeleteMessageBatchEntry(string id, ReceivedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Id = id;
        Message = message;
    }

    /// <summary>The entry id, echoed in the result.</summary>
    public string Id { get; }

    /// <summary>The receipt handle (formatted from <see cref="Message"/> when the entry was made from one).</summary>
    public string ReceiptHandle => receiptHandle ?? Message?.ReceiptHandle ?? string.Empty;

    /// <summary>The received message, when the entry was made from one.</summary>
    public ReceivedMessage? Message { get; }

    /// <summary>Compares two entries.</summary>
    /// <param name="left">One entry.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(DeleteMessageBatchEntry left, DeleteMessageBatchEntry right) => left.Equals(right);

    /// <summary>Compares two entries.</summary>
    /// <param name="left">One entry.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(DeleteMessageBatchEntry left, DeleteMessageBatchEntry right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(DeleteMessageBatchEntry other) =>
        Id == other.Id && receiptHandle == other.receiptHandle && ReferenceEquals(Message, other.Message);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DeleteMessageBatchEntry other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, receiptHandle, Message);
}

/// <summary>
/// One entry of a change-visibility batch, as in SQS's ChangeMessageVisibilityBatch: an id unique within the batch,
/// the receipt handle or the <see cref="ReceivedMessage"/> itself, and the new timeout.
/// </summary>
public readonly struct ChangeVisibilityBatchEntry : IEquatable<ChangeVisibilityBatchEntry>
{
    private readonly string? receiptHandle;

    /// <summary>An entry naming the message by its receipt handle.</summary>
    /// <param name="id">Unique within the batch; up to 80 letters, digits, '-' and '_'.</param>
    /// <param name="receiptHandle">The handle from the receive.</param>
    /// <param name="visibilityTimeout">The new timeout, counted from this call; 0 to 12 h.</param>
    public ChangeVisibilityBatchEntry(string id, string receiptHandle, TimeSpan visibilityTimeout)
    {
        Id = id;
        this.receiptHandle = receiptHandle;
        VisibilityTimeout = visibilityTimeout;
    }

    /// <summary>An entry naming the message as it was received.</summary>
    /// <param name="id">Unique within the batch; up to 80 letters, digits, '-' and '_'.</param>
    /// <param name="message">The message from the receive.</param>
    /// <param name="visibilityTimeout">The new timeout, counted from this call; 0 to 12 h.</param>
    public ChangeVisibilityBatchEntry(string id, ReceivedMessage message, TimeSpan visibilityTimeout)
    {
        ArgumentNullException.ThrowIfNull(message);
        Id = id;
        Message = message;
        VisibilityTimeout = visibilityTimeout;
    }

    /// <summary>The entry id, echoed in the result.</summary>
    public string Id { get; }

    /// <summary>The receipt handle (formatted from <see cref="Message"/> when the entry was made from one).</summary>
    public string ReceiptHandle => receiptHandle ?? Message?.ReceiptHandle ?? string.Empty;

    /// <summary>The received message, when the entry was made from one.</summary>
    public ReceivedMessage? Message { get; }

    /// <summary>The new timeout, counted from the call; 0 to 12 h in whole seconds.</summary>
    public TimeSpan VisibilityTimeout { get; }

    /// <summary>Compares two entries.</summary>
    /// <param name="left">One entry.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(ChangeVisibilityBatchEntry left, ChangeVisibilityBatchEntry right) => left.Equals(right);

    /// <summary>Compares two entries.</summary>
    /// <param name="left">One entry.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(ChangeVisibilityBatchEntry left, ChangeVisibilityBatchEntry right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(ChangeVisibilityBatchEntry other) =>
        Id == other.Id && receiptHandle == other.receiptHandle && ReferenceEquals(Message, other.Message) && VisibilityTimeout == other.VisibilityTimeout;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ChangeVisibilityBatchEntry other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, receiptHandle, Message, VisibilityTimeout);
}

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
