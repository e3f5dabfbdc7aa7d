using System.Runtime.InteropServices;
using Broker.Internal;

namespace Broker.Queues.Internal;

internal sealed partial class MessageQueue
{
    private static readonly ReceiveRequest DefaultReceive = new();
    private static readonly IReadOnlyList<ReceivedMessage> NoMessages = [];

    public ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(ReceiveRequest? request = null, CancellationToken cancellationToken = default)
    {
        request ??= DefaultReceive;
        ThrowIfDeleted();
        var current = Settings;
        var max = request.MaxNumberOfMessages;
        if (max is < 1 or > QueueDefaults.MaxNumberOfMessages)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Value {max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
        }

        var wait = request.WaitTime ?? current.WaitTime;
        if (wait < TimeSpan.Zero || wait > QueueDefaults.MaxReceiveMessageWaitTime)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Value {wait.TotalSeconds} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.");
        }

        var visibilityTicks = request.VisibilityTimeout is { } requested ? CheckVisibilityTimeout(requested) : current.VisibilityTimeoutTicks;
        var selection = AttributeSelection.Parse(request.MessageAttributeNames, request.MessageSystemAttributeNames);
        if (isFifo && request.ReceiveRequestAttemptId is { } attemptId)
        {
            MessageValidation.ValidateGroupId(attemptId, "ReceiveRequestAttemptId");
            if (TryRepeatAttempt(attemptId, visibilityTicks, out var repeated))
            {
                return new ValueTask<IReadOnlyList<ReceivedMessage>>(CountReceive(repeated));
            }

            var attempt = TryReceive(request, max, visibilityTicks, selection, shortPoll: wait == TimeSpan.Zero);
            if (attempt.Count > 0 || wait == TimeSpan.Zero)
            {
                RememberAttempt(attemptId, attempt);
                return new ValueTask<IReadOnlyList<ReceivedMessage>>(CountReceive(attempt));
            }

            return RememberedLongPollAsync(request, attemptId, max, visibilityTicks, selection, wait, cancellationToken);
        }

        var received = TryReceive(request, max, visibilityTicks, selection, shortPoll: wait == TimeSpan.Zero);
        if (received.Count > 0 || wait == TimeSpan.Zero)
        {
            return new ValueTask<IReadOnlyList<ReceivedMessage>>(CountReceive(received));
        }

