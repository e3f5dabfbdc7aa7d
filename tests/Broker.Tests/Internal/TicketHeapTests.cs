using Broker.Queues.Internal;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.Tests.Internal;

/// <summary>The timer's heap: earliest deadline first, stale tickets dropped in place without losing a live one.</summary>
public sealed class TicketHeapTests
{
    /// <summary>
    /// Random pushes, pops and compactions (a ticket is stale when its slot is in the stale set at that moment) against
    /// a plain sorted list: every pop returns the earliest live deadline, and what is left at the end is exactly the
    /// reference's contents.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Pops_come_out_in_deadline_order_across_in_place_compactions() =>
        Prop.ForAll(ArbMap.Default.ArbFor<(byte Op, short Deadline)[]>(), operations =>
        {
            var heap = new TicketHeap();
            var reference = new List<TimerTicket>();
            var stale = new StaleSlots();
            var slot = 0;
            foreach (var (op, deadline) in operations)
            {
                switch (op % 5)
                {
                    case 0 or 1 or 2:
                        var ticket = new TimerTicket(deadline, slot++, 0, TicketKind.Visibility);
                        heap.Push(ticket);
                        reference.Add(ticket);
                        break;
                    case 3:
                        if (heap.TryPeek(out var earliest) != reference.Count > 0)
                        {
                            return false;
                        }

                        if (reference.Count > 0)
                        {
                            var min = reference.Min(t => t.Deadline);
                            if (earliest.Deadline != min || !reference.Remove(earliest))
                            {
                                return false;
                            }

                            heap.Pop();
                        }

                        break;
                    default:
                        // Every slot whose number shares the deadline's parity goes stale: about half of them.
                        stale.Parity = deadline & 1;
                        heap.RemoveStale(stale);
                        reference.RemoveAll(t => stale.IsStale(t));
                        break;
                }

                if (heap.Count != reference.Count)
                {
                    return false;
                }
            }

            var drained = new List<TimerTicket>();
            while (heap.TryPeek(out var next))
            {
                drained.Add(next);
                heap.Pop();
            }

            return drained.Select(t => t.Deadline).SequenceEqual(reference.Select(t => t.Deadline).Order())
                && drained.Select(t => t.Slot).Order().SequenceEqual(reference.Select(t => t.Slot).Order());
        });

    [Fact]
    public void A_compaction_reuses_the_array_unless_the_heap_is_mostly_empty()
    {
        var heap = new TicketHeap();
        var stale = new StaleSlots { Parity = 1 };
        for (var i = 0; i < 4096; i++)
        {
            heap.Push(new TimerTicket(4096 - i, i, 0, TicketKind.Retention));
        }

        var capacity = heap.Capacity;
        heap.RemoveStale(stale); // half of them go: the array stays
        Assert.Equal(2048, heap.Count);
        Assert.Equal(capacity, heap.Capacity);
        Assert.True(heap.TryPeek(out var earliest));
        Assert.Equal(2, earliest.Deadline); // slot 4094, even: the earliest live one

        stale.Everything = true;
        heap.RemoveStale(stale); // all of them go: the memory goes back
        Assert.Equal(0, heap.Count);
        Assert.True(heap.Capacity < capacity, $"capacity {heap.Capacity} after emptying, {capacity} before");
    }

    private sealed class StaleSlots : ITicketHandler
    {
        public int Parity { get; set; }

        public bool Everything { get; set; }

        public bool IsStale(in TimerTicket ticket) => Everything || (ticket.Slot & 1) == Parity;

        public long Now() => 0;

        public void OnDue(in TimerTicket ticket, long now)
        {
        }
    }
}
