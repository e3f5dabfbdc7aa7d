namespace Broker.Topics.Internal;

/// <summary>
/// Version-4 UUIDs for message ids, unique without asking anyone for entropy per id: <see cref="Guid.NewGuid"/> asks the
/// kernel on every call, and even the thread-local <see cref="Random.Shared"/> (a thread-static lookup and a 16-byte
/// fill, about 11 ns alone) held about a tenth of a publishing thread's samples in a profile of a topic delivering to one
/// queue. Each thread instead draws 62 random bits once, its prefix, and a random starting point for a counter. An id's
/// first half is a 60-bit mix of the counter's next value, a bijection of 60-bit values (xor-shifts and multiplications
/// by odd numbers, modulo 2^60), so a thread's ids differ for 2^60 publishes; its second half is the prefix xor a
/// 64-bit mix of the same value, so that every digit of every id looks random, as SNS's do. Two threads' ids can only
/// meet where their counters hold the same value and their prefixes are equal (about one chance in 2^62 for a pair of
/// threads). Message ids must be unique, not unguessable.
/// </summary>
internal static class MessageIds
{
    private const ulong Mask60 = (1UL << 60) - 1;

    /// <summary>This thread's prefix; its bit 7 (a variant bit of every id, set anyway) is set so that it is never 0.</summary>
    [ThreadStatic]
    private static ulong prefix;

    /// <summary>This thread's counter, from a random starting point; only its low 60 bits are used.</summary>
    [ThreadStatic]
    private static ulong counter;

    public static Guid NewGuid()
    {
        var last = prefix;
        if (last == 0)
        {
            last = StartThread();
        }

        var next = ++counter & Mask60;
        var mixed = Mix(next);

        // Guid's layout: the version nibble (4) is the top of its third field; the variant bits the top of byte 8.
        var first = (mixed & 0x0000_FFFF_FFFF_FFFFUL) | ((((mixed >> 48) & 0x0FFF) | 0x4000UL) << 48);
        last = ((last ^ Scatter(next)) & ~0xC0UL) | 0x80UL;
        return new Guid(
            (uint)first,
            (ushort)(first >> 32),
            (ushort)(first >> 48),
            (byte)last,
            (byte)(last >> 8),
            (byte)(last >> 16),
            (byte)(last >> 24),
            (byte)(last >> 32),
            (byte)(last >> 40),
            (byte)(last >> 48),
            (byte)(last >> 56));
    }

    /// <summary>A bijection of 60-bit values that scatters consecutive ones (SplitMix64's finaliser, kept to 60 bits).</summary>
    internal static ulong Mix(ulong value)
    {
        value ^= value >> 30;
        value = (value * 0xBF58476D1CE4E5B9UL) & Mask60;
        value ^= value >> 27;
        value = (value * 0x94D049BB133111EBUL) & Mask60;
        value ^= value >> 31;
        return value;
    }

    /// <summary>SplitMix64's finaliser over 64 bits, seeded apart from <see cref="Mix"/>: the second half's spread.</summary>
    private static ulong Scatter(ulong value)
    {
        value += 0x9E3779B97F4A7C15UL;
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5394", Justification = "Ids, not secrets: uniqueness needs randomness, not unpredictability.")]
    private static ulong StartThread()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        counter = BitConverter.ToUInt64(bytes[8..]);
        return prefix = BitConverter.ToUInt64(bytes) | 0x80UL;
    }
}
