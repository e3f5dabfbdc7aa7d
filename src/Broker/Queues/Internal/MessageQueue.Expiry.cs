namespace Broker.Queues.Internal;

internal sealed partial class MessageQueue
{
    /// <summary>
    /// Written into a slot's deadline by the timer as it ends a visibility timeout: a visibility change that finds it
    /// knows it came too late, and one that gets in first makes the timer's compare-and-swap fail.
    /// </summary>
    private const long ExpiredDeadline = long.MinValue;

    /// <summary>Bumped when retention changes, which retires the sweep chain scheduled under the old period.</summary>
    private int sweepGeneration;

    /// <summary>True while a purge runs: removals then leave waiting senders asleep until it ends.</summary>
    private bool purging;

    public bool IsStale(in TimerTicket ticket)
    {
        if (ticket.Kind == TicketKind.Sweep)
        {
            // A FIFO queue's sweep ticket is current only while its deadline is the one armed (see EnsureFifoSweep).
            return ticket.ReceiveCount != Volatile.Read(ref sweepGeneration) || (isFifo && ticket.Deadline != Volatile.Read(ref fifoSweepArmedAt));
        }

        if (ticket.Kind == TicketKind.Visibilities)
        {
            // Stale once every receipt in it is.
            for (var i = 0; i < ticket.Receipts!.Length; i++)
            {
                if (!IsStale(ticket.Single(i)))
                {
                    return false;
                }
            }

            return true;
        }

        if (!slots.Exists(ticket.Slot))
        {
            return true;
        }

        ref var slot = ref slots[ticket.Slot];
        var message = Volatile.Read(ref slot.Message);
        if (message is null)
        {
            return true;
        }

        var state = Volatile.Read(ref message.State);
        if (MessageState.Slot(state) != ticket.Slot || MessageState.ReceiveCount(state) != ticket.ReceiveCount)
        {
            return true;
        }

        return ticket.Kind switch
        {
            TicketKind.Visibility => MessageState.Status(state) != MessageStatus.InFlight || Volatile.Read(ref slot.Deadline) != ticket.Deadline,
            TicketKind.Delay => MessageState.Status(state) != MessageStatus.Delayed,
            _ => !MessageState.IsLive(state),
        };
    }

    public void OnDue(in TimerTicket ticket, long now)
    {
        if (ticket.Kind == TicketKind.Sweep)
        {
            if (!IsStale(ticket))
            {
                if (isFifo)
                {
                    SweepFifo(ticket.Deadline, now);
                }
                else
                {
                    Sweep(now);
                }
            }

            return;
        }

        if (ticket.Kind == TicketKind.Visibilities)
        {
            for (var i = 0; i < ticket.Receipts!.Length; i++)
            {
                OnDue(ticket.Single(i), now);
            }

            return;
        }

        var retentionTicks = Settings.RetentionTicks;
        while (!IsStale(ticket))
        {
            // Read again: a delete can free the slot between IsStale's read and this one.
            if (Volatile.Read(ref slots[ticket.Slot].Message) is not { } message)
            {
                return;
            }

            var state = Volatile.Read(ref message.State);
            if (now - message.SentAt >= retentionTicks)
            {
                if (Expire(message, state))
                {
                    return;
                }

                continue;
            }

            if (ticket.Kind == TicketKind.Retention)
            {
                // Retention was raised since this ticket was scheduled: look again when the new period ends.
                timer.Enqueue(ticket with { Deadline = message.SentAt + retentionTicks });
                return;
            }

            if (ticket.Kind == TicketKind.Delay && now < Volatile.Read(ref slots[ticket.Slot].Deadline))
            {
                // Scheduled for the old retention end, which a raised retention moved past: wait for the delay's end.
                timer.Enqueue(ticket with { Deadline = Math.Min(Volatile.Read(ref slots[ticket.Slot].Deadline), message.SentAt + retentionTicks) });
                return;
            }

            var from = MessageState.Status(state);
            if (ticket.Kind == TicketKind.Visibility
                && Interlocked.CompareExchange(ref slots[ticket.Slot].Deadline, ExpiredDeadline, ticket.Deadline) != ticket.Deadline)
            {
                // A visibility change won the deadline first: its own ticket ends the new timeout.
                return;
            }

            var visibleState = MessageState.Next(state, ticket.Slot, ticket.ReceiveCount, MessageStatus.Visible);
            if (Interlocked.CompareExchange(ref message.State, visibleState, state) != state)
            {
                continue;
            }

            if (from == MessageStatus.Delayed)
            {
                delayedCount.Decrement();
            }
            else
            {
                inFlightCount.Decrement();
            }

            MakeVisible(message, ticket.Slot, ticket.ReceiveCount, fromInFlight: from == MessageStatus.InFlight);
            return;
        }
    }

