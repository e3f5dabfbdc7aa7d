using System.Runtime.InteropServices;

namespace Broker.Queues.Internal;

internal static class MemoryMarshalHelpers
{
    /// <summary>The backing array when <paramref name="memory"/> covers all of one.</summary>
    public static bool TryGetWholeArray(ReadOnlyMemory<byte> memory, out byte[] array)
    {
        if (MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length)
        {
            array = segment.Array;
            return true;
        }

        array = [];
        return false;
    }
}
