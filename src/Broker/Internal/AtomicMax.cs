namespace Broker.Internal;

/// <summary>Lock-free "raise to at least" on a shared <see cref="long"/>.</summary>
internal static class AtomicMax
{
    /// <summary>
    /// Raises <paramref name="target"/> to <paramref name="value"/> unless it already holds as much: one read when it
    /// does (the usual case for a watermark), a compare-and-swap otherwise, retried only while others raise it lower.
    /// </summary>
    public static void Raise(ref long target, long value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var prior = Interlocked.CompareExchange(ref target, value, seen);
            if (prior == seen)
            {
                return;
            }

            seen = prior;
        }
    }
}
