using Broker.Durability.Internal;

namespace Broker.Queues.Internal;

internal sealed partial class MessageQueue
{
    /// <summary>Where <see cref="RestoreOne"/> put a recovered message.</summary>
    private enum Restored
    {
        /// <summary>Its retention ended while the broker was down.</summary>
        Dropped,

        /// <summary>Standard queue, never received: queued as a fresh send is (no slot).</summary>
        Queued,

        /// <summary>In its delay, with its slot and delay ticket.</summary>
        Delayed,

        /// <summary>In flight until its visibility timeout ends, with its slot and tickets.</summary>
        InFlight,

        /// <summary>Visible, with its slot; the caller makes it receivable.</summary>
        Visible,
    }

    /// <summary>
    /// Puts back the live messages a durable broker's journal held (start-up only, before anyone can see the queue),
    /// each in the state the broker's clock says it is in now: past its retention it is dropped; delayed until its delay
    /// ends; in flight (received before the crash and never deleted) until its visibility timeout ends, as SQS treats
    /// the messages of a consumer that crashed; visible otherwise, keeping its receive count and first receive time.
    /// </summary>
    internal void Restore(RecoveredQueue recovered)
    {
        var now = Now();
        var current = Settings;
        nextSequence.Value = recovered.HighestSequence;
        if (isFifo)
        {
            RestoreFifo(recovered, now, current);
            return;
        }

        foreach (var restored in recovered.MessagesInOrder())
        {
            if (RestoreOne(restored, now, current, slotWhenFresh: false, out var message, out var slotIndex) == Restored.Visible)
            {
                MakeVisible(message!, slotIndex, restored.ReceiveCount, fromInFlight: false);
            }
        }
    }

    /// <summary>
    /// FIFO: the deduplication records (of live and of deleted messages) that have not lapsed, and every group in its
    /// order, each message keeping its group sequence number; a message in flight locks its group until its visibility
    /// timeout ends, as before the crash. Group numbering continues above the highest number the queue ever gave.
    /// </summary>
    private void RestoreFifo(RecoveredQueue recovered, long now, QueueSettings current)
    {
        retiredGroupSequence = recovered.HighestGroupSequence;
        foreach (var gone in recovered.DeletedDeduplication.Values)
        {
            if (gone.DeduplicationExpiresAt > now && gone.DeduplicationKey is { } key)
            {
                deduplication!.TryAdd(deduplication.Hash(key), new FifoOriginal(gone.Sequence, gone.GroupSequenceNumber), now, gone.DeduplicationExpiresAt, out _);
            }
        }

        foreach (var members in recovered.MessagesInOrder().GroupBy(m => m.Sent.MessageGroupId ?? ""))
        {
            var group = groups!.GetOrAdd(members.Key, static (key, floor) => new FifoGroup(key, floor), recovered.HighestGroupSequence);
            RegisterForSweep(group);
            foreach (var restored in members.OrderBy(m => m.Sent.GroupSequenceNumber))
            {
                var placed = RestoreOne(restored, now, current, slotWhenFresh: true, out var message, out var slotIndex);
                if (placed == Restored.Dropped)
                {
                    continue;
                }

                slots[slotIndex].Group = group;

                if (message!.Extras is { DeduplicationKey: not null } extras && extras.DeduplicationExpiresAt > now)
                {
                    deduplication!.TryAdd(deduplication.Hash(extras.DeduplicationKey), new FifoOriginal(message.Sequence, extras.SequenceNumber), now, extras.DeduplicationExpiresAt, out _);
                }

                if (placed == Restored.InFlight)
                {
                    group.InFlight++; // not in the group's list: it comes back in front when its visibility ends
                    continue;
                }

                group.PushRestored(message, recovered.HighestGroupSequence);
                if (placed == Restored.Visible)
                {
                    visibleCount.Increment();
                    timer.Schedule(new TimerTicket(restored.Sent.SentAt + current.RetentionTicks, slotIndex, restored.ReceiveCount, TicketKind.Retention));
                }
            }

            MarkReady(group);
        }
    }

    /// <summary>
    /// Creates one recovered message and places it: a never-received visible message of a standard queue
    /// (<paramref name="slotWhenFresh"/> false) is queued like a fresh send; any other gets a slot, delayed or in flight
    /// with its tickets, or visible, which the caller completes.
    /// </summary>
    private Restored RestoreOne(RecoveredMessage restored, long now, QueueSettings current, bool slotWhenFresh, out QueueMessage? message, out int slotIndex)
    {
        ref readonly var sent = ref restored.Sent;
        message = null;
        slotIndex = -1;
        var retentionEnd = sent.SentAt + current.RetentionTicks;
        if (now >= retentionEnd)
        {
            return Restored.Dropped;
        }

        message = new QueueMessage(sent.Body, MessageExtras.Restore(in sent), sent.Sequence, sent.SentAt);
        var flags = 0L;
        if (sent.Counted)
        {
            Interlocked.Increment(ref storedCount.Value);
            Interlocked.Add(ref storedBytes.Value, message.Size);
            flags = MessageState.CountedFlag;
        }

        var fresh = restored.ReceiveCount == 0 && restored.FirstReceiveAt == 0 && sent.AvailableAt <= now;
        if (fresh && !slotWhenFresh)
        {
            message.State = MessageState.Make(-1, 0, MessageStatus.Visible) | flags;
            visibleCount.Increment();
            visible.Enqueue(message);
            EnsureSweep(retentionEnd);
            return Restored.Queued;
        }

        slotIndex = slots.Allocate();
        ref var slot = ref slots[slotIndex];
        slot.FirstReceiveAt = restored.FirstReceiveAt;
        slot.ReceivedAt = now; // the 12-hour visibility budget of the receive before the crash is not kept
        if (restored.ReceiveCount == 0 && sent.AvailableAt > now)
        {
            Volatile.Write(ref slot.Deadline, sent.AvailableAt);
            message.State = MessageState.Make(slotIndex, 0, MessageStatus.Delayed) | flags;
            Volatile.Write(ref slot.Message, message);
            delayedCount.Increment();
            timer.Schedule(new TimerTicket(Math.Min(sent.AvailableAt, retentionEnd), slotIndex, 0, TicketKind.Delay));
            return Restored.Delayed;
        }

        if (restored.VisibleAgainAt > now)
        {
            Volatile.Write(ref slot.Deadline, restored.VisibleAgainAt);
            message.State = MessageState.Make(slotIndex, restored.ReceiveCount, MessageStatus.InFlight) | flags;
            Volatile.Write(ref slot.Message, message);
            inFlightCount.Increment();
            timer.Schedule(new TimerTicket(restored.VisibleAgainAt, slotIndex, restored.ReceiveCount, TicketKind.Visibility));
            if (retentionEnd < restored.VisibleAgainAt)
            {
                timer.Schedule(new TimerTicket(retentionEnd, slotIndex, restored.ReceiveCount, TicketKind.Retention));
            }

            return Restored.InFlight;
        }

        message.State = MessageState.Make(slotIndex, restored.ReceiveCount, MessageStatus.Visible) | flags;
        Volatile.Write(ref slot.Message, message);
        return Restored.Visible;
    }
}
