using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Broker.Internal;

/// <summary>Hints to the processor's caches: they change no state and never fault.</summary>
internal static class CacheHints
{
    /// <summary>
    /// Starts bringing the cache line that holds <paramref name="location"/> into this core's caches, and returns at once,
    /// so that a miss the caller will take later overlaps the work it does meanwhile. Nothing on processors without a
    /// prefetch instruction. The location may move before the line arrives (the collector compacts): then the hint is
    /// merely wasted.
    /// </summary>
    /// <typeparam name="T">The type of the location.</typeparam>
    /// <param name="location">A field or array element the caller is about to read or write.</param>
    public static unsafe void Prefetch<T>(ref T location)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref location));
        }
    }
}
