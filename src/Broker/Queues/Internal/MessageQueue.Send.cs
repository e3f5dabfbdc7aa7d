namespace Broker.Queues.Internal;

internal sealed partial class MessageQueue
{
    public ValueTask<SendMessageResult> SendAsync(SendMessageRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfDeleted();
        var current = Settings;
        if (isFifo)
        {
            return SendFifo(request.Body, request.OwnsBody, request.DelaySeconds, request.MessageAttributes, request.MessageGroupId, request.MessageDeduplicationId, current, cancellationToken);
        }

        var prepared = Prepare(request.Body, request.OwnsBody, request.DelaySeconds, request.MessageAttributes, request.MessageGroupId, current);
        if (current.HasCaps && !TryReserve(prepared.Size, current))
        {
            return SendWhenRoomAsync(prepared, cancellationToken);
        }

        var message = Enqueue(prepared, current.HasCaps, out var durable);
        Count(metrics.MessagesSent, 1);
        var result = new SendMessageResult(this, message);
        return durable.IsCompletedSuccessfully ? new ValueTask<SendMessageResult>(result) : WhenDurable(durable, result);
    }

    /// <summary>A durable broker's send: acknowledged once its record is as durable as the policy promises.</summary>
    private static async ValueTask<SendMessageResult> WhenDurable(ValueTask durable, SendMessageResult result)
    {
        await durable.ConfigureAwait(false);
        return result;
    }

    public async ValueTask<SendMessageBatchResult> SendBatchAsync(IReadOnlyList<SendMessageBatchEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ThrowIfDeleted();
        ValidateBatchIds(entries, static e => e?.Id);
        var total = 0L;
        foreach (var entry in entries)
        {
            total += entry.Body.Length + RawAttributesSize(entry.MessageAttributes);
        }

        if (total > QueueDefaults.MaxBatchRequestSize)
        {
            throw new BrokerException(
                BrokerErrorCodes.BatchRequestTooLong,
                $"Batch requests cannot be longer than {QueueDefaults.MaxBatchRequestSize} bytes. You have sent {total} bytes.");
        }

        var current = Settings;
        var prepared = new PreparedMessage?[entries.Count];
        List<BatchResultErrorEntry>? failed = null;
        if (isFifo)
        {
            // FIFO: entries go in entry order, each validated, deduplicated and sent on its own.
            var sent = new List<SendMessageBatchResultEntry>(entries.Count);
            foreach (var entry in entries)
            {
                try
                {
                    var result = await SendFifo(entry.Body, entry.OwnsBody, entry.DelaySeconds, entry.MessageAttributes, entry.MessageGroupId, entry.MessageDeduplicationId, current, cancellationToken).ConfigureAwait(false);
                    sent.Add(new SendMessageBatchResultEntry(entry.Id, result));
                }
                catch (BrokerException error)
                {
                    (failed ??= []).Add(new BatchResultErrorEntry(entry.Id, error));
                }
            }

            return new SendMessageBatchResult(sent, (IReadOnlyList<BatchResultErrorEntry>?)failed ?? []);
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            try
            {
                prepared[i] = Prepare(entry.Body, entry.OwnsBody, entry.DelaySeconds, entry.MessageAttributes, entry.MessageGroupId, current);
            }
            catch (BrokerException error)
            {
                (failed ??= []).Add(new BatchResultErrorEntry(entry.Id, error));
            }
        }

        // Entries are enqueued in entry order, as SQS does. Sends are counted after the loop, and before waiting for room
        // (an entry that waited counts itself), so the loop itself does no counting.
        var successful = new List<SendMessageBatchResultEntry>(entries.Count);
        var counted = 0;
        var lastDurable = default(ValueTask); // the journal completes appends in order: the last one covers the batch
        for (var i = 0; i < entries.Count; i++)
        {
            if (prepared[i] is not { } message)
            {
                continue;
            }

            if (current.HasCaps && !TryReserve(message.Size, current))
            {
                Count(metrics.MessagesSent, successful.Count - counted);
                counted = successful.Count;
                try
                {
                    successful.Add(new SendMessageBatchResultEntry(entries[i].Id, await SendWhenRoomAsync(message, cancellationToken).ConfigureAwait(false)));
                    counted++;
                }
                catch (BrokerException error)
                {
                    (failed ??= []).Add(new BatchResultErrorEntry(entries[i].Id, error));
                }

                continue;
            }

            successful.Add(new SendMessageBatchResultEntry(entries[i].Id, new SendMessageResult(this, Enqueue(message, current.HasCaps, out var durable))));
            if (!durable.IsCompletedSuccessfully)
            {
                lastDurable = durable;
            }
        }

        Count(metrics.MessagesSent, successful.Count - counted);
        await lastDurable.ConfigureAwait(false);
        return new SendMessageBatchResult(successful, (IReadOnlyList<BatchResultErrorEntry>?)failed ?? []);
    }

