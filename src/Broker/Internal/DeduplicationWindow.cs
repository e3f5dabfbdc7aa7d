using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Broker.Internal;

/// <summary>
/// FIFO deduplication for a fixed interval (SQS and SNS: 5 minutes): the first record under a key wins until it lapses.
/// <para>
/// The records are structs in open-addressed tables (linear probing), one table per stripe of the key's hash. A record
/// holds no reference: the key is kept as a 128-bit hash (<see cref="Hash"/>), and the value is unmanaged. So what a
/// FIFO queue remembers for 5 minutes costs the garbage collector nothing to trace: no node or record object per message
/// surviving into the oldest generation, and no references in the tables for each collection to scan. A lapsed record
/// counts as absent and its place is taken by the next key that probes past it; a table that fills up is rebuilt with
/// its live records only, so memory stays proportional to what arrived within the interval.
/// </para>
/// <para>
/// Two different ids are told apart unless their two 64-bit hashes, under seeds drawn at random for each window, both
/// collide: with a million live records the chance that any two collide is about 10^-27, far below the hardware's own
/// error rates. (Content-based deduplication already identifies a body by its SHA-256.)
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
    where TValue : unmanaged
{
    private const int StripeBits = 5;
    private const int StripeCount = 1 << StripeBits;
    private const int MinCapacity = 8;

    /// <summary>Created as first used, so that a FIFO queue nobody sends to costs one small array here.</summary>
    private readonly Stripe?[] stripes = new Stripe?[StripeCount];
    private readonly long intervalTicks;
    private readonly ulong seedA;
    private readonly ulong seedB;

    public DeduplicationWindow(TimeSpan interval)
    {
        intervalTicks = interval.Ticks;
        Span<ulong> seeds = stackalloc ulong[2];
        RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(seeds));
        seedA = seeds[0];
        seedB = seeds[1];
    }

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
                    live += entry.IsLive(now) ? 1 : 0;
                }
            }
        }

        return live;
    }

    /// <summary>The slots the stripes hold (for tests: lapsed records do not make it grow without bound).</summary>
    public int Capacity => stripes.Sum(s => s is null ? 0 : Volatile.Read(ref s.Entries).Length);

    /// <summary>The key's identity in this window: two 64-bit hashes of its characters under this window's seeds.</summary>
    public KeyHash Hash(string key)
    {
        var bytes = MemoryMarshal.AsBytes(key.AsSpan());
        var a = seedA ^ (ulong)bytes.Length;
        var b = seedB + ((ulong)bytes.Length * 0x9E3779B97F4A7C15UL);
        while (bytes.Length >= 8)
        {
            var block = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            a = Mix(a ^ block);
            b = Mix((b + block) * 0xD6E8FEB86659FD93UL);
            bytes = bytes[8..];
        }

        if (!bytes.IsEmpty)
        {
            // What is left is 2, 4 or 6 bytes (whole UTF-16 characters), padded with zeros: the length, in both seeds,
            // tells "a" from "a\0".
            Span<byte> last = stackalloc byte[8];
            last.Clear();
            bytes.CopyTo(last);
            var block = BinaryPrimitives.ReadUInt64LittleEndian(last);
            a = Mix(a ^ block);
            b = Mix((b + block) * 0xD6E8FEB86659FD93UL);
        }

        return new KeyHash(Mix(a ^ 0x2545F4914F6CDD1DUL) | 1, Mix(b)); // A is never 0: 0 marks an empty slot
    }

    /// <summary>
    /// Records <paramref name="value"/> under <paramref name="key"/> for one interval from <paramref name="now"/>, unless
    /// a record under the same key is still live: then returns false and that record's value in
    /// <paramref name="original"/> (the caller treats the new one as a duplicate).
    /// </summary>
    public bool TryAdd(in KeyHash key, in TValue value, long now, out TValue original) =>
        TryAdd(key, value, now, now + intervalTicks, out original);

    /// <summary>As <see cref="TryAdd(in KeyHash, in TValue, long, out TValue)"/>, with the lapse time given (a record recovered from disk keeps its own).</summary>
    public bool TryAdd(in KeyHash key, in TValue value, long now, long expiresAt, out TValue original)
    {
        var stripe = StripeOf(key, create: true)!;
        lock (stripe)
        {
            while (true)
            {
                var entries = stripe.Entries;
                var mask = entries.Length - 1;
                var at = Home(key, mask);
                var reusable = -1;
                while (entries[at].A != 0)
                {
                    ref var entry = ref entries[at];
                    if (entry.ExpiresAt <= now)
                    {
                        reusable = reusable < 0 ? at : reusable;
                    }
                    else if (entry.A == key.A && entry.B == key.B)
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

                entries[reusable] = new Entry { A = key.A, B = key.B, ExpiresAt = expiresAt, Value = value };
                original = default;
                return true;
            }
        }
    }

    /// <summary>
    /// Starts bringing the slot where <paramref name="key"/>'s probe begins into the cache, and returns at once. The
    /// table holds every key of the last interval, so that slot is most likely in main memory; a caller with other work
    /// to do before <see cref="TryAdd(in KeyHash, in TValue, long, out TValue)"/> overlaps the two. A hint only: it
    /// reads no record and takes no lock (<see cref="CacheHints.Prefetch{T}"/>).
    /// </summary>
    public void Prefetch(in KeyHash key)
    {
        if (StripeOf(key, create: false) is { } stripe)
        {
            var entries = Volatile.Read(ref stripe.Entries);
            CacheHints.Prefetch(ref entries[Home(key, entries.Length - 1)]);
        }
    }

    /// <summary>The value of the live record under <paramref name="key"/>, if there is one.</summary>
    public bool TryGet(in KeyHash key, long now, out TValue value)
    {
        value = default;
        if (StripeOf(key, create: false) is not { } stripe)
        {
            return false;
        }

        lock (stripe)
        {
            var entries = stripe.Entries;
            var at = IndexOfLive(entries, key, now);
            if (at >= 0)
            {
                value = entries[at].Value;
            }

            return at >= 0;
        }
    }

    /// <summary>
    /// Replaces the value of the live record under <paramref name="key"/> (a FIFO queue learns its message's group
    /// sequence number only after the record is in). Nothing happens when there is none (a purge cleared it).
    /// </summary>
    public void Update(in KeyHash key, in TValue value, long now)
    {
        if (StripeOf(key, create: false) is not { } stripe)
        {
            return;
        }

        lock (stripe)
        {
            var entries = stripe.Entries;
            var at = IndexOfLive(entries, key, now);
            if (at >= 0)
            {
                entries[at].Value = value;
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

    private static ulong Mix(ulong z) => Queues.Internal.ReceiptHandleCodec.Mix(z);

    private static int Home(in KeyHash key, int mask) => (int)(key.A >> StripeBits) & mask;

    /// <summary>Under the stripe's lock: where the live record under <paramref name="key"/> is, or -1.</summary>
    private static int IndexOfLive(Entry[] entries, in KeyHash key, long now)
    {
        var mask = entries.Length - 1;
        for (var at = Home(key, mask); entries[at].A != 0; at = (at + 1) & mask)
        {
            ref var entry = ref entries[at];
            if (entry.A == key.A && entry.B == key.B && entry.ExpiresAt > now)
            {
                return at;
            }
        }

        return -1;
    }

    private Stripe? StripeOf(in KeyHash key, bool create)
    {
        ref var slot = ref stripes[(int)key.A & (StripeCount - 1)];
        var stripe = Volatile.Read(ref slot);
        return stripe is not null || !create ? stripe : Interlocked.CompareExchange(ref slot, new Stripe(), null) ?? slot!;
    }

    /// <summary>Under the stripe's lock: a table for the live records, at most a quarter full, lapsed ones left out.</summary>
    private static void Rebuild(Stripe stripe, long now)
    {
        var old = stripe.Entries;
        var live = 0;
        foreach (var entry in old)
        {
            live += entry.IsLive(now) ? 1 : 0;
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
            if (entry.IsLive(now))
            {
                var at = (int)(entry.A >> StripeBits) & mask;
                while (entries[at].A != 0)
                {
                    at = (at + 1) & mask;
                }

                entries[at] = entry;
            }
        }

        Volatile.Write(ref stripe.Entries, entries);
        stripe.Used = live;
    }

    /// <summary>A key's identity in a window: two 64-bit hashes, the first never 0.</summary>
    internal readonly record struct KeyHash(ulong A, ulong B);

    private struct Entry
    {
        public ulong A;
        public ulong B;
        public long ExpiresAt;
        public TValue Value;

        public readonly bool IsLive(long now) => A != 0 && ExpiresAt > now;
    }

    /// <summary>One lock and one table; the lock is the stripe object itself.</summary>
    private sealed class Stripe
    {
        public Entry[] Entries = new Entry[MinCapacity];

        /// <summary>Slots with a key, lapsed or not: the table is rebuilt before this passes half its size.</summary>
        public int Used;
    }
}
