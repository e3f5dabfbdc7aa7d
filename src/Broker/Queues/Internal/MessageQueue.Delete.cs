using System.Globalization;

namespace Broker.Queues.Internal;

internal sealed partial class MessageQueue
{
    public ValueTask DeleteAsync(string receiptHandle, CancellationToken cancellationToken = default)
    {
        ThrowIfDeleted();
        var durable = Delete(ParseHandle(receiptHandle), receiptHandle);
        Count(metrics.MessagesDeleted, 1);
        return durable;
    }

    public ValueTask DeleteAsync(ReceivedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfDeleted();
        var durable = Delete(Resolve(message), message);
        Count(metrics.MessagesDeleted, 1);
        return durable;
    }

    public ValueTask ChangeVisibilityAsync(ReceivedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfDeleted();
        var ticks = CheckVisibilityTimeout(visibilityTimeout);
        return ChangeVisibility(Resolve(message), message, ticks);
    }

    public ValueTask<BatchResult> DeleteBatchAsync(IReadOnlyList<DeleteMessageBatchEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ThrowIfDeleted();
        ValidateBatchIds(entries, static e => e.Id);
        var successful = new string[entries.Count];
        var succeeded = 0;

        // A durable queue journals the batch's deletes as one record, after the loop (ValidateBatchIds caps the batch at 10).
        Span<long> deletedSequences = stackalloc long[QueueDefaults.MaxBatchEntries];
        var deletedCount = 0;
        var tally = default(RemovalTally);
        List<BatchResultErrorEntry>? failed = null;
        try
        {
            for (var i = 0; i < entries.Count; i++)
            {
                // By index: an enumerator over the interface would be boxed (a List's is a struct).
                var entry = entries[i];
                if (entry.Message is { } message ? TryResolve(message, null, out var receipt) : TryResolve(null, entry.ReceiptHandle, out receipt))
                {
                    try
                    {
                        if (TryDelete(receipt, (object?)entry.Message ?? entry.ReceiptHandle, ref tally, out var deleted))
                        {
                            deletedSequences[deletedCount++] = deleted.Sequence;
                        }

                        successful[succeeded++] = entry.Id;
                    }
                    catch (BrokerException error)
                    {
                        (failed ??= []).Add(new BatchResultErrorEntry(entry.Id, error));
                    }
                }
                else
                {
                    (failed ??= []).Add(new BatchResultErrorEntry(entry.Id, InvalidHandle(entry.ReceiptHandle)));
                }
            }
        }
        finally
        {
            Settle(ref tally); // whatever happened, the slots the deletes vacated go back and the in-flight count is right
        }

        if (succeeded < successful.Length)
        {
            Array.Resize(ref successful, succeeded);
        }

        Count(metrics.MessagesDeleted, succeeded);
        var result = new BatchResult(successful, (IReadOnlyList<BatchResultErrorEntry>?)failed ?? []);
        var durable = store is null || deletedCount == 0 ? default : store.MessagesDeleted(this, deletedSequences[..deletedCount]);
        return durable.IsCompletedSuccessfully ? new ValueTask<BatchResult>(result) : WhenDurable(durable, result);
    }

    public ValueTask ChangeVisibilityAsync(string receiptHandle, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ThrowIfDeleted();
        var ticks = CheckVisibilityTimeout(visibilityTimeout);
        return ChangeVisibility(ParseHandle(receiptHandle), receiptHandle, ticks);
    }

    public ValueTask<BatchResult> ChangeVisibilityBatchAsync(IReadOnlyList<ChangeVisibilityBatchEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ThrowIfDeleted();
        ValidateBatchIds(entries, static e => e.Id);
        var successful = new List<string>(entries.Count);
        var lastDurable = default(ValueTask);
        List<BatchResultErrorEntry>? failed = null;
        foreach (var entry in entries)
        {
            try
            {
                var ticks = CheckVisibilityTimeout(entry.VisibilityTimeout);
                var durable = entry.Message is { } message
                    ? ChangeVisibility(Resolve(message), message, ticks)
                    : ChangeVisibility(ParseHandle(entry.ReceiptHandle), entry.ReceiptHandle, ticks);
                if (!durable.IsCompletedSuccessfully)
                {
                    lastDurable = durable;
                }

                successful.Add(entry.Id);
            }
            catch (BrokerException error)
            {
                (failed ??= []).Add(new BatchResultErrorEntry(entry.Id, error));
            }
        }

        var result = new BatchResult(successful, (IReadOnlyList<BatchResultErrorEntry>?)failed ?? []);
        return lastDurable.IsCompletedSuccessfully ? new ValueTask<BatchResult>(result) : WhenDurable(lastDurable, result);
    }

