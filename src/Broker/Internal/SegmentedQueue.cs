using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Broker.Internal;

/// <summary>
/// A lock-free multi-producer, multi-consumer FIFO of references, built from segments of <see cref="FirstSegmentSize"/>
/// slots doubling up to <see cref="SegmentSize"/>. Compared with <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/>
/// it costs 8 bytes per queued item instead of 16, and its segments never grow past 8 KiB, so a deep queue never
/// allocates on the large-object heap and a drained segment is ordinary gen-0 garbage.
/// <para>
/// Producers claim a slot with one fetch-and-add on the segment's tail and then publish the item into it. Consumers
/// take the slot at the segment's head with a compare-and-swap once it is published; an empty slot at the head reads as
/// "empty" (its producer has claimed it but not yet written it), so a consumer never waits for a producer.
/// Each slot is written once by its producer and cleared once by the consumer that took it; segments are never reused.
/// </para>
/// </summary>
internal sealed class SegmentedQueue<T>
    where T : class
{
    /// <summary>The largest segment: the first holds <see cref="FirstSegmentSize"/> items and each next one twice as many, up to this.</summary>
    internal const int SegmentSize = 1024;

    /// <summary>Small, so that an idle or shallow queue (a broker may hold thousands) costs a few hundred bytes, not 8 KiB.</summary>
    internal const int FirstSegmentSize = 32;

    private Segment headSegment;
    private Segment tailSegment;

    public SegmentedQueue()
    {
        headSegment = tailSegment = new Segment(FirstSegmentSize);
    }

    /// <summary>True when no published item is at the head (an item being published right now may not count yet).</summary>
    public bool IsEmpty => !TryPeek(out _);

    public void Enqueue(T item)
    {
        Debug.Assert(item is not null);
        while (true)
        {
            var segment = Volatile.Read(ref tailSegment);
            var index = Interlocked.Increment(ref segment.Tail.Value) - 1;
            if (index < segment.Slots.Length)
            {
                Volatile.Write(ref segment.Slots[index], item);
                return;
            }

            // Full: move the tail to the next segment, creating it if nobody has.
            var next = Volatile.Read(ref segment.Next);
            if (next is null)
            {
                var created = new Segment(Math.Min(segment.Slots.Length * 2, SegmentSize));
                next = Interlocked.CompareExchange(ref segment.Next, created, null) ?? created;
            }

            Interlocked.CompareExchange(ref tailSegment, next, segment);
        }
    }

    /// <summary>
    /// Reads the tail (a plain load, which brings its line in) and starts bringing the slot the next
    /// <see cref="Enqueue"/> will most likely write into the cache (a hint, for a producer about to enqueue into a queue
    /// it has not touched for a while).
    /// </summary>
    public void PrefetchTail()
    {
        var segment = Volatile.Read(ref tailSegment);
        var slots = segment.Slots;
        var index = segment.Tail.Value;
        if ((uint)index < (uint)slots.Length)
        {
            CacheHints.Prefetch(ref slots[index]);
        }
    }

    public bool TryDequeue([NotNullWhen(true)] out T? item)
    {
        while (true)
        {
            var segment = Volatile.Read(ref headSegment);
            var head = Volatile.Read(ref segment.Head.Value);
            if (head >= segment.Slots.Length)
            {
                var next = Volatile.Read(ref segment.Next);
                if (next is null)
                {
                    item = null;
                    return false;
                }

                Interlocked.CompareExchange(ref headSegment, next, segment);
                continue;
            }

            var candidate = Volatile.Read(ref segment.Slots[head]);
            if (candidate is null)
            {
                item = null;
                return false;
            }

            if (Interlocked.CompareExchange(ref segment.Head.Value, head + 1, head) == head)
            {
                segment.Slots[head] = null;
                item = candidate;
                return true;
            }
        }
    }

    public bool TryPeek([NotNullWhen(true)] out T? item)
    {
        var segment = Volatile.Read(ref headSegment);
        while (true)
        {
            var head = Volatile.Read(ref segment.Head.Value);
            if (head >= segment.Slots.Length)
            {
                var next = Volatile.Read(ref segment.Next);
                if (next is null)
                {
                    item = null;
                    return false;
                }

                segment = next;
                continue;
            }

            item = Volatile.Read(ref segment.Slots[head]);
            if (item is not null || Volatile.Read(ref segment.Head.Value) == head)
            {
                return item is not null;
            }
        }
    }

    /// <summary>
    /// The first published item from the head on that satisfies <paramref name="predicate"/>, taking nothing. A cold-path
    /// scan that never blocks producers or consumers: items taken or published while it runs may or may not be seen.
    /// </summary>
    public bool TryFindFirst(Func<T, bool> predicate, [NotNullWhen(true)] out T? item)
    {
        var segment = Volatile.Read(ref headSegment);
        while (true)
        {
            var end = Math.Min(Volatile.Read(ref segment.Tail.Value), segment.Slots.Length);
            for (var index = Math.Min(Volatile.Read(ref segment.Head.Value), segment.Slots.Length); index < end; index++)
            {
                var candidate = Volatile.Read(ref segment.Slots[index]);
                if (candidate is not null && predicate(candidate))
                {
                    item = candidate;
                    return true;
                }
            }

            var next = Volatile.Read(ref segment.Next);
            if (next is null)
            {
                item = null;
                return false;
            }

            segment = next;
        }
    }

    private sealed class Segment(int capacity)
    {
        public readonly T?[] Slots = new T?[capacity];
        public PaddedInt Head;
        public PaddedInt Tail;
        public Segment? Next;
    }
}

/// <summary>An int on a cache line of its own: keeps a queue's head and tail, written by different threads, apart.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedInt
{
    [FieldOffset(64)]
    public int Value;
}
