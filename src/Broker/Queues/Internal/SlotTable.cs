using System.Diagnostics;
using System.Numerics;
using Broker.Internal;

namespace Broker.Queues.Internal;

/// <summary>One tracked message: its current receipt's deadline and its first receive time.</summary>
internal struct Slot
{
    /// <summary>The occupant; published last (volatile) by the owner, cleared on free.</summary>
    public QueueMessage? Message;

    /// <summary>When the current visibility timeout or delay ends, UTC ticks. Written by the receipt's owner (volatile).</summary>
    public long Deadline;

    /// <summary>When the occupant was first received, UTC ticks; 0 before the first receive.</summary>
    public long FirstReceiveAt;

    /// <summary>When the receive that took this slot happened, UTC ticks: the 12-hour visibility budget counts from it.</summary>
    public long ReceivedAt;

    /// <summary>
    /// The received message that took this slot, written by the receiving thread before it publishes
    /// <see cref="Message"/> and cleared when the slot is vacated: a delete that passes back the very handle string that
    /// message formatted is resolved without decoding it (see <see cref="MessageQueue"/>'s handle resolution).
    /// </summary>
    public Broker.Queues.ReceivedMessage? Issued;

    /// <summary>
    /// FIFO: the group the occupant was published into, written before the message can be received: a delete or a
    /// visibility end finds the group here, on the line it reads anyway, instead of looking its id up in the directory.
    /// Cleared when the slot is vacated.
    /// </summary>
    public FifoGroup? Group;

    /// <summary>Next free slot + 1 while this slot is on the free list.</summary>
    public int NextFree;
}

/// <summary>
/// A lock-free, growable table of slots for messages that were received or delayed. A receipt handle names its slot,
/// which turns a delete or visibility change into an array index instead of a dictionary lookup, and lets timer tickets
/// name a message without holding a reference to it (a deleted message can be collected at once).
/// <para>
/// Chunks double in size (1024, 2048, ...) and are never moved, so a slot's address is stable. Free slots form a
/// Treiber stack whose head carries a tag to defeat ABA. A slot is written only by the thread that allocated it (or that
/// vacated it to reuse it, as a message's first receive does) until it publishes <see cref="Slot.Message"/>; afterwards
/// readers validate what they read against the message's state.
/// </para>
/// </summary>
internal sealed class SlotTable
{
    private const int FirstChunkSize = 1024;
    private const int ChunkCount = 21; // 1024 * (2^21 - 1) slots: more than int.MaxValue / 2

    private readonly Slot[]?[] chunks = new Slot[]?[ChunkCount];

    /// <summary>
    /// (tag &lt;&lt; 32) | (index + 1) of the top free slot; 0 in the low half when the stack is empty. On a cache line of
    /// its own: every FIFO or delayed send and every receive of a message without a slot (or received before) pops it,
    /// every delete batch pushes it, and <see cref="HighWater"/>, which every handle lookup and timer ticket reads, must
    /// not share its line.
    /// </summary>
    private PaddedCounter freeHead;

    /// <summary>Slots handed out at least once: indices 0 .. HighWater - 1 exist.</summary>
    private int highWater;

    public int HighWater => Volatile.Read(ref highWater);

    public ref Slot this[int index]
    {
        get
        {
            var (chunk, offset) = Locate(index);
            return ref chunks[chunk]![offset];
        }
    }

    public bool Exists(int index) => (uint)index < (uint)HighWater && chunks[Locate(index).Chunk] is not null;

    public int Allocate()
    {
        while (true)
        {
            var head = Volatile.Read(ref freeHead.Value);
            var top = (int)(uint)head - 1;
            if (top < 0)
            {
                return AllocateNew();
            }

            var next = Volatile.Read(ref this[top].NextFree);
            var newHead = (((head >> 32) + 1) << 32) | (uint)next;
            if (Interlocked.CompareExchange(ref freeHead.Value, newHead, head) == head)
            {
                if (next != 0)
                {
                    // The next allocation most likely takes the slot below, which a remover (often on another core)
                    // linked last: its line is fetched now, while this allocation's caller does its work.
                    CacheHints.Prefetch(ref this[next - 1].NextFree);
                }

                return top;
            }
        }
    }

    /// <summary>Clears the slot if <paramref name="occupant"/> still holds it and returns it to the free list.</summary>
    public void Free(int index, QueueMessage occupant)
    {
        if (Vacate(index, occupant))
        {
            Release(index);
        }
    }

    /// <summary>
    /// Clears the slot if <paramref name="occupant"/> still holds it; true when this call cleared it, and then the caller
    /// owns the slot and must <see cref="Release(int)"/> it.
    /// </summary>
    public bool Vacate(int index, QueueMessage occupant)
    {
        ref var slot = ref this[index];
        if (Interlocked.CompareExchange(ref slot.Message, null, occupant) != occupant)
        {
            return false;
        }

        slot.Issued = null;
        slot.Group = null;
        return true;
    }

    /// <summary>Returns a slot that was allocated but never published, or that the caller vacated.</summary>
    public void Release(int index) => Release([index]);

    /// <summary>Returns slots the caller owns to the free list with one compare-and-swap.</summary>
    public void Release(ReadOnlySpan<int> indices)
    {
        Debug.Assert(!indices.IsEmpty);

        // Link them in order (each slot's NextFree is the caller's to write), then push the chain.
        for (var i = 0; i < indices.Length - 1; i++)
        {
            this[indices[i]].NextFree = indices[i + 1] + 1;
        }

        ref var last = ref this[indices[^1]];
        var first = indices[0];
        while (true)
        {
            var head = Volatile.Read(ref freeHead.Value);
            Volatile.Write(ref last.NextFree, (int)(uint)head);
            var newHead = (((head >> 32) + 1) << 32) | (uint)(first + 1);
            if (Interlocked.CompareExchange(ref freeHead.Value, newHead, head) == head)
            {
                return;
            }
        }
    }

    private int AllocateNew()
    {
        var index = Interlocked.Increment(ref highWater) - 1;
        var (chunk, _) = Locate(index);
        if (Volatile.Read(ref chunks[chunk]) is null)
        {
            Interlocked.CompareExchange(ref chunks[chunk], new Slot[FirstChunkSize << chunk], null);
        }

        return index;
    }

    private static (int Chunk, int Offset) Locate(int index)
    {
        Debug.Assert(index >= 0);
        var chunk = BitOperations.Log2((uint)(index / FirstChunkSize) + 1);
        var offset = index - (FirstChunkSize * ((1 << chunk) - 1));
        return (chunk, offset);
    }
}
