namespace Broker.Queues.Internal;

/// <summary>
/// A binary min-heap of <see cref="TimerTicket"/>s by <see cref="TimerTicket.Deadline"/>, for <see cref="QueueTimer"/>.
/// Unlike <see cref="PriorityQueue{TElement, TPriority}"/> it drops stale tickets in place: a compaction filters the
/// array and restores the heap order bottom-up, so a busy queue reuses one array instead of allocating a new one (large
/// enough to land on the large object heap and bring on full collections) at every compaction. Not thread-safe: only
/// the timer's runner touches it.
/// </summary>
internal sealed class TicketHeap
{
    private const int MinCapacity = 16;

    private TimerTicket[] items = new TimerTicket[MinCapacity];
    private int count;

    public int Count => count;

    /// <summary>The slots the heap holds now (for tests: a compaction keeps them unless it shrinks the heap).</summary>
    public int Capacity => items.Length;

    public void Push(in TimerTicket ticket)
    {
        if (count == items.Length)
        {
            Array.Resize(ref items, items.Length * 2);
        }

        var at = count++;
        while (at > 0)
        {
            var parent = (at - 1) >> 1;
            if (items[parent].Deadline <= ticket.Deadline)
            {
                break;
            }

            items[at] = items[parent];
            at = parent;
        }

        items[at] = ticket;
    }

    /// <summary>The earliest ticket, if any.</summary>
    public bool TryPeek(out TimerTicket ticket)
    {
        if (count == 0)
        {
            ticket = default;
            return false;
        }

        ticket = items[0];
        return true;
    }

    /// <summary>Removes the earliest ticket (the heap must not be empty).</summary>
    public void Pop()
    {
        var last = --count;
        var moved = items[last];
        items[last] = default; // lets a batch ticket's receipts go
        if (last > 0)
        {
            SiftDown(0, moved);
        }
    }

    /// <summary>Drops every ticket <paramref name="handler"/> calls stale, in place, and restores the heap order.</summary>
    public void RemoveStale(ITicketHandler handler)
    {
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            if (!handler.IsStale(items[i]))
            {
                items[kept++] = items[i];
            }
        }

        Array.Clear(items, kept, count - kept);
        count = kept;
        if (items.Length > MinCapacity && count < items.Length / 4)
        {
            // Mostly empty after a burst: give the memory back, keeping room to double.
            Array.Resize(ref items, Math.Max(MinCapacity, count * 2));
        }

        for (var i = (count >> 1) - 1; i >= 0; i--)
        {
            SiftDown(i, items[i]);
        }
    }

    private void SiftDown(int at, TimerTicket ticket)
    {
        var deadline = ticket.Deadline;
        while (true)
        {
            var child = (at << 1) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && items[child + 1].Deadline < items[child].Deadline)
            {
                child++;
            }

            if (deadline <= items[child].Deadline)
            {
                break;
            }

            items[at] = items[child];
            at = child;
        }

        items[at] = ticket;
    }
}
