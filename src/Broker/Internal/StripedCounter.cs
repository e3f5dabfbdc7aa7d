using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Broker.Internal;

/// <summary>
/// A counter spread over cache lines by thread, so that producers adding and consumers subtracting do not fight over
/// one line on every message. Each change is atomic; <see cref="Read"/> sums the cells, which is exact whenever no
/// change is under way and otherwise off by at most the changes in progress. A struct, so that its owner reaches the
/// cells with one load fewer (a queue behind a topic with thousands of subscriptions is usually cold in the cache).
/// Always create it with <c>new()</c>: the default value has no cells.
/// </summary>
internal readonly struct StripedCounter
{
    /// <summary>Cells sit 128 bytes (16 longs) apart, and the first one 128 bytes past the array header.</summary>
    private const int Stride = 16;

    private readonly long[] cells;
    private readonly int mask;

    public StripedCounter()
    {
        var stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, Environment.ProcessorCount * 2));
        cells = new long[(stripes + 1) * Stride];
        mask = stripes - 1;
    }

    public void Add(long delta) => Interlocked.Add(ref Cell(), delta);

    public void Increment() => Add(1);

    /// <summary>Starts bringing this thread's cell into the cache ahead of an <see cref="Add"/> (a hint).</summary>
    public void Prefetch() => CacheHints.Prefetch(ref Cell());

    public void Decrement() => Add(-1);

    /// <summary>
    /// This thread's cell, reached without a bounds check: the index is at most <c>(mask + 1) * Stride</c>, inside the
    /// array by construction, and not reading the array's length spares a delivery into a cold queue the miss on the
    /// array's header line (a line apart from every cell), which would otherwise come before the cell's own.
    /// </summary>
    private ref long Cell() =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(cells), ((ThreadCell.Index & mask) + 1) * Stride);

    public long Read()
    {
        var sum = 0L;
        for (var i = Stride; i < cells.Length; i += Stride)
        {
            sum += Volatile.Read(ref cells[i]);
        }

        return sum;
    }
}

/// <summary>
/// Each thread's cell number in every <see cref="StripedCounter"/>, handed out in turn as threads first count: the first
/// threads of a process get distinct cells, where thread ids (which the runtime hands out with gaps and reuses) may
/// put a producer and its consumer on one cell, and so on one contended line.
/// </summary>
internal static class ThreadCell
{
    [ThreadStatic]
    private static int index;

    private static int next;

    /// <summary>This thread's cell number (any non-negative number; counters take it modulo their cell count).</summary>
    public static int Index
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var current = index;
            return current != 0 ? current - 1 : Assign();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Assign()
    {
        var assigned = Interlocked.Increment(ref next) & 0x3FFF_FFFF;
        index = assigned + 1; // stored one up, so that 0 (a thread's initial value) means none yet
        return assigned;
    }
}