    /// <summary>
    /// Finishes a transition to Visible that the caller won: counts the message, queues it, arms its own retention
    /// ticket (it now sits out of send order) and wakes one receiver.
    /// </summary>
    private void MakeVisible(QueueMessage message, int slotIndex, int receiveCount, bool fromInFlight)
    {
        visibleCount.Increment();
        if (isFifo)
        {
            FifoVisible(message, slotIndex, fromInFlight);
        }
        else
        {
            visible.Enqueue(message);
        }

        timer.Schedule(new TimerTicket(message.SentAt + Settings.RetentionTicks, slotIndex, receiveCount, TicketKind.Retention));
        receivers.Wake(1);
    }

    /// <summary>
    /// Moves a live message to Deleted: its retention ended, the queue was purged, or it is leaving for another queue
    /// (a dead-letter move, a move task). False if the state moved first.
    /// </summary>
    private bool Expire(QueueMessage message, long state)
    {
        if (!MessageState.IsLive(state))
        {
            return true;
        }

        var deletedState = MessageState.Next(state, MessageState.Slot(state), MessageState.ReceiveCount(state), MessageStatus.Deleted);
        if (Interlocked.CompareExchange(ref message.State, deletedState, state) != state)
        {
            return false;
        }

        Removed(message, state);
        return true;
    }

    /// <summary>
    /// When a message was first received, wherever that is kept for its state; 0 if never. A message with no receive
    /// counted has none, whatever its slot holds: its first receive, which keeps the slot, writes the time there before
    /// the CAS that may still fail (to a move, say, that read the slot meanwhile).
    /// </summary>
    private long FirstReceiveAtOf(QueueMessage message, long state) =>
        MessageState.ReceiveCount(state) == 0 ? 0
        : MessageState.Slot(state) is var slotIndex and >= 0 ? slots[slotIndex].FirstReceiveAt
        : message.Extras?.FirstReceiveAt ?? 0;

    /// <summary>Bookkeeping after the caller moved a message from <paramref name="previousState"/> to Deleted.</summary>
    private void Removed(QueueMessage message, long previousState)
    {
        var tally = default(RemovalTally);
        try
        {
            Removed(message, previousState, ref tally);
        }
        finally
        {
            Settle(ref tally);
        }
    }

    /// <summary>
    /// <see cref="Removed(QueueMessage, long)"/>, leaving three things to <see cref="Settle"/>, which a delete batch calls
    /// once for all its messages: the in-flight count, handing the vacated slots back to the free list, and waking a
    /// receiver for each FIFO group the removals unlocked (one fence for the batch instead of one per message).
    /// </summary>
    private void Removed(QueueMessage message, long previousState, ref RemovalTally tally)
    {
        switch (MessageState.Status(previousState))
        {
            case MessageStatus.Visible:
                visibleCount.Decrement();
                break;
            case MessageStatus.InFlight:
                tally.InFlight++;
                if (isFifo)
                {
                    FifoInFlightEnded(message, MessageState.Slot(previousState), ref tally);
                }

                break;
            default:
                delayedCount.Decrement();
                break;
        }

        var slotIndex = MessageState.Slot(previousState);
        if (slotIndex >= 0 && slots.Vacate(slotIndex, message))
        {
            if (tally.SlotCount == QueueDefaults.MaxBatchEntries)
            {
                Settle(ref tally);
            }

            tally.Slots[tally.SlotCount++] = slotIndex;
        }

        ReleaseRoom(message, previousState);
    }

    /// <summary>Applies what <see cref="Removed(QueueMessage, long, ref RemovalTally)"/> left for later, and clears it.</summary>
    private void Settle(ref RemovalTally tally)
    {
        if (tally.SlotCount > 0)
        {
            slots.Release(tally.Slots[..tally.SlotCount]);
            tally.SlotCount = 0;
        }

        if (tally.Unlocked > 0)
        {
            receivers.Wake(tally.Unlocked);
            tally.Unlocked = 0;
        }

        if (tally.InFlight > 0)
        {
            inFlightCount.Add(-tally.InFlight);
            tally.InFlight = 0;
            if (inFlightLimitHit)
            {
                // Below the in-flight limit again: a long poll parked there can take a visible message now.
                inFlightLimitHit = false;
                receivers.Wake(1);
            }
        }
    }

    /// <summary>
    /// What removals leave to <see cref="Settle"/>: the in-flight count's change, up to a batch of vacated slots, and the
    /// FIFO groups made ready again.
    /// </summary>
    private struct RemovalTally
    {
        public int InFlight;
        public int Unlocked;
        public int SlotCount;
        public SlotIndices Slots;

        [System.Runtime.CompilerServices.InlineArray(QueueDefaults.MaxBatchEntries)]
        public struct SlotIndices
        {
            private int element;
        }
    }

