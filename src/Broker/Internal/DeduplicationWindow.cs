using System.Buffers;
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
/// counts as absent; a table that fills up (with live or lapsed records) is rebuilt with its live records only, so
/// memory stays proportional to what arrived within the interval.
/// </para>
/// <para>
/// Two different ids are told apart unless their two 64-bit hashes, under seeds drawn at random for each window, both
/// collide: with a million live records the chance that any two collide is about 10^-27, far below the hardware's own
/// error rates. (Content-based deduplication already identifies a body by its SHA-256.)
/// </para>
/// <para>
/// No lock: an add claims an empty slot with one compare-and-swap on the key's first hash (<see cref="Entry.A"/>) and
/// publishes its record by writing the lapse time last; an update marks the lapse time (<see cref="UpdatingFlag"/>) with
/// one compare-and-swap while it writes the value, and flips <see cref="ToggleFlag"/> as it unmarks, so that a reader,
/// which reads the lapse time before and after the value, never takes half of one, and no update lands in a slot given
/// to another key since. Records only go into empty slots, never into lapsed ones, so two adds of one key probe the
/// same run to the same first empty slot, where one compare-and-swap wins and the other finds the winner's record.
/// </para>
/// <para>
/// A rebuild (a table half full, or a clear) freezes every slot of its stripe first: an empty one by a compare-and-swap
/// to <see cref="FrozenEmpty"/>, a record by <see cref="FrozenFlag"/> on its lapse time (it waits for an add or update
/// between its compare-and-swap and its last write, a few instructions). Then it fills a new table, or the same one in
/// place when its size is still right, and lets go, raising <see cref="Stripe.Version"/>. A call that meets a frozen
/// slot waits (spinning, never sleeping) until the rebuild is done and starts again: the one wait in this class, for a
/// rebuild that comes once per doubling of a table or per half a table of lapsed records, as a
/// <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey, TValue}"/> insert waits for a resize. A rebuild in
/// place empties slots a probe that began before it may have passed: so an add that took a slot, and a lookup that
/// found none, check that the version is still the one they began with, and look again if not.
/// </para>
/// </summary>
/// <typeparam name="TValue">What a duplicate is answered with (the original's id and numbers).</typeparam>
internal sealed class DeduplicationWindow<TValue>
    where TValue : unmanaged
{
    private const int StripeBits = 5;
    private const int StripeCount = 1 << StripeBits;
    private const int MinCapacity = 8;

    /// <summary>In <see cref="Entry.A"/>: an empty slot that a rebuild froze. A key's first hash is odd, so never this.</summary>
    private const ulong FrozenEmpty = 2;

    /// <summary>On a record's lapse time: frozen by a rebuild (the sign bit: lapse times are positive).</summary>
    private const long FrozenFlag = long.MinValue;

    /// <summary>On a record's lapse time: an update is writing its value.</summary>
    private const long UpdatingFlag = 1L << 62;

    /// <summary>On a record's lapse time: flipped by every update, so that a reader that straddled one sees the change.</summary>
    private const long ToggleFlag = 1L << 61;

    /// <summary>The bits of a lapse time (later lapse times, past the year 7300, count as that). 0 marks a record being written.</summary>
    private const long TimeBits = ToggleFlag - 1;

    /// <summary>The lapse time of a dead record (a slot an add took and gave up): lapsed whatever the clock says.</summary>
    private const long Dead = 1;

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

    /// <summary>Records that have not lapsed by <paramref name="now"/> (for tests and diagnostics; exact when nothing runs meanwhile).</summary>
    public int CountLive(long now)
    {
        var live = 0;
        foreach (var stripe in stripes)
        {
            if (stripe is null)
            {
                continue;
            }

            foreach (ref var entry in Volatile.Read(ref stripe.Entries).AsSpan())
            {
                var a = Volatile.Read(ref entry.A);
                live += a != 0 && a != FrozenEmpty && IsLive(Volatile.Read(ref entry.ExpiresAt), now) ? 1 : 0;
            }
        }

        return live;
    }

    /// <summary>The slots the stripes hold (for tests: lapsed records do not make it grow without bound).</summary>
    public int Capacity => stripes.Sum(s => s is null ? 0 : Volatile.Read(ref s.Entries).Length);

    /// <summary>The key's identity in this window: two 64-bit hashes of its characters under this window's seeds.</summary>
    public KeyHash Hash(string key)
    {
        var whole = MemoryMarshal.AsBytes(key.AsSpan());
        var a = seedA ^ (ulong)whole.Length;
        var b = seedB + ((ulong)whole.Length * 0x9E3779B97F4A7C15UL);
        var bytes = whole;
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
            // tells "a" from "a\0". Read in place, not copied into a buffer on the stack and read back (a load that
            // spans several smaller stores cannot take its value from them and waits until they reach the cache: that
            // stall was a third of this method's time).
            var block = whole.Length >= 8
                ? BinaryPrimitives.ReadUInt64LittleEndian(whole[^8..]) >> ((8 - bytes.Length) * 8) // the last 8 bytes, shifted down
                : bytes.Length switch
                {
                    2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
                    4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
                    _ => BinaryPrimitives.ReadUInt32LittleEndian(bytes) | ((ulong)BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]) << 32),
                };
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
        expiresAt = Math.Clamp(expiresAt, Dead + 1, TimeBits); // 0 means "being written", 1 a dead record
        while (true)
        {
            var version = Volatile.Read(ref stripe.Version);
            var entries = Volatile.Read(ref stripe.Entries);
            var mask = entries.Length - 1;
            var at = Home(key, mask);
            var outcome = Probe.Full;
            for (var probed = 0; probed <= mask;)
            {
                ref var entry = ref entries[at];
                var a = Volatile.Read(ref entry.A);
                if (a == 0)
                {
                    if (Volatile.Read(ref stripe.Used) * 2 >= entries.Length)
                    {
                        break; // full enough: rebuild first
                    }

                    if (Interlocked.CompareExchange(ref entry.A, key.A, 0) != 0)
                    {
                        continue; // claimed meanwhile, perhaps by this very key: look at the slot again
                    }

                    if (Volatile.Read(ref stripe.Version) != version)
                    {
                        // A rebuild in place ran since this probe began: the records it passed may have moved, and this
                        // slot may have been emptied again since it was read. The slot becomes a dead record no key
                        // matches (the next rebuild drops it), and the probe starts again.
                        entry.B = ~key.B;
                        Volatile.Write(ref entry.ExpiresAt, Dead);
                        stripe.Used++;
                        outcome = Probe.Moved;
                        break;
                    }

                    entry.B = key.B;
                    entry.Value = value;
                    Volatile.Write(ref entry.ExpiresAt, expiresAt); // publishes the record
                    stripe.Used++; // an estimate: an increment lost to a race only delays a rebuild
                    original = default;
                    return true;
                }

                if (a == key.A)
                {
                    outcome = ReadRecord(ref entry, key, now, out original);
                    if (outcome == Probe.Found)
                    {
                        return false;
                    }

                    if (outcome == Probe.Frozen)
                    {
                        break;
                    }
                }
                else if (a == FrozenEmpty)
                {
                    outcome = Probe.Frozen;
                    break;
                }

                at = (at + 1) & mask;
                probed++;
            }

            if (outcome == Probe.Frozen)
            {
                WaitForRebuild(stripe, version);
            }
            else if (outcome != Probe.Moved)
            {
                Rebuild(stripe, version, now, clear: false);
            }
        }
    }

    /// <summary>
    /// Starts bringing the slot where <paramref name="key"/>'s probe begins into the cache, and returns at once. The
    /// table holds every key of the last interval, so that slot is most likely in main memory; a caller with other work
    /// to do before <see cref="TryAdd(in KeyHash, in TValue, long, out TValue)"/> overlaps the two. A hint only: it
    /// reads no record (<see cref="CacheHints.Prefetch{T}"/>).
    /// </summary>
    public void Prefetch(in KeyHash key)
    {
        if (StripeOf(key, create: false) is { } stripe)
        {
            var entries = Volatile.Read(ref stripe.Entries);
            var mask = entries.Length - 1;
            var at = Home(key, mask);
            CacheHints.Prefetch(ref entries[at]);
            CacheHints.Prefetch(ref entries[(at + 1) & mask]);
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

        while (true)
        {
            var version = Volatile.Read(ref stripe.Version);
            var entries = Volatile.Read(ref stripe.Entries);
            var mask = entries.Length - 1;
            var at = Home(key, mask);
            for (var probed = 0; probed <= mask; probed++, at = (at + 1) & mask)
            {
                ref var entry = ref entries[at];
                var a = Volatile.Read(ref entry.A);
                var outcome = a == 0 ? Probe.Other : a == FrozenEmpty ? Probe.Frozen : a == key.A ? ReadRecord(ref entry, key, now, out value) : Probe.Other;
                if (outcome == Probe.Found)
                {
                    return true;
                }

                if (a == 0)
                {
                    if (Volatile.Read(ref stripe.Version) == version)
                    {
                        return false;
                    }

                    break; // a rebuild ran during the probe, which may have passed the record before it moved: look again
                }

                if (outcome == Probe.Frozen)
                {
                    WaitForRebuild(stripe, version);
                    break;
                }

                if (probed == mask && Volatile.Read(ref stripe.Version) == version)
                {
                    value = default;
                    return false; // a table with no empty slot (an add is about to rebuild it): not in it
                }
            }
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

        var spinner = default(SpinWait);
        while (true)
        {
            var version = Volatile.Read(ref stripe.Version);
            var entries = Volatile.Read(ref stripe.Entries);
            var mask = entries.Length - 1;
            var at = Home(key, mask);
            var frozen = false;
            for (var probed = 0; probed <= mask;)
            {
                ref var entry = ref entries[at];
                var a = Volatile.Read(ref entry.A);
                if (a == 0)
                {
                    if (Volatile.Read(ref stripe.Version) == version)
                    {
                        return; // no record: cleared, or lapsed and rebuilt away
                    }

                    break; // a rebuild ran during the probe: look again
                }

                if (a == FrozenEmpty)
                {
                    frozen = true;
                    break;
                }

                if (a == key.A)
                {
                    var expires = Volatile.Read(ref entry.ExpiresAt);
                    if (expires < 0)
                    {
                        frozen = true;
                        break;
                    }

                    if (expires == 0 || (expires & UpdatingFlag) != 0)
                    {
                        spinner.SpinOnce(sleep1Threshold: -1); // being written or updated: look at the slot again
                        continue;
                    }

                    if (IsLive(expires, now) && entry.B == key.B)
                    {
                        if (Interlocked.CompareExchange(ref entry.ExpiresAt, expires | UpdatingFlag, expires) != expires)
                        {
                            continue; // changed meanwhile: look at the slot again
                        }

                        // Marked: no rebuild can freeze or move the record, and no other update can change it, until
                        // the mark goes. But a rebuild in place may have given the slot to another record between the
                        // reads above and the mark.
                        var mine = Volatile.Read(ref entry.A) == key.A && entry.B == key.B;
                        if (mine)
                        {
                            entry.Value = value;
                        }

                        Volatile.Write(ref entry.ExpiresAt, mine ? expires ^ ToggleFlag : expires);
                        if (mine)
                        {
                            return;
                        }

                        frozen = true; // moved: look again once that rebuild is done
                        break;
                    }
                }

                at = (at + 1) & mask;
                probed++;
            }

            if (frozen)
            {
                WaitForRebuild(stripe, version);
            }
            else if (Volatile.Read(ref stripe.Version) == version)
            {
                return; // probed the whole table without finding it
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

            while (!Rebuild(stripe, Volatile.Read(ref stripe.Version), now: 0, clear: true))
            {
            }
        }
    }

    private static ulong Mix(ulong z) => Queues.Internal.ReceiptHandleCodec.Mix(z);

    private static int Home(in KeyHash key, int mask) => (int)(key.A >> StripeBits) & mask;

    private static int Home(ulong a, int mask) => (int)(a >> StripeBits) & mask;

    /// <summary>
    /// A slot whose first hash is <paramref name="key"/>'s: whether it holds the key's live record (and its value),
    /// another record, or a frozen one. Waits while the record is being written or updated. Reads like a sequence lock:
    /// the lapse time and the first hash are read again after the value, and a change means a look again.
    /// </summary>
    private static Probe ReadRecord(ref Entry entry, in KeyHash key, long now, out TValue value)
    {
        var spinner = default(SpinWait);
        while (true)
        {
            var expires = Volatile.Read(ref entry.ExpiresAt);
            if (expires < 0)
            {
                value = default;
                return Probe.Frozen;
            }

            if (expires == 0 || (expires & UpdatingFlag) != 0)
            {
                if (Volatile.Read(ref entry.A) != key.A)
                {
                    value = default;
                    return Probe.Other;
                }

                spinner.SpinOnce(sleep1Threshold: -1); // a few instructions from done
                continue;
            }

            var b = entry.B;
            value = entry.Value;
            Interlocked.MemoryBarrier(); // the reads above complete before the checks below
            if (Volatile.Read(ref entry.ExpiresAt) != expires)
            {
                continue; // updated, frozen or moved meanwhile: look again
            }

            if (Volatile.Read(ref entry.A) != key.A)
            {
                value = default;
                return Probe.Other; // given to another key by a rebuild in place (the caller's version check catches a move)
            }

            if (b == key.B && IsLive(expires, now))
            {
                return Probe.Found;
            }

            value = default;
            return Probe.Other;
        }
    }

    /// <summary>Waits until the rebuild that froze a slot the caller met (at <paramref name="version"/> or later) is done.</summary>
    private static void WaitForRebuild(Stripe stripe, int version)
    {
        var spinner = default(SpinWait);
        while (Volatile.Read(ref stripe.Version) is var now && ((now & 1) != 0 || now - version <= 0))
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    private Stripe? StripeOf(in KeyHash key, bool create)
    {
        ref var slot = ref stripes[(int)key.A & (StripeCount - 1)];
        var stripe = Volatile.Read(ref slot);
        return stripe is not null || !create ? stripe : Interlocked.CompareExchange(ref slot, new Stripe(), null) ?? slot!;
    }

    /// <summary>
    /// Rebuilds the stripe's table with its live records only (none for a clear): at most a quarter full, in a new table
    /// when the live records need a bigger one or would fill less than a thirty-second of this one, else in place; a
    /// clear keeps the table. Returns false, after waiting for it, when another rebuild was running, and does nothing when
    /// the stripe was rebuilt since the caller read <paramref name="version"/>.
    /// </summary>
    private static bool Rebuild(Stripe stripe, int version, long now, bool clear)
    {
        if (Interlocked.CompareExchange(ref stripe.Rebuilding, 1, 0) != 0)
        {
            var spinner = default(SpinWait);
            while (Volatile.Read(ref stripe.Rebuilding) != 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            return false;
        }

        try
        {
            if (Volatile.Read(ref stripe.Version) != version)
            {
                return !clear; // a clear asks again with the new version
            }

            var entries = stripe.Entries;
            var live = 0;
            foreach (ref var entry in entries.AsSpan())
            {
                live += Freeze(ref entry, now) && !clear ? 1 : 0;
            }

            var capacity = MinCapacity;
            while (capacity < live * 4)
            {
                capacity <<= 1;
            }

            var resize = !clear && (capacity > entries.Length || capacity * 32 < entries.Length);
            Entry[]? fresh = null;
            Entry[]? kept = null;
            try
            {
                if (resize)
                {
                    fresh = new Entry[capacity];
                }
                else if (live > 0)
                {
                    kept = ArrayPool<Entry>.Shared.Rent(live);
                }
            }
            catch
            {
                // Out of memory before anything moved: let every slot go as it was, so the stripe stays usable.
                Reopen(entries);
                Volatile.Write(ref stripe.Version, version + 2);
                throw;
            }

            if (fresh is not null)
            {
                foreach (ref var entry in entries.AsSpan())
                {
                    if (IsLiveFrozen(entry, now))
                    {
                        Place(fresh, entry, 0);
                    }
                }

                stripe.Used = live;
                Volatile.Write(ref stripe.Entries, fresh); // the old table stays frozen for whoever still looks at it
            }
            else
            {
                RebuildInPlace(stripe, entries, kept, now, clear, version);
            }

            Volatile.Write(ref stripe.Version, version + 2);
            return true;
        }
        finally
        {
            Volatile.Write(ref stripe.Rebuilding, 0);
        }
    }

    /// <summary>
    /// Freezes a slot: an empty one so that no add claims it, a record (once written, and not being updated) so that no
    /// update changes it. Whether it is a record live at <paramref name="now"/>.
    /// </summary>
    private static bool Freeze(ref Entry entry, long now)
    {
        var spinner = default(SpinWait);
        while (true)
        {
            var a = Volatile.Read(ref entry.A);
            if (a == 0)
            {
                if (Interlocked.CompareExchange(ref entry.A, FrozenEmpty, 0) == 0)
                {
                    return false;
                }

                continue;
            }

            var expires = Volatile.Read(ref entry.ExpiresAt);
            if (expires == 0 || (expires & UpdatingFlag) != 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1); // an add or update a few instructions from done
                continue;
            }

            if (Interlocked.CompareExchange(ref entry.ExpiresAt, expires | FrozenFlag, expires) == expires)
            {
                return IsLive(expires, now);
            }
        }
    }

    private static bool IsLiveFrozen(in Entry entry, long now) =>
        entry.A != FrozenEmpty && IsLive(entry.ExpiresAt, now);

    /// <summary>Whether a record with this lapse time word (flags and all) is live at <paramref name="now"/>; never a dead one.</summary>
    private static bool IsLive(long expires, long now) => (expires & TimeBits) > Math.Max(now, Dead);

    /// <summary>Puts a record in a table nobody else writes to, its lapse time carrying <paramref name="flags"/>.</summary>
    private static void Place(Entry[] table, in Entry record, long flags)
    {
        var mask = table.Length - 1;
        var at = Home(record.A, mask);
        while (table[at].A is not (0 or FrozenEmpty))
        {
            at = (at + 1) & mask;
        }

        table[at].B = record.B;
        table[at].Value = record.Value;
        table[at].ExpiresAt = (record.ExpiresAt & (TimeBits | ToggleFlag)) | flags;
        Volatile.Write(ref table[at].A, record.A);
    }

    /// <summary>
    /// The rebuild of a frozen table in place: its live records are set aside, every slot is emptied (still frozen), the
    /// records go back (still frozen), and then each slot is let go: readers meanwhile see frozen slots only.
    /// </summary>
    private static void RebuildInPlace(Stripe stripe, Entry[] entries, Entry[]? kept, long now, bool clear, int version)
    {
        try
        {
            var count = 0;
            foreach (ref var entry in entries.AsSpan())
            {
                if (kept is not null && IsLiveFrozen(entry, now))
                {
                    kept[count++] = entry;
                }

                Volatile.Write(ref entry.A, FrozenEmpty);
                entry.B = 0;
                entry.Value = default;
                entry.ExpiresAt = 0;
            }

            for (var i = 0; i < count; i++)
            {
                Place(entries, kept![i], FrozenFlag);
            }

            stripe.Used = clear ? 0 : count;

            // Odd while slots reopen: an add that takes a reopened slot reads a version other than the one its probe began
            // with, and looks again, since its probe may have passed records before they moved.
            Volatile.Write(ref stripe.Version, version + 1);
            Reopen(entries);
        }
        finally
        {
            if (kept is not null)
            {
                ArrayPool<Entry>.Shared.Return(kept);
            }
        }
    }

    /// <summary>Lets go of every slot of a frozen table: an empty one can be taken again, a record updated.</summary>
    private static void Reopen(Entry[] entries)
    {
        foreach (ref var entry in entries.AsSpan())
        {
            if (entry.A == FrozenEmpty)
            {
                Volatile.Write(ref entry.A, 0);
            }
            else
            {
                Volatile.Write(ref entry.ExpiresAt, entry.ExpiresAt & ~FrozenFlag);
            }
        }
    }

    /// <summary>A key's identity in a window: two 64-bit hashes, the first never 0.</summary>
    internal readonly record struct KeyHash(ulong A, ulong B);

    /// <summary>What a look at a slot found.</summary>
    private enum Probe
    {
        /// <summary>Not the key's live record.</summary>
        Other,

        /// <summary>The key's live record.</summary>
        Found,

        /// <summary>A rebuild froze the slot: wait for it, then look again.</summary>
        Frozen,

        /// <summary>An add found no empty slot it may take: rebuild.</summary>
        Full,

        /// <summary>A rebuild ran during the probe: look again.</summary>
        Moved,
    }

    private struct Entry
    {
        /// <summary>The key's first hash (odd); 0 for an empty slot, <see cref="FrozenEmpty"/> for a frozen empty one.</summary>
        public ulong A;
        public ulong B;

        /// <summary>The lapse time in ticks, with <see cref="FrozenFlag"/> and <see cref="UpdatingFlag"/>; 0 while being written.</summary>
        public long ExpiresAt;
        public TValue Value;
    }

    /// <summary>One table, rebuilt or cleared by one caller at a time.</summary>
    private sealed class Stripe
    {
        public Entry[] Entries = new Entry[MinCapacity];

        /// <summary>About how many slots hold a record, lapsed or not: the table is rebuilt when this reaches half its size.</summary>
        public int Used;

        /// <summary>
        /// Raised by 2 by every rebuild once it is done (odd while an in-place rebuild reopens its slots): a caller that
        /// met a frozen slot waits for a later even value; one that read another value during its probe looks again.
        /// </summary>
        public int Version;

        /// <summary>1 while a rebuild runs.</summary>
        public int Rebuilding;
    }
}