        return LongPollAsync(request, max, visibilityTicks, selection, wait, cancellationToken);
    }

    /// <summary>
    /// Counts what a receive call returns, once per call: its messages, or one empty receive when it returns none (as
    /// CloudWatch counts NumberOfEmptyReceives per ReceiveMessage call, a long poll that times out included).
    /// </summary>
    private IReadOnlyList<ReceivedMessage> CountReceive(IReadOnlyList<ReceivedMessage> received)
    {
        if (received.Count > 0)
        {
            Count(metrics.MessagesReceived, received.Count);
        }
        else
        {
            Count(metrics.EmptyReceives, 1);
        }

        return received;
    }

    private async ValueTask<IReadOnlyList<ReceivedMessage>> RememberedLongPollAsync(
        ReceiveRequest request, string attemptId, int max, long visibilityTicks, AttributeSelection selection, TimeSpan wait, CancellationToken cancellationToken)
    {
        var received = await LongPollAsync(request, max, visibilityTicks, selection, wait, cancellationToken).ConfigureAwait(false);
        RememberAttempt(attemptId, received);
        return received;
    }

    private async ValueTask<IReadOnlyList<ReceivedMessage>> LongPollAsync(
        ReceiveRequest request, int max, long visibilityTicks, AttributeSelection selection, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!cancellationToken.IsCancellationRequested && SpinBeforeParking(request, max, visibilityTicks, selection) is { Count: > 0 } arrived)
        {
            return CountReceive(arrived); // before the first await: no waiter, no wake-up, nothing allocated for the wait
        }

        var deadline = Now() + wait.Ticks;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var remaining = deadline - Now();
            if (remaining <= 0)
            {
                return CountReceive(NoMessages);
            }

            var waiter = receivers.Register();

            // Re-check after registering: a message published before we registered would not wake us.
            if (MayReceive())
            {
                waiter.TryComplete(true);
            }

            var woken = await waiter.WaitAsync(TimeSpan.FromTicks(remaining), time, cancellationToken).ConfigureAwait(false);
            ThrowIfDeleted();
            var received = TryReceive(request, max, visibilityTicks, selection, shortPoll: false);
            if (received.Count > 0 || !woken)
            {
                return CountReceive(received);
            }
        }
    }

    /// <summary>
    /// How many times a long poll that found the queue empty looks again before it parks (<see cref="SpinBeforeParking"/>);
    /// none on a single core, where spinning would only hold back the thread that is to send.
    /// </summary>
    internal static readonly int SpinRounds = Environment.ProcessorCount > 1 ? 10 : 0;

    /// <summary>
    /// The pause between two looks, in <see cref="Thread.SpinWait"/> iterations, which the runtime normalizes to a few
    /// tens of nanoseconds each: about half a microsecond, so that a spin lasts about 5 microseconds and the looks,
    /// which read the lines senders write, do not take those lines from them more than a few times.
    /// </summary>
    private const int SpinIterations = 20;

    /// <summary>Raised at each look of a long poll's spin before it parks (tests).</summary>
    internal Action? Spinning { get; set; }

    /// <summary>
    /// A long poll's last looks before it parks: <see cref="SpinRounds"/> times, about half a microsecond apart, whether
    /// a message has become visible, and if so a receive. A consumer that keeps up with its producers finds the queue
    /// empty between two sends more often than not; parking then costs a waiter, the sender's wake-up, and a thread-pool
    /// hand-off (often a sleeping worker woken by a system call) for a message that arrives a microsecond later. The spin
    /// is bounded (about 5 microseconds, the way <see cref="ManualResetEventSlim"/> spins before it blocks) and takes no
    /// lock; a receiver that parks is still woken by the sender, never by polling.
    /// </summary>
    private IReadOnlyList<ReceivedMessage> SpinBeforeParking(ReceiveRequest request, int max, long visibilityTicks, AttributeSelection selection)
    {
        for (var round = 0; round < SpinRounds; round++)
        {
            Thread.SpinWait(SpinIterations);
            Spinning?.Invoke();
            if (MayReceive())
            {
                var received = TryReceive(request, max, visibilityTicks, selection, shortPoll: false);
                if (received.Count > 0)
                {
                    return received;
                }
            }
        }

        return NoMessages;
    }

    /// <summary>Whether a receive may find something: a visible message (a ready group) and room under the in-flight limit.</summary>
    private bool MayReceive() => !(isFifo ? ready!.IsEmpty : visible.IsEmpty) && !AtInFlightLimit();

    /// <summary>
    /// Whether the queue holds <see cref="QueueDefaults.MaxInFlightMessages"/> messages in flight. Every message in flight
    /// holds a slot of <see cref="slots"/>, so a queue that never handed out that many slots is below the limit, known
    /// from one field; only past it are the in-flight counter's cells summed (cells other cores write, one line each).
    /// </summary>
    private bool AtInFlightLimit() =>
        slots.HighWater >= QueueDefaults.MaxInFlightMessages && inFlightCount.Read() >= QueueDefaults.MaxInFlightMessages;

    /// <summary>Takes up to <paramref name="max"/> visible messages and puts them in flight. Never waits.</summary>
    private IReadOnlyList<ReceivedMessage> TryReceive(ReceiveRequest request, int max, long visibilityTicks, AttributeSelection selection, bool shortPoll) =>
        observer is null ? TryReceive(max, visibilityTicks, selection, shortPoll) : TryReceiveObserved(request, max, visibilityTicks, selection, shortPoll);

    /// <summary>
    /// <see cref="TryReceive(int, long, AttributeSelection, bool)"/> between the observer's two calls, so that an observer
    /// never sees a message gone from the visible count that it has not been told about: Broker.Testing's idle check
    /// relies on it.
    /// </summary>
    private IReadOnlyList<ReceivedMessage> TryReceiveObserved(ReceiveRequest request, int max, long visibilityTicks, AttributeSelection selection, bool shortPoll)
    {
        observer!.ReceiveStarting(this);
        var received = NoMessages;
        try
        {
            received = TryReceive(max, visibilityTicks, selection, shortPoll);
            return received;
        }
        finally
        {
            observer.ReceiveEnded(this, request, received);
        }
    }

    private IReadOnlyList<ReceivedMessage> TryReceive(int max, long visibilityTicks, AttributeSelection selection, bool shortPoll)
    {
        if (AtInFlightLimit())
        {
            inFlightLimitHit = true;

            // SQS answers a short poll at the limit with OverLimit on standard queues, and with nothing on FIFO queues.
            return shortPoll && !isFifo
                ? throw new BrokerException(
                    BrokerErrorCodes.OverLimit,
                    $"Queue '{Name}' has {QueueDefaults.MaxInFlightMessages} messages in flight, the most SQS allows. Delete the messages you have processed, or let their visibility time out.")
                : NoMessages;
        }

        if (isFifo ? ready!.IsEmpty : visible.IsEmpty)
        {
            return NoMessages;
        }

        var current = Settings;
        var batch = new ReceiveBatch
        {
            Now = Now(),
            RetentionTicks = current.RetentionTicks,

            // A redrive policy whose queue is gone (or not there yet) moves nothing: the message stays and is delivered.
            DeadLetterQueue = current.DeadLetterQueueName is { } dlqName ? broker.FindQueue(dlqName) : null,
            MaxReceiveCount = current.Options.RedrivePolicy?.MaxReceiveCount ?? int.MaxValue,
            Max = max,
            Selection = selection,
        };
        batch.VisibleUntil = batch.Now + visibilityTicks;
        batch.EarliestDeadline = batch.VisibleUntil;
        if (isFifo)
        {
            TakeFromGroups(ref batch);
        }
        else
        {
            // A queue that fell behind holds messages another thread wrote long ago, most likely out of this core's
            // caches: the next message's state is fetched while this one is taken, so that their misses overlap.
            while (batch.Taken < max && visible.TryDequeue(out var message))
            {
                if (batch.Taken + 1 < max && visible.TryPeek(out var next))
                {
                    CacheHints.Prefetch(ref next.State);
                }

                TryTake(message, ref batch, group: null);
            }
        }

        var taken = batch.Taken;
        if (taken == 0)
        {
            return NoMessages;
        }

        var result = new ReceivedMessage[taken];
        ((ReadOnlySpan<ReceivedMessage>)batch.Received)[..taken].CopyTo(result);
        visibleCount.Add(-taken);
        inFlightCount.Add(taken);
        ScheduleVisibility(result, taken, batch.VisibleUntil);
        timer.AfterSchedule(batch.EarliestDeadline, taken);
        store?.MessagesReceived(this, result, batch.VisibleUntil);
        return result;
    }

    /// <summary>
    /// Queues the visibility ticket of a receive's <paramref name="taken"/> messages: the receipts share their deadline, so
    /// one ticket covers them all (one timer queue entry per call instead of one per message).
    /// </summary>
    private void ScheduleVisibility(ReceivedMessage[] result, int taken, long visibleUntil)
    {
        if (taken == 1)
        {
            var receipt = result[0].Receipt;
            timer.Enqueue(new TimerTicket(visibleUntil, receipt.Slot, receipt.ReceiveCount, TicketKind.Visibility));
            return;
        }

        var receipts = new long[taken];
        for (var i = 0; i < receipts.Length; i++)
        {
            var receipt = result[i].Receipt;
            receipts[i] = TimerTicket.Pack(receipt.Slot, receipt.ReceiveCount);
        }

        timer.Enqueue(new TimerTicket(visibleUntil, -1, 0, TicketKind.Visibilities, receipts));
    }

    /// <summary>What one receive call carries from message to message.</summary>
    private struct ReceiveBatch
    {
        public long Now;
        public long RetentionTicks;
        public long VisibleUntil;
        public long EarliestDeadline;
        public MessageQueue? DeadLetterQueue;
        public int MaxReceiveCount;
        public int Max;
        public int Taken;
        public AttributeSelection Selection;

        /// <summary>
        /// The messages taken so far, in order, on the stack: the result is an array of exactly as many. (Not sized by
        /// the visible count: summing it reads every thread's counter line, so each receive took the line the sending
        /// thread counts on from its core, and the next send waited to get it back.)
        /// </summary>
        public ReceivedMessages Received;
    }

    /// <summary>Room for the most messages one receive returns.</summary>
    [System.Runtime.CompilerServices.InlineArray(QueueDefaults.MaxNumberOfMessages)]
    private struct ReceivedMessages
    {
        private ReceivedMessage element;
    }

    private enum TakeResult
    {
        /// <summary>Put in flight and added to the batch.</summary>
        Taken,

        /// <summary>Deleted, expired or dead-lettered: never to be delivered from here.</summary>
        Gone,

        /// <summary>Still inside its delay (FIFO: nothing behind it in its group may go first).</summary>
        Blocked,
    }

    /// <summary>
    /// Puts one visible message in flight: a slot (on a first receive the one it has, else a new one) and receive count,
    /// one CAS on its state, a visibility ticket.
    /// A message past its retention expires instead, and one that used up its receives moves to the dead-letter queue.
    /// For a FIFO message, <paramref name="group"/>'s in-flight count goes up before the CAS, so that a visibility
    /// timeout of zero, which may return the message at once, never takes it below zero.
    /// </summary>
    private TakeResult TryTake(QueueMessage message, ref ReceiveBatch batch, FifoGroup? group)
    {
        var state = Volatile.Read(ref message.State);
        while (true)
        {
            var status = MessageState.Status(state);
            if (status != MessageStatus.Visible)
            {
                return status == MessageStatus.Delayed ? TakeResult.Blocked : TakeResult.Gone;
            }

            if (batch.Now - message.SentAt >= batch.RetentionTicks)
            {
                if (Expire(message, state))
                {
                    return TakeResult.Gone;
                }

                state = Volatile.Read(ref message.State);
                continue;
            }

            var previousSlot = MessageState.Slot(state);
            if (batch.DeadLetterQueue is { } deadLetterQueue && MessageState.ReceiveCount(state) >= batch.MaxReceiveCount)
            {
                if (deadLetterQueue.IsDeleted)
                {
                    // The dead-letter queue went away: nothing moves, the message is delivered.
                    batch.DeadLetterQueue = null;
                    continue;
                }

                // The receive that would deliver it for the (maxReceiveCount + 1)th time moves it instead.
                if (TryMoveToDeadLetterQueue(message, state, deadLetterQueue, out var keptHere))
                {
                    if (keptHere)
                    {
                        batch.DeadLetterQueue = null; // never move the copy kept here again in this receive
                    }

                    RecordMovedOut(message); // after the dead-letter queue's record: a crash in between duplicates, never loses
                    return TakeResult.Gone;
                }

                state = Volatile.Read(ref message.State);
                continue;
            }

            var count = MessageState.ReceiveCount(state) + 1;

            // A first receive keeps the slot the send or the delay gave the message: no handle names this message yet,
            // and handles of the slot's earlier occupants fail on the sequence they carry. Vacating it first makes it
            // this receive's alone while it writes the receipt (a removal that comes in meanwhile leaves the slot to
            // this receive to give back). A later receive takes a new slot, so that a stale handle of this message's
            // own visibility change can never reach the new receipt's deadline.
            var kept = count == 1 && previousSlot >= 0 && slots.Vacate(previousSlot, message);
            var slotIndex = kept ? previousSlot : slots.Allocate();
            ref var slot = ref slots[slotIndex];
            var firstReceiveAt = previousSlot >= 0 && slots[previousSlot].FirstReceiveAt != 0 ? slots[previousSlot].FirstReceiveAt : batch.Now;
            var received = new ReceivedMessage(this, message, slotIndex, count, firstReceiveAt, batch.Selection);
            slot.FirstReceiveAt = firstReceiveAt;
            slot.ReceivedAt = batch.Now;
            slot.Issued = received;
            slot.Group = group;
            Volatile.Write(ref slot.Deadline, batch.VisibleUntil);
            Volatile.Write(ref slot.Message, message);
            if (group is not null)
            {
                Interlocked.Increment(ref group.InFlight);
            }

            var inFlight = MessageState.Next(state, slotIndex, count, MessageStatus.InFlight);
            var seen = Interlocked.CompareExchange(ref message.State, inFlight, state);
            if (seen != state)
            {
                // Deleted or expired under us: give the slot back and look again.
                if (group is not null)
                {
                    Interlocked.Decrement(ref group.InFlight);
                }

                if (kept && MessageState.IsLive(seen) && MessageState.Slot(seen) == slotIndex)
                {
                    Interlocked.CompareExchange(ref slot.Issued, null, received); // still the message's own slot
                }
                else if (slots.Vacate(slotIndex, message))
                {
                    // A removal (or a receive that won) vacating a kept slot after it was republished gives it back itself.
                    slots.Release(slotIndex);
                }

                state = seen;
                continue;
            }

            if (previousSlot >= 0 && !kept)
            {
                slots.Free(previousSlot, message);
            }

            if (message.SentAt + batch.RetentionTicks < batch.VisibleUntil)
            {
                // Retention ends while the message is in flight: it expires then, handle or no handle.
                batch.EarliestDeadline = Math.Min(batch.EarliestDeadline, message.SentAt + batch.RetentionTicks);
                timer.Enqueue(new TimerTicket(message.SentAt + batch.RetentionTicks, slotIndex, count, TicketKind.Retention));
            }

            batch.Received[batch.Taken++] = received;
            return TakeResult.Taken;
        }
    }

    /// <summary>
    /// Moves a message that used up its receives to the dead-letter queue: it leaves this queue (a CAS to Deleted, so
    /// nobody else can take it) and enters the other with its id, body, attributes, sent time and receive count.
    /// False when the CAS lost (the caller looks at the message again).
    /// </summary>
    private bool TryMoveToDeadLetterQueue(QueueMessage message, long state, MessageQueue deadLetterQueue, out bool keptHere)
    {
        keptHere = false;
        var firstReceiveAt = FirstReceiveAtOf(message, state);
        if (!Expire(message, state))
        {
            return false;
        }

        var messageId = MessageIdOf(message);
        var extras = MessageExtras.DeadLettered(message.Extras, messageId, Arn, firstReceiveAt, deadLetterQueue.isFifo, Now(), MessageState.ReceiveCount(state));
        if (!deadLetterQueue.AcceptDeadLetter(message.Body, extras, message.SentAt, MessageState.ReceiveCount(state), firstReceiveAt))
        {
            // The dead-letter queue was deleted between our check and the move: never lose the message, keep it here
            // under its own id.
            keptHere = true;
            AcceptDeadLetter(message.Body, MessageExtras.KeepingId(message.Extras, messageId), message.SentAt, MessageState.ReceiveCount(state), firstReceiveAt);
            return true;
        }

        if (metrics.MessagesDeadLettered.Enabled)
        {
            metrics.MessagesDeadLettered.Add(
                1,
                new KeyValuePair<string, object?>(BrokerMetrics.QueueTag, Name),
                new KeyValuePair<string, object?>(BrokerMetrics.DeadLetterQueueTag, deadLetterQueue.Name));
        }

        observer?.MessageDeadLettered(this, deadLetterQueue, message, MessageState.ReceiveCount(state));
        return true;
    }

    /// <summary>
    /// Takes in a message from elsewhere (a dead-letter move) as visible, keeping its sent time and receive count. It
    /// gets a slot, so that its retention, which counts from its original send, has a ticket of its own.
    /// </summary>
    internal bool AcceptDeadLetter(ReadOnlyMemory<byte> body, MessageExtras? extras, long sentAt, int receiveCount, long firstReceiveAt)
    {
        if (deleted)
        {
            return false;
        }

        body = Adopt(body);

        if (isFifo)
        {
            // Retention restarts in a FIFO dead-letter queue; the message joins the tail of its group here.
            var moved = new QueueMessage(body, extras, Interlocked.Increment(ref nextSequence.Value), Now());
            if (store is null)
            {
                EnqueueFifo(moved, delayTicks: 0, counted: false, firstReceiveAt, receiveCount);
            }
            else
            {
                PublishFifoDurably(moved, counted: false, receiveCount, firstReceiveAt, observed: false, out _);
            }

            return true;
        }

        var message = new QueueMessage(body, extras, Interlocked.Increment(ref nextSequence.Value), sentAt);
        var slotIndex = slots.Allocate();
        ref var slot = ref slots[slotIndex];
        slot.FirstReceiveAt = firstReceiveAt;
        message.State = MessageState.Make(slotIndex, receiveCount, MessageStatus.Visible);
        Volatile.Write(ref slot.Message, message);
        store?.MessageArrived(this, message, availableAt: 0, counted: false, receiveCount, firstReceiveAt);
        MakeVisible(message, slotIndex, receiveCount, fromInFlight: false);
        return true;
    }

    /// <summary>
    /// A body arriving from another queue (a dead-letter move, a redrive): kept as it is when it is an array of its own or
    /// a <see cref="DeferredBody"/> not written yet (not written by the move), its bytes alone when it is one already
    /// written (not what it was written from, which a topic's first envelope keeps for the publish's others), otherwise
    /// copied into this queue's pages, so that a message that may stay here for days never keeps a page of the queue it
    /// left alive.
    /// </summary>
    private ReadOnlyMemory<byte> Adopt(ReadOnlyMemory<byte> body) =>
        MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(body, out var deferred)
            ? (deferred.IsWritten ? deferred.Bytes() : body)
            : MemoryMarshalHelpers.TryGetWholeArray(body, out _)
                ? body
                : bodies.Copy(body.Span);

    /// <summary>Records that <paramref name="message"/> left this queue for another (a dead-letter move, a move task).</summary>
    internal void RecordMovedOut(QueueMessage message) => store?.MessageMovedOut(this, message.Sequence);

    private static long CheckVisibilityTimeout(TimeSpan value)
    {
        if (value < TimeSpan.Zero || value > QueueDefaults.MaxVisibilityTimeout || value.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Value {value.TotalSeconds} for parameter VisibilityTimeout is invalid. Reason: Must be whole seconds between 0 and 43200, if provided.");
        }

        return value.Ticks;
    }
}