    /// <summary>
    /// Expires never-received messages from the head of <see cref="visible"/>, whose retention ends in send order, and
    /// drops entries of messages deleted or expired while they sat there. Then re-arms for the new head.
    /// </summary>
    private void Sweep(long now)
    {
        var retentionTicks = Settings.RetentionTicks;
        while (visible.TryPeek(out var head))
        {
            var state = Volatile.Read(ref head.State);
            var dead = MessageState.Status(state) != MessageStatus.Visible;
            if (!dead && now - head.SentAt < retentionTicks)
            {
                timer.Enqueue(new TimerTicket(head.SentAt + retentionTicks, -1, Volatile.Read(ref sweepGeneration), TicketKind.Sweep));
                return;
            }

            if (!dead && !Expire(head, state))
            {
                continue;
            }

            if (visible.TryDequeue(out var taken) && taken != head && MessageState.Status(Volatile.Read(ref taken.State)) == MessageStatus.Visible)
            {
                // A receiver took the head first and we took a live message behind it: put it back (standard queues
                // promise best-effort order only).
                visible.Enqueue(taken);
            }
        }

        Interlocked.Exchange(ref sweepScheduled, 0);
        if (!visible.IsEmpty)
        {
            EnsureSweep(now);
        }
    }

    /// <summary>
    /// The fewest slots a FIFO queue tracks for its sweeps to be spaced by <see cref="MinFifoSweepGap"/> (a sweep reads
    /// every slot, so a backlog expiring a message at a time must not be swept at every expiry).
    /// </summary>
    internal const int FifoSweepGapAbove = 4096;

    /// <summary>The least time between two sweeps of a FIFO queue that tracks more than <see cref="FifoSweepGapAbove"/> slots.</summary>
    internal static readonly long MinFifoSweepGap = TimeSpan.TicksPerSecond;

    /// <summary>
    /// FIFO retention: expires the messages waiting in their groups (visible or delayed, never in flight: a receive
    /// arms a ticket for a retention that ends in flight) whose retention has ended, by one pass over the slot table,
    /// and re-arms for the oldest message left. So a send arms no timer ticket of its own, and costs the timer nothing.
    /// Exact while the queue tracks at most <see cref="FifoSweepGapAbove"/> slots; above that, sweeps are at least
    /// <see cref="MinFifoSweepGap"/> apart, so a message may expire up to that much late. A receive never returns a
    /// message past its retention either way (<see cref="TryTake"/> checks).
    /// <para>
    /// The sweep disarms (its deadline out of <see cref="fifoSweepArmedAt"/>, by CAS) before it reads a slot, and senders
    /// publish their message before they look at the armed deadline (both interlocked): a sender that saw this sweep
    /// armed has its message seen by the pass, and one that came after the disarm arms its own deadline, which the
    /// re-arm below lowers if the pass found an older message (an atomic minimum, so the earlier deadline always wins).
    /// </para>
    /// </summary>
    /// <param name="deadline">The deadline of the ticket that fired.</param>
    /// <param name="now">The time it fired at, UTC ticks.</param>
    private void SweepFifo(long deadline, long now)
    {
        if (Interlocked.CompareExchange(ref fifoSweepArmedAt, long.MaxValue, deadline) != deadline)
        {
            return; // an earlier deadline was armed since, or another run took this one
        }

        var retentionTicks = Settings.RetentionTicks;
        var oldest = long.MaxValue;
        var count = slots.HighWater;
        for (var i = 0; i < count; i++)
        {
            if (!slots.Exists(i) || Volatile.Read(ref slots[i].Message) is not { } message)
            {
                continue;
            }

            var state = Volatile.Read(ref message.State);
            while (MessageState.Slot(state) == i && MessageState.IsLive(state) && MessageState.Status(state) != MessageStatus.InFlight)
            {
                if (now - message.SentAt < retentionTicks)
                {
                    oldest = Math.Min(oldest, message.SentAt);
                    break;
                }

                if (Expire(message, state))
                {
                    break;
                }

                state = Volatile.Read(ref message.State);
            }
        }

        if (oldest != long.MaxValue)
        {
            var next = oldest + retentionTicks;
            EnsureFifoSweep(count > FifoSweepGapAbove ? Math.Max(next, now + MinFifoSweepGap) : next);
        }
    }

    /// <summary>
    /// FIFO: arms a sweep at <paramref name="deadline"/> unless one is armed at or before it. The armed deadline only
    /// comes down (an atomic minimum), so a sender's later deadline never displaces the sweep's earlier one; a ticket
    /// whose deadline is no longer the armed one is stale. A send, whose deadline is the latest, reads one field.
    /// </summary>
    private void EnsureFifoSweep(long deadline)
    {
        var armed = Volatile.Read(ref fifoSweepArmedAt);
        while (deadline < armed)
        {
            var seen = Interlocked.CompareExchange(ref fifoSweepArmedAt, deadline, armed);
            if (seen == armed)
            {
                timer.Schedule(new TimerTicket(deadline, -1, Volatile.Read(ref sweepGeneration), TicketKind.Sweep));
                return;
            }

            armed = seen;
        }
    }