    private static async ValueTask<BatchResult> WhenDurable(ValueTask durable, BatchResult result)
    {
        await durable.ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Deletes the message of a valid handle. Lenient as SQS standard queues are: a handle whose message is gone, or was
    /// received again since, deletes nothing and is not an error; a handle whose visibility expired but whose message
    /// nobody received since still deletes it.
    /// </summary>
    /// <returns>In a durable broker, completes when the delete's record is as durable as the policy promises.</returns>
    private ValueTask Delete(in ReceiptHandleData receipt, object handleSource)
    {
        var tally = default(RemovalTally);
        bool done;
        QueueMessage? deleted;
        try
        {
            done = TryDelete(receipt, handleSource, ref tally, out deleted);
        }
        finally
        {
            Settle(ref tally);
        }

        return done && store is not null ? store.MessagesDeleted(this, new ReadOnlySpan<long>(in deleted!.Sequence)) : default;
    }

    /// <summary>
    /// <see cref="Delete"/> without the journal: true when this call deleted the message (<paramref name="deleted"/>),
    /// whose delete the caller journals. What <paramref name="tally"/> collects, the caller settles.
    /// </summary>
    private bool TryDelete(in ReceiptHandleData receipt, object handleSource, ref RemovalTally tally, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out QueueMessage? deleted)
    {
        deleted = null;
        ref var slot = ref slots[receipt.Slot];
        var message = Volatile.Read(ref slot.Message);
        if (message is null || !receipt.Matches(message))
        {
            return false;
        }

        var state = Volatile.Read(ref message.State);
        while (MessageState.Slot(state) == receipt.Slot && MessageState.ReceiveCount(state) == receipt.ReceiveCount && MessageState.IsLive(state))
        {
            if (isFifo && MessageState.Status(state) != MessageStatus.InFlight)
            {
                // FIFO queues are strict where standard queues are lenient: the handle's visibility ran out.
                throw new BrokerException(
                    BrokerErrorCodes.InvalidParameterValue,
                    $"Value {(handleSource as ReceivedMessage)?.ReceiptHandle ?? handleSource} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.");
            }

            var seen = Interlocked.CompareExchange(ref message.State, MessageState.Next(state, receipt.Slot, receipt.ReceiveCount, MessageStatus.Deleted), state);
            if (seen == state)
            {
                Removed(message, state, ref tally);
                observer?.MessageDeleted(this, message, receipt.ReceiveCount);
                deleted = message;
                return true;
            }

            state = seen;
        }

        return false;
    }

    /// <param name="receipt">The receipt to change.</param>
    /// <param name="handleSource">The handle string or the received message, for the error message only (formatted only on error).</param>
    /// <param name="visibilityTicks">The new timeout.</param>
    /// <returns>In a durable broker, completes when the change's record is as durable as the policy promises.</returns>
    private ValueTask ChangeVisibility(in ReceiptHandleData receipt, object handleSource, long visibilityTicks)
    {
        ref var slot = ref slots[receipt.Slot];
        var message = Volatile.Read(ref slot.Message);
        var state = message is null ? 0 : Volatile.Read(ref message.State);
        while (true)
        {
            if (message is null || !receipt.Matches(message) || MessageState.Slot(state) != receipt.Slot
                || MessageState.ReceiveCount(state) != receipt.ReceiveCount || !MessageState.IsLive(state))
            {
                throw new BrokerException(
                    BrokerErrorCodes.InvalidParameterValue,
                    $"Value {(handleSource as ReceivedMessage)?.ReceiptHandle ?? handleSource} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.");
            }

            if (MessageState.Status(state) != MessageStatus.InFlight)
            {
                return default; // Its visibility already expired and nobody received it since: SQS answers 200 and does nothing.
            }

            var now = Now();
            if (now + visibilityTicks > Volatile.Read(ref slot.ReceivedAt) + QueueDefaults.MaxVisibilityTimeout.Ticks)
            {
                throw new BrokerException(
                    BrokerErrorCodes.InvalidParameterValue,
                    $"Value {(visibilityTicks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture)} for parameter VisibilityTimeout is invalid. "
                    + "Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]. The 12 hours count from the receive that issued this handle.");
            }

            if (visibilityTicks == 0)
            {
                var visibleState = MessageState.Next(state, receipt.Slot, receipt.ReceiveCount, MessageStatus.Visible);
                var seen = Interlocked.CompareExchange(ref message.State, visibleState, state);
                if (seen != state)
                {
                    state = seen;
                    continue;
                }

                inFlightCount.Decrement();
                var madeVisible = store is null ? default : store.VisibilityChanged(this, message.Sequence, receipt.ReceiveCount, now);
                MakeVisible(message, receipt.Slot, receipt.ReceiveCount, fromInFlight: true);
                return madeVisible;
            }

            var deadline = now + visibilityTicks;
            var previousDeadline = Volatile.Read(ref slot.Deadline);
            if (previousDeadline == ExpiredDeadline)
            {
                return default; // the timer is ending this timeout right now: as with a stale handle, nothing to change
            }

            if (Interlocked.CompareExchange(ref slot.Deadline, deadline, previousDeadline) != previousDeadline)
            {
                state = Volatile.Read(ref message.State);
                continue;
            }

            timer.Schedule(new TimerTicket(deadline, receipt.Slot, receipt.ReceiveCount, TicketKind.Visibility));
            var retentionEnd = message.SentAt + Settings.RetentionTicks;
            if (retentionEnd < deadline)
            {
                timer.Schedule(new TimerTicket(retentionEnd, receipt.Slot, receipt.ReceiveCount, TicketKind.Retention));
            }

            return store is null ? default : store.VisibilityChanged(this, message.Sequence, receipt.ReceiveCount, deadline);
        }
    }

    /// <summary>The receipt of a message this queue handed out; a message of another queue is refused like a foreign handle.</summary>
    private ReceiptHandleData Resolve(ReceivedMessage message) =>
        TryResolve(message, null, out var receipt) ? receipt : throw InvalidHandle(message.ReceiptHandle);

    private bool TryResolve(ReceivedMessage? message, string? receiptHandle, out ReceiptHandleData receipt)
    {
        if (message is not null)
        {
            receipt = message.Receipt;
            return ReferenceEquals(message.Queue, this);
        }

        return TryParseHandle(receiptHandle, out receipt);
    }

    private ReceiptHandleData ParseHandle(string receiptHandle) =>
        TryParseHandle(receiptHandle, out var receipt) ? receipt : throw InvalidHandle(receiptHandle);

    /// <summary>
    /// The receipt a handle string names. The very string a <see cref="ReceivedMessage"/> of this queue formatted, and
    /// whose slot it still holds, is recognised by reference and not decoded: only this queue can have made that
    /// instance, so it needs no tag check. Any other string (a copy, a stale or foreign handle) is decoded and checked.
    /// </summary>
    private bool TryParseHandle(string? receiptHandle, out ReceiptHandleData receipt)
    {
        if (ReceiptHandleCodec.TryReadSlot(receiptHandle, out var slotIndex)
            && slots.Exists(slotIndex)
            && Volatile.Read(ref slots[slotIndex].Issued) is { } issued
            && ReferenceEquals(issued.FormattedReceiptHandle, receiptHandle))
        {
            receipt = issued.Receipt;
            return true;
        }

        return ReceiptHandleCodec.TryParse(receiptHandle, handleKey, out receipt) && slots.Exists(receipt.Slot);
    }

    private static BrokerException InvalidHandle(string? receiptHandle) =>
        new(BrokerErrorCodes.ReceiptHandleIsInvalid, $"The input receipt handle \"{receiptHandle}\" is not a valid receipt handle. Pass the ReceiptHandle of a message received from this queue.");
}
