using System.Diagnostics.CodeAnalysis;

namespace Broker.Queues.Internal;

internal sealed partial class MessageQueue
{
    /// <summary>
    /// Takes the next visible message out of the queue for a move task (cold path): it leaves the queue as a delete
    /// would. Messages past their retention are expired on the way.
    /// </summary>
    internal bool TryTakeForMove([NotNullWhen(true)] out QueueMessage? message, out int receiveCount, out long firstReceiveAt)
    {
        var now = Now();
        var retentionTicks = Settings.RetentionTicks;
        if (isFifo)
        {
            return TryTakeFifoForMove(out message, out receiveCount, out firstReceiveAt);
        }

        while (visible.TryDequeue(out var candidate))
        {
            var state = Volatile.Read(ref candidate.State);
            while (MessageState.Status(state) == MessageStatus.Visible)
            {
                if (now - candidate.SentAt >= retentionTicks)
                {
                    Expire(candidate, state);
                    break;
                }

                var firstReceive = FirstReceiveAtOf(candidate, state);
                if (Expire(candidate, state))
                {
                    message = candidate;
                    receiveCount = MessageState.ReceiveCount(state);
                    firstReceiveAt = firstReceive;
                    return true;
                }

                state = Volatile.Read(ref candidate.State);
            }
        }

        message = null;
        receiveCount = 0;
        firstReceiveAt = 0;
        return false;
    }

    /// <summary>
    /// FIFO: takes the visible message sent first, so that a redrive keeps each group's order. Cold path (move tasks
    /// only): one scan of the slot table per message.
    /// </summary>
    private bool TryTakeFifoForMove([NotNullWhen(true)] out QueueMessage? message, out int receiveCount, out long firstReceiveAt)
    {
        while (true)
        {
            QueueMessage? first = null;
            var firstState = 0L;
            for (var i = 0; i < slots.HighWater; i++)
            {
                if (!slots.Exists(i) || Volatile.Read(ref slots[i].Message) is not { } candidate)
                {
                    continue;
                }

                var state = Volatile.Read(ref candidate.State);
                if (MessageState.Slot(state) == i && MessageState.Status(state) == MessageStatus.Visible
                    && (first is null || candidate.Sequence < first.Sequence))
                {
                    first = candidate;
                    firstState = state;
                }
            }

            if (first is null)
            {
                message = null;
                receiveCount = 0;
                firstReceiveAt = 0;
                return false;
            }

            var firstReceive = FirstReceiveAtOf(first, firstState);
            if (Expire(first, firstState))
            {
                message = first;
                receiveCount = MessageState.ReceiveCount(firstState);
                firstReceiveAt = firstReceive;
                return true;
            }
        }
    }

    /// <summary>
    /// Takes in a message a move task redrove out of a dead-letter queue: a new message, with a new id, sent time and
    /// retention and a receive count of zero, that keeps the body and message attributes.
    /// </summary>
    internal bool AcceptRedriven(QueueMessage message)
    {
        if (deleted)
        {
            return false;
        }

        var extras = message.Extras is { } old && (old.Attributes.Length > 0 || old.MessageGroupId is not null)
            ? MessageExtras.Create(old.AttributeArray(), old.AttributesSize, old.MessageGroupId, deduplicationId: null)
            : null;
        if (isFifo)
        {
            if (extras?.MessageGroupId is null)
            {
                return false; // a FIFO queue takes only messages with a group
            }

            // Redriven into a FIFO queue: deduplicated by the id the message had, as a new message.
            var redriven = new QueueMessage(Adopt(message.Body), extras.WithDeduplicationId(MessageIdOf(message)), Interlocked.Increment(ref nextSequence.Value), Now());
            if (store is null)
            {
                EnqueueFifo(redriven, delayTicks: 0, counted: false, firstReceiveAt: 0, receiveCount: 0);
            }
            else
            {
                PublishFifoDurably(redriven, counted: false, receiveCount: 0, firstReceiveAt: 0, observed: false, out _);
            }

            return true;
        }

        Enqueue(new PreparedMessage(Adopt(message.Body), extras, 0), counted: false, out _, observed: false);
        return true;
    }
}
