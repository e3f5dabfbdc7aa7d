namespace Broker.Streams.Internal;

/// <summary>
/// A per-second budget of calls, records and bytes for one shard, on the broker's clock. Lock-free: the current window
/// is an object replaced by CAS when the second changes; its counters are added to with Interlocked and rolled back
/// when the addition would overdraw.
/// </summary>
internal sealed class ThroughputWindow
{
    private Counters current = new(long.MinValue);

    /// <summary>Takes <paramref name="count"/> units and <paramref name="bytes"/> bytes from this second's budget, or nothing and false.</summary>
    public bool TryTake(long nowMs, long count, long bytes, long countLimit, long bytesLimit)
    {
        var window = Window(nowMs / 1000);
        var newCount = Interlocked.Add(ref window.Count, count);
        var newBytes = Interlocked.Add(ref window.Bytes, bytes);
        if (newCount <= countLimit && newBytes <= bytesLimit)
        {
            return true;
        }

        Interlocked.Add(ref window.Count, -count);
        Interlocked.Add(ref window.Bytes, -bytes);
        return false;
    }

    /// <summary>Whether this second's byte budget is already spent (reads are charged after they happen).</summary>
    public bool BytesSpent(long nowMs, long bytesLimit) => Volatile.Read(ref Window(nowMs / 1000).Bytes) >= bytesLimit;

    public void AddBytes(long nowMs, long bytes) => Interlocked.Add(ref Window(nowMs / 1000).Bytes, bytes);

    private Counters Window(long second)
    {
        while (true)
        {
            var window = Volatile.Read(ref current);

            // A caller whose clock read is from an earlier second is charged to the current window, never resets it.
            if (window.Second >= second)
            {
                return window;
            }

            Interlocked.CompareExchange(ref current, new Counters(second), window);
        }
    }

    private sealed class Counters(long second)
    {
        public readonly long Second = second;
        public long Count;
        public long Bytes;
    }
}