    private PreparedMessage Prepare(
        ReadOnlyMemory<byte> body,
        bool ownsBody,
        int? delaySeconds,
        IReadOnlyDictionary<string, MessageAttributeValue>? attributes,
        string? groupId,
        QueueSettings current,
        string? deduplicationId = null)
    {
        MessageValidation.ValidateBody(body.Span);
        if (delaySeconds is < 0 or > 900)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Value {delaySeconds} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.");
        }

        var extras = MessageValidation.BuildExtras(attributes, groupId, deduplicationId);
        var size = body.Length + (extras?.AttributesSize ?? 0);
        CheckSize(size, current);

        // A large body the request encoded itself is an array nobody else can write, kept as it is; any other body is
        // copied, a small one into this queue's shared pages (where an encoded one goes too: its array then dies young).
        var bytes = ownsBody && body.Length > BodyArena.MaxPooledBody && MemoryMarshalHelpers.TryGetWholeArray(body, out var array)
            ? array
            : bodies.Copy(body.Span);
        if (deduplicationId == ContentDeduplicationId)
        {
            // FIFO content-based deduplication: the SHA-256 of the body only, as SQS computes it.
            extras = extras!.WithDeduplicationId(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.Span)));
        }

        var delayTicks = delaySeconds is { } seconds ? seconds * TimeSpan.TicksPerSecond : current.DelayTicks;
        return new PreparedMessage(bytes, extras, delayTicks);
    }

    private static void CheckSize(int size, QueueSettings current)
    {
        var max = current.MaximumMessageSize;
        if (size > max)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"One or more parameters are invalid. Reason: Message must be shorter than {max} bytes. This one has {size} bytes (body and attributes).");
        }
    }

    /// <summary>
    /// What a send to a standard queue validates whatever the queue (the body's characters, the attributes), done once
    /// for a message that goes to several queues: a topic's raw delivery. The body must never be written again.
    /// </summary>
    /// <exception cref="BrokerException">As <see cref="SendAsync"/> throws it for the same body and attributes.</exception>
    internal static PreparedDelivery PrepareDelivery(ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, MessageAttributeValue>? attributes)
    {
        MessageValidation.ValidateBody(body.Span);
        var extras = MessageValidation.BuildExtras(attributes, groupId: null);
        return new PreparedDelivery(body, extras, body.Length + (extras?.AttributesSize ?? 0));
    }

    /// <summary>
    /// Starts bringing what a <see cref="TryDeliver"/> writes into the cache before its first interlocked operation
    /// (hints; the addresses of the later lines are read on the way, so the misses of one chain still come one after
    /// another, but the chains overlap): a topic delivering into one of many queues finds them cold, and the delivery's
    /// interlocked operations would otherwise take their misses one at a time.
    /// </summary>
    internal void PrefetchDelivery()
    {
        global::Broker.Internal.CacheHints.Prefetch(ref nextSequence.Value);
        visibleCount.Prefetch();
        visible.PrefetchTail();
        receivers.Prefetch();
    }

    /// <summary>
    /// Whether a <see cref="TryDeliver"/> of a <see cref="DeferredBody"/> would keep it unwritten: a standard queue without
    /// caps (which <see cref="TryDeliver"/> takes) that journals nothing (a journal record writes the body at once).
    /// </summary>
    internal bool KeepsDeferredBodies => !isFifo && store is null && !Settings.HasCaps;

    /// <summary>
    /// Sends a <see cref="PrepareDelivery"/>d message as <see cref="SendAsync"/> would send its body and attributes, with
    /// no request or result object. False, having done nothing, for a FIFO queue or one with caps (a send may have to
    /// wait for room): the caller sends a request instead.
    /// </summary>
    /// <param name="prepared">The message.</param>
    /// <param name="sentAt">When it is sent, UTC ticks of the broker's clock (a publish's own timestamp, read a moment
    /// before); 0 to read the clock.</param>
    /// <param name="durable">In a durable broker, completes when the send's record is as durable as the policy promises.</param>
    /// <exception cref="BrokerException">The queue was deleted, or the message is larger than its MaximumMessageSize.</exception>
    internal bool TryDeliver(in PreparedDelivery prepared, long sentAt, out ValueTask durable)
    {
        ThrowIfDeleted();
        var current = Settings;
        if (isFifo || current.HasCaps)
        {
            durable = default;
            return false;
        }

        CheckSize(prepared.Size, current);
        Enqueue(new PreparedMessage(prepared.Body, prepared.Extras, current.DelayTicks), counted: false, out durable, sentAt: sentAt);
        Count(metrics.MessagesSent, 1);
        return true;
    }

    /// <param name="prepared">The validated message.</param>
    /// <param name="counted">Whether it reserved room under the queue's caps.</param>
    /// <param name="durable">In a durable broker, completes when the message's record is as durable as the policy
    /// promises; otherwise already complete.</param>
    /// <param name="observed">Whether a caller waits for <paramref name="durable"/> (a move task does not).</param>
    /// <param name="sentAt">When it is sent, UTC ticks; 0 (the default) to read the clock.</param>
    private QueueMessage Enqueue(PreparedMessage prepared, bool counted, out ValueTask durable, bool observed = true, long sentAt = 0)
    {
        var current = Settings;
        var now = sentAt != 0 ? sentAt : Now();
        var message = new QueueMessage(prepared.Body, prepared.Extras, Interlocked.Increment(ref nextSequence.Value), now);
        var flags = counted ? MessageState.CountedFlag : 0;
        observer?.MessageSent(this, message); // before it can be received, so no record shows a receive before its send
        durable = default;
        if (store is not null)
        {
            var availableAt = prepared.DelayTicks == 0 ? 0 : now + prepared.DelayTicks;
            if (observed)
            {
                durable = store.MessageSent(this, message, availableAt, counted, 0, 0);
            }
            else
            {
                store.MessageArrived(this, message, availableAt, counted, 0, 0);
            }
        }

        if (prepared.DelayTicks == 0)
        {
            message.State = MessageState.Make(-1, 0, MessageStatus.Visible) | flags;
            visibleCount.Increment();
            visible.Enqueue(message);
            EnsureSweep(now + current.RetentionTicks);
            receivers.Wake(1);
            return message;
        }

        var slotIndex = slots.Allocate();
        ref var slot = ref slots[slotIndex];
        var deadline = now + prepared.DelayTicks;
        slot.FirstReceiveAt = 0;
        Volatile.Write(ref slot.Deadline, deadline);
        message.State = MessageState.Make(slotIndex, 0, MessageStatus.Delayed) | flags;
        Volatile.Write(ref slot.Message, message);
        delayedCount.Increment();
        timer.Schedule(new TimerTicket(Math.Min(deadline, now + current.RetentionTicks), slotIndex, 0, TicketKind.Delay));
        return message;
    }

    private async ValueTask<SendMessageResult> SendWhenRoomAsync(PreparedMessage prepared, CancellationToken cancellationToken)
    {
        await WaitForRoomAsync(prepared.Size, cancellationToken).ConfigureAwait(false);
        var message = Enqueue(prepared, counted: true, out var durable);
        Count(metrics.MessagesSent, 1);
        await durable.ConfigureAwait(false);
        return new SendMessageResult(this, message);
    }

    /// <summary>
    /// A send that found the queue at its caps: fails at once in <see cref="QueueFullMode.Fail"/> (or when the message
    /// could never fit), otherwise waits until deletes, expiries or a purge make room, and reserves it.
    /// </summary>
    private async ValueTask WaitForRoomAsync(int size, CancellationToken cancellationToken)
    {
        var current = Settings;
        if (current.Options.FullMode == QueueFullMode.Fail || size > (current.Options.MaximumBytes ?? long.MaxValue))
        {
            throw new BrokerException(
                BrokerErrorCodes.OverLimit,
                $"Queue '{Name}' is full: it holds {storedCount.Read()} messages and {storedBytes.Read()} bytes against a MaximumDepth of "
                + $"{current.Options.MaximumDepth?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} and MaximumBytes of "
                + $"{current.Options.MaximumBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}. "
                + "Consume and delete messages, raise the caps, or set FullMode to Wait.");
        }

        while (true)
        {
            var waiter = senders.Register();
            if (TryReserve(size, Settings))
            {
                waiter.TryComplete(true);
                return;
            }

            await waiter.WaitAsync(Timeout.InfiniteTimeSpan, time, cancellationToken).ConfigureAwait(false);
            ThrowIfDeleted();
        }
    }

    private bool TryReserve(int size, QueueSettings current)
    {
        var count = Interlocked.Increment(ref storedCount.Value);
        var bytes = Interlocked.Add(ref storedBytes.Value, size);
        if (count <= (current.Options.MaximumDepth ?? long.MaxValue) && bytes <= (current.Options.MaximumBytes ?? long.MaxValue))
        {
            return true;
        }

        Interlocked.Decrement(ref storedCount.Value);
        Interlocked.Add(ref storedBytes.Value, -size);
        return false;
    }

    /// <summary>Gives back the room a removed message held under the caps, and wakes a waiting sender.</summary>
    private void ReleaseRoom(QueueMessage message, long previousState)
    {
        if (!MessageState.IsCounted(previousState))
        {
            return;
        }

        Interlocked.Decrement(ref storedCount.Value);
        Interlocked.Add(ref storedBytes.Value, -message.Size);
        if (!Volatile.Read(ref purging))
        {
            senders.Wake(1);
        }
    }

    private void EnsureSweep(long deadline)
    {
        if (Volatile.Read(ref sweepScheduled) == 0 && Interlocked.CompareExchange(ref sweepScheduled, 1, 0) == 0)
        {
            timer.Schedule(new TimerTicket(deadline, -1, Volatile.Read(ref sweepGeneration), TicketKind.Sweep));
        }
    }

    /// <summary>The UTF-8 bytes of every attribute's name, type and value, unvalidated (batch size checks come first).</summary>
    internal static int RawAttributesSize(IReadOnlyDictionary<string, MessageAttributeValue>? attributes)
    {
        var size = 0;
        foreach (var (name, value) in attributes ?? EmptyAttributes)
        {
            size += System.Text.Encoding.UTF8.GetByteCount(name ?? string.Empty);
            if (value is not null)
            {
                size += System.Text.Encoding.UTF8.GetByteCount(value.DataType)
                    + (value.BinaryBytes?.Length ?? System.Text.Encoding.UTF8.GetByteCount(value.StringValue ?? string.Empty));
            }
        }

        return size;
    }

    private static readonly Dictionary<string, MessageAttributeValue> EmptyAttributes = [];

    internal static void ValidateBatchIds<T>(IReadOnlyList<T> entries, Func<T, string?> id)
    {
        if (entries.Count == 0)
        {
            throw new BrokerException(BrokerErrorCodes.EmptyBatchRequest, "There should be at least one entry in the request.");
        }

        if (entries.Count > QueueDefaults.MaxBatchEntries)
        {
            throw new BrokerException(
                BrokerErrorCodes.TooManyEntriesInBatchRequest,
                $"Maximum number of entries per request are {QueueDefaults.MaxBatchEntries}. You have sent {entries.Count}.");
        }

        // Each id is read once; ids are compared only when their length and first character agree.
        var ids = new BatchIds();
        for (var i = 0; i < entries.Count; i++)
        {
            var current = id(entries[i]);
            if (!MessageValidation.IsValidBatchEntryId(current))
            {
                throw new BrokerException(
                    BrokerErrorCodes.InvalidBatchEntryId,
                    $"A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long. Got '{current}'.");
            }

            var key = (current.Length << 16) | current[0];
            for (var j = 0; j < i; j++)
            {
                if (ids.Keys[j] == key && string.Equals(ids.Ids[j], current, StringComparison.Ordinal))
                {
                    throw new BrokerException(BrokerErrorCodes.BatchEntryIdsNotDistinct, $"Id {current} repeated. Entry ids must be distinct within a batch.");
                }
            }

            ids.Ids[i] = current;
            ids.Keys[i] = key;
        }
    }

    /// <summary>The ids of a batch (at most <see cref="QueueDefaults.MaxBatchEntries"/>) on the stack, each with a cheap key.</summary>
    private struct BatchIds
    {
        public IdArray Ids;
        public KeyArray Keys;

        [System.Runtime.CompilerServices.InlineArray(QueueDefaults.MaxBatchEntries)]
        public struct IdArray
        {
            private string element;
        }

        [System.Runtime.CompilerServices.InlineArray(QueueDefaults.MaxBatchEntries)]
        public struct KeyArray
        {
            private int element;
        }
    }

    /// <summary>A body and attributes validated for any standard queue (<see cref="PrepareDelivery"/>); immutable, shareable.</summary>
    internal readonly record struct PreparedDelivery(ReadOnlyMemory<byte> Body, MessageExtras? Extras, int Size);

    private readonly record struct PreparedMessage(ReadOnlyMemory<byte> Body, MessageExtras? Extras, long DelayTicks)
    {
        public int Size => Body.Length + (Extras?.AttributesSize ?? 0);
    }
}
