namespace Broker.Internal;

/// <summary>
/// FIFO deduplication for a fixed interval (SQS and SNS: 5 minutes): the first record under a key wins until it lapses.
/// <para>
/// The records are structs in open-addressed tables (linear probing), one table per stripe of the key's hash: no object
/// per record, so what a FIFO queue remembers for 5 minutes costs the garbage collector one array per stripe, not a node
/// and a record object per message that survive into the oldest generation. A lapsed record counts as absent and its
/// place is taken by the next key that probes past it; a table that fills up is rebuilt with its live records only, so
/// memory stays proportional to what arrived within the interval.
/// </para>
/// </summary>
/// <remarks>
/// Known limit: an insert takes its stripe's lock for one probe (the lock-free alternative, an open-addressed table
/// that resizes under concurrent inserts, is far more code for a path that already hashes a string). This replaces a
/// <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey, TValue}"/>, whose inserts took its own striped
/// locks the same way, and which allocated a node per record.
/// </remarks>
/// <typeparam name="TValue">What a duplicate is answered with (the original's id and numbers).</typeparam>
internal sealed class DeduplicationWindow<TValue>
    where TValue : struct
{
    private const int StripeBits = 5;
    private const int StripeCount = 1 << StripeBits;
    private const int MinCapacity = 8;

    /// <summary>Created as first used, so that a FIFO queue nobody sends to costs one small array here.</summary>
    private readonly Stripe?[] stripes = new Stripe?[StripeCount];
    private readonly long intervalTicks;

    public DeduplicationWindow(TimeSpan interval) => intervalTicks = interval.Ticks;

    /// <summary>Records that have not lapsed by <paramref name="now"/> (for tests and diagnostics).</summary>
    public int CountLive(long now)
    {
        var live = 0;
        foreach (var stripe in stripes)
        {
            if (stripe is null)
            {
                continue;
            }

            lock (stripe)
            {
                foreach (var entry in stripe.Entries)
                {
                    live += entry.Key is not null && entry.ExpiresAt > now ? 1 : 0;
                }
            }
        }

        return live;
    }

    /// <summary>The slots the stripes hold (for tests: lapsed records do not make it grow without bound).</summary>
    public int Capacity => stripes.Sum(s => s is null ? 0 : Volatile.Read(ref s.Entries).Length);

    /// <summary>
    /// Records <paramref name="value"/> under <paramref name="key"/> for one interval from <paramref name="now"/>, unless
    /// a record under the same key is still live: then returns false and that record's value in
    /// <paramref name="original"/> (the caller treats the new one as a duplicate).
    /// </summary>
    public bool TryAdd(string key, in TValue value, long now, out TValue original) =>
        TryAdd(key, value, now, now + intervalTicks, out original);

    /// <summary>As <see cref="TryAdd(string, in TValue, long, out TValue)"/>, with the lapse time given (a record recovered from disk keeps its own).</summary>
    public bool TryAdd(string key, in TValue value, long now, long expiresAt, out TValue original)
    {
        var hash = string.GetHashCode(key, StringComparison.Ordinal);
        ref var slot = ref stripes[hash & (StripeCount - 1)];
        var stripe = Volatile.Read(ref slot) ?? Interlocked.CompareExchange(ref slot, new Stripe(), null) ?? slot!;
        lock (stripe)
        {
            while (true)
            {
                var entries = stripe.Entries;
                var mask = entries.Length - 1;
                var at = (hash >>> StripeBits) & mask;
                var reusable = -1;
                while (entries[at].Key is { } occupant)
                {
                    ref var entry = ref entries[at];
                    if (entry.ExpiresAt <= now)
                    {
                        reusable = reusable < 0 ? at : reusable;
                    }
                    else if (entry.Hash == hash && string.Equals(occupant, key, StringComparison.Ordinal))
                    {
                        original = entry.Value;
                        return false;
                    }

                    at = (at + 1) & mask;
                }

                if (reusable < 0)
                {
                    if ((stripe.Used + 1) * 2 > entries.Length)
                    {
                        Rebuild(stripe, now);
                        continue;
                    }

                    reusable = at;
                    stripe.Used++;
                }

                entries[reusable] = new Entry { Key = key, Hash = hash, ExpiresAt = expiresAt, Value = value };
                original = default;
                return true;
            }
        }
    }

    /// <summary>
    /// Replaces the value of the live record under <paramref name="key"/> (a FIFO queue learns its message's group
    /// sequence number only after the record is in). Nothing happens when there is none (a purge cleared it).
    /// </summary>
    public void Update(string key, in TValue value, long now)
    {
        var hash = string.GetHashCode(key, StringComparison.Ordinal);
        if (Volatile.Read(ref stripes[hash & (StripeCount - 1)]) is not { } stripe)
        {
            return;
        }

        lock (stripe)
        {
            var entries = stripe.Entries;
            var mask = entries.Length - 1;
            for (var at = (hash >>> StripeBits) & mask; entries[at].Key is { } occupant; at = (at + 1) & mask)
            {
                ref var entry = ref entries[at];
                if (entry.ExpiresAt > now && entry.Hash == hash && string.Equals(occupant, key, StringComparison.Ordinal))
                {
                    entry.Value = value;
                    return;
                }
            }
        }
    }

    /// <summary>Forgets every record (SQS: a purge clears the deduplication history). The tables keep their size.</summary>
    public void Clear()
    {
        foreach (var stripe in stripes)
        {
            if (stripe is null)
            {
                continue;
            }

            lock (stripe)
            {
                Array.Clear(stripe.Entries);
                stripe.Used = 0;
            }
        }
    }

    /// <summary>Under the stripe's lock: a table for the live records, at most a quarter full, lapsed ones left out.</summary>
    private static void Rebuild(Stripe stripe, long now)
    {
        var old = stripe.Entries;
        var live = 0;
        foreach (var entry in old)
        {
            live += entry.Key is not null && entry.ExpiresAt > now ? 1 : 0;
        }

        var capacity = MinCapacity;
        while (capacity < live * 4)
        {
            capacity <<= 1;
        }

        var entries = new Entry[capacity];
        var mask = capacity - 1;
        foreach (var entry in old)
        {
            if (entry.Key is not null && entry.ExpiresAt > now)
            {
                var at = (entry.Hash >>> StripeBits) & mask;
                while (entries[at].Key is not null)
                {
                    at = (at + 1) & mask;
                }

                entries[at] = entry;
            }
        }

        Volatile.Write(ref stripe.Entries, entries);
        stripe.Used = live;
    }

    private struct Entry
    {
        public string? Key;
        public int Hash;
        public long ExpiresAt;
        public TValue Value;
    }

    /// <summary>One lock and one table; the lock is the stripe object itself.</summary>
    private sealed class Stripe
    {
        public Entry[] Entries = new Entry[MinCapacity];

        /// <summary>Slots with a key, lapsed or not: the table is rebuilt before this passes half its size.</summary>
        public int Used;
    }
}
