using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Broker.Internal;

/// <summary>A counter on a cache line of its own, so producers and consumers updating different counters do not contend.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedCounter
{
    [FieldOffset(64)]
    public long Value;

    public readonly long Read() => Volatile.Read(ref Unsafe.AsRef(in Value));
}