    public ValueTask PurgeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDeleted();
        var now = Now();
        var cooldown = broker.Options.PurgeCooldown.Ticks;
        var last = Volatile.Read(ref lastPurgeAt);
        if (cooldown > 0 && last != long.MinValue && now - last < cooldown)
        {
            throw PurgeInProgress();
        }

        if (Interlocked.CompareExchange(ref lastPurgeAt, now, last) != last)
        {
            throw PurgeInProgress();
        }

        // Cold path. Messages sent while the purge runs may or may not survive it, as on SQS. Senders waiting for
        // room are woken once it is done, so that what they send is not purged with the rest.
        Volatile.Write(ref purging, true);
        List<long>? purged = store is null ? null : [];
        while (visible.TryDequeue(out var message))
        {
            var state = Volatile.Read(ref message.State);
            while (MessageState.Status(state) == MessageStatus.Visible)
            {
                if (Expire(message, state))
                {
                    purged?.Add(message.Sequence);
                    break;
                }

                state = Volatile.Read(ref message.State);
            }
        }

        ForEachTrackedMessage(
            static (queue, message, state, purged) =>
            {
                if (!MessageState.IsLive(state))
                {
                    return true; // gone already: nothing to record
                }

                if (!queue.Expire(message, state))
                {
                    return false;
                }

                purged?.Add(message.Sequence);
                return true;
            },
            purged);
        if (isFifo)
        {
            ClearDeduplication(); // SQS: a purge clears the deduplication history
        }

        Volatile.Write(ref purging, false);
        senders.WakeAll();
        return purged is not null && (isFifo || purged.Count > 0) ? RecordPurged(purged) : default;
    }

    /// <summary>
    /// Records a purge's deletes, in records of at most 10,000, and on a FIFO queue then the clearing of its
    /// deduplication history (after the deletes, whose messages' records it clears too); the last record's completion
    /// covers them all.
    /// </summary>
    private ValueTask RecordPurged(List<long> purged)
    {
        const int PerRecord = 10_000;
        var sequences = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(purged);
        var start = 0;
        for (; sequences.Length - start > (isFifo ? 0 : PerRecord); start += PerRecord)
        {
            store!.MessagesRemoved(this, sequences.Slice(start, Math.Min(PerRecord, sequences.Length - start)));
        }

        return isFifo ? store!.DeduplicationCleared(this) : store!.MessagesDeleted(this, sequences[start..]);
    }

    /// <summary>Calls <paramref name="action"/> for each live message that holds a slot, until it returns true for the state it was given.</summary>
    private void ForEachTrackedMessage<TArg>(Func<MessageQueue, QueueMessage, long, TArg, bool> action, TArg arg)
    {
        var count = slots.HighWater;
        for (var i = 0; i < count; i++)
        {
            if (!slots.Exists(i))
            {
                continue;
            }

            var message = Volatile.Read(ref slots[i].Message);
            if (message is null)
            {
                continue;
            }

            var state = Volatile.Read(ref message.State);
            while (MessageState.Slot(state) == i && MessageState.IsLive(state) && !action(this, message, state, arg))
            {
                state = Volatile.Read(ref message.State);
            }
        }
    }

    /// <summary>After a retention change: re-arm the sweep and every tracked message's retention under the new period.</summary>
    private void RescheduleRetention()
    {
        Interlocked.Increment(ref sweepGeneration);
        if (isFifo)
        {
            // Any armed deadline belongs to the old period: disarm, then arm a sweep now, which re-arms for the new one.
            Interlocked.Exchange(ref fifoSweepArmedAt, long.MaxValue);
            EnsureFifoSweep(Now());
        }
        else
        {
            Interlocked.Exchange(ref sweepScheduled, 1);
            timer.Schedule(new TimerTicket(Now(), -1, Volatile.Read(ref sweepGeneration), TicketKind.Sweep));
        }

        var retentionTicks = Settings.RetentionTicks;
        ForEachTrackedMessage(
            static (queue, message, state, retention) =>
            {
                queue.timer.Schedule(new TimerTicket(message.SentAt + retention, MessageState.Slot(state), MessageState.ReceiveCount(state), TicketKind.Retention));
                return true;
            },
            retentionTicks);
    }

    private BrokerException PurgeInProgress() =>
        new(BrokerErrorCodes.PurgeQueueInProgress, $"Only one PurgeQueue operation on {Name} is allowed every {(long)broker.Options.PurgeCooldown.TotalSeconds} seconds.");
}
