using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using Broker.Internal;

namespace Broker.Queues.Internal;

/// <summary>
/// FIFO queues. Every FIFO message holds a slot from its send (where the queue's retention sweep finds it) and sits in its
/// <see cref="FifoGroup"/>; groups that may have something to deliver wait in <see cref="ready"/>.
/// <para>
/// Known deviation, said here and in the changelog: the group directory is a <see cref="ConcurrentDictionary{TKey, TValue}"/>,
/// whose reads are lock-free but whose inserts and removals take one of its internal striped locks (once per group as it
/// appears and as it retires). The deduplication table (<see cref="DeduplicationWindow{TValue}"/>) takes no lock; a
/// send waits only while the table's stripe is being rebuilt. Claiming a group, sending into an existing group,
/// receiving, deleting and changing visibility take no other lock.
/// </para>
/// </summary>
internal sealed partial class MessageQueue
{
    private static readonly TimeSpan DeduplicationInterval = TimeSpan.FromMinutes(5);

    private readonly bool isFifo;
    // FIFO only (null on a standard queue, which would otherwise carry tens of kilobytes it never uses).
    private readonly ConcurrentDictionary<string, FifoGroup>? groups;
    private readonly SegmentedQueue<FifoGroup>? ready;
    private readonly DeduplicationWindow<FifoOriginal>? deduplication;
    private readonly ConcurrentDictionary<string, ReceiveAttempt>? attempts;

    /// <summary>The fewest FIFO publications between two sweeps of idle groups.</summary>
    internal const int GroupSweepEvery = 1024;

    /// <summary>
    /// The most FIFO publications between two sweeps of idle groups, and so about half the most groups the directory
    /// holds when every message names a new group id (each sweep retires the groups the one before found idle).
    /// </summary>
    internal const int GroupSweepMost = 16 * GroupSweepEvery;

    /// <summary>The fewest entries of <see cref="groupCache"/>.</summary>
    internal const int MinGroupCache = 64;

    /// <summary>The most entries of <see cref="groupCache"/> (16 MiB).</summary>
    private const int MaxGroupCache = 1 << 20;

    /// <summary>
    /// FIFO: a two-way set-associative cache in front of <see cref="groups"/>: a group id's hash picks a set of two
    /// adjacent entries (one cache line), and each entry keeps the hash of the id it was filled for, so a send finds its
    /// way by comparing hashes on the line it fetched ahead (<see cref="PrefetchCachedGroup"/>) and touches no other
    /// group. That replaces the directory's bucket and then its node, two misses one after the other when a queue has
    /// thousands of groups; two ways rather than one, so that two ids on one set (about one id in seven with a single way
    /// at four entries per group) both stay cached instead of evicting each other at every send. Only a hint: an
    /// entry may hold another id's group (a hash collision, or a read that raced a refill) or a group retired a moment
    /// ago (whoever takes a retired group out of the directory empties its entry), so every use checks, and the
    /// directory stays the one authority (no group leaves it unretired). Sized by the sweep of idle groups to about
    /// four entries per group it saw. Standard queues share <see cref="NoGroupCache"/>, never used.
    /// </summary>
    private GroupCacheEntry[] groupCache;

    private static readonly GroupCacheEntry[] NoGroupCache = new GroupCacheEntry[2];

    /// <summary>
    /// The groups the last sweep of idle groups kept, in the order they entered it (null past the last); with
    /// <see cref="newGroups"/>, every group of the directory. Only the sweep (which runs alone) reads or writes it, and
    /// <see cref="sweepSpare"/>, the array it fills next.
    /// </summary>
    private FifoGroup?[] sweepOrder = [];
    private FifoGroup?[] sweepSpare = [];

    /// <summary>How many groups <see cref="sweepOrder"/> holds (its length is its capacity).</summary>
    private int sweepCount;

    /// <summary>Groups the directory handed out since the last sweep took them, a Treiber stack linked by <see cref="FifoGroup.NextNew"/>.</summary>
    private FifoGroup? newGroups;

    /// <summary>How many groups ahead the sweep fetches the next group's line.</summary>
    private const int SweepPrefetchDistance = 8;

    /// <summary>The message sequence number at which the next sweep of idle groups runs.</summary>
    private long nextGroupSweepAt = GroupSweepEvery;
    private int sweepingGroups;

    /// <summary>Stands for "hash the body" in <see cref="Prepare"/>, which owns the validated copy of the body.</summary>
    private const string ContentDeduplicationId = "\u0000content";

    public bool IsFifo => isFifo;

    private ValueTask<SendMessageResult> SendFifo(
        ReadOnlyMemory<byte> body,
        bool ownsBody,
        int? delaySeconds,
        IReadOnlyDictionary<string, MessageAttributeValue>? attributes,
        string? groupId,
        string? deduplicationId,
        QueueSettings current,
        CancellationToken cancellationToken)
    {
        if (groupId is null)
        {
            throw new BrokerException(BrokerErrorCodes.MissingParameter, "The request must contain the parameter MessageGroupId.");
        }

        if (delaySeconds is { } delay && delay != 0)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Value {delay} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type. FIFO queues take the queue's delay only.");
        }

        // An explicit id is known before anything is validated or copied: its slot in the table is fetched meanwhile (a
        // key hashed from an id found invalid just below is dropped).
        var key = deduplicationId is null ? default : DeduplicationKeyOf(groupId, deduplicationId, current);
        var groupHash = PrefetchCachedGroup(groupId);
        MessageValidation.ValidateGroupId(deduplicationId, "MessageDeduplicationId");
        if (deduplicationId is null && !current.Options.ContentBasedDeduplication)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly.");
        }
        var prepared = Prepare(body, ownsBody, delaySeconds: null, attributes, groupId, current, deduplicationId ?? ContentDeduplicationId);

        if (current.HasCaps && !TryReserve(prepared.Size, current))
        {
            return SendFifoWhenRoomAsync(prepared, current, key, groupHash, cancellationToken);
        }

        var result = CompleteFifoSend(prepared, current, key, groupHash, out var durable);
        return durable.IsCompletedSuccessfully ? new ValueTask<SendMessageResult>(result) : WhenDurable(durable, result);
    }

    private async ValueTask<SendMessageResult> SendFifoWhenRoomAsync(PreparedMessage prepared, QueueSettings current, DeduplicationKey key, ulong groupHash, CancellationToken cancellationToken)
    {
        await WaitForRoomAsync(prepared.Size, cancellationToken).ConfigureAwait(false);
        var result = CompleteFifoSend(prepared, current, key, groupHash, out var durable);
        await durable.ConfigureAwait(false);
        return result;
    }

    /// <summary>Deduplicates and publishes a validated FIFO message whose room under the caps (if any) is reserved.</summary>
    /// <param name="prepared">The validated message.</param>
    /// <param name="current">The queue's settings.</param>
    /// <param name="key">The deduplication key, when the send named its id; default to work it out here (content-based).</param>
    /// <param name="groupHash">The group id's <see cref="GroupCacheHash"/>, worked out when the send began.</param>
    /// <param name="durable">In a durable broker, completes when the send's record is as durable as the policy promises.
    /// The record is written just after the message is published into its group, when its group sequence number is
    /// known; a receive or delete that gets in between is recorded first, and recovery puts them in order.</param>
    private SendMessageResult CompleteFifoSend(PreparedMessage prepared, QueueSettings current, DeduplicationKey key, ulong groupHash, out ValueTask durable)
    {
        durable = default;
        var extras = prepared.Extras!;
        if (key.Key is null)
        {
            key = DeduplicationKeyOf(extras.MessageGroupId!, extras.DeduplicationId!, current);
        }

        var now = Now();
        var message = new QueueMessage(prepared.Body, extras, Interlocked.Increment(ref nextSequence.Value), now);

        // The deduplication record holds numbers, not the message, so that a delivered and deleted message does not
        // live on for 5 minutes; the group sequence number follows once the message is in its group.
        extras.DeduplicationKey = key.Key;
        extras.DeduplicationExpiresAt = now + DeduplicationInterval.Ticks;
        var keyHash = key.Hash;

        // The slot and the group the cache names are fetched before the table is probed, so that their cache misses
        // overlap with the probe's (whose slot was asked for before the body was validated). A duplicate gives the slot
        // back. The cached group is checked only then, its line most likely in by now.
        var slotIndex = slots.Allocate();
        var groupId = extras.MessageGroupId!;
        var group = CachedGroup(groupHash);
        group?.Prefetch();
        receivers.Prefetch();
        if (!deduplication!.TryAdd(keyHash, new FifoOriginal(message.Sequence, 0), now, extras.DeduplicationExpiresAt, out var original))
        {
            // A duplicate: accepted, not delivered again; the answer names the original.
            slots.Release(slotIndex);
            ReleaseReservation(prepared.Size, current);
            return new SendMessageResult(this, AnswerForDuplicate(prepared.Body, extras, original, now));
        }

        if (group is null || !string.Equals(group.Id, groupId, StringComparison.Ordinal))
        {
            group = GroupFor(groupId, groupHash); // retired is fine: the push finds it so and takes the directory's next one
        }

        observer?.MessageSent(this, message); // before it can be received, so no record shows a receive before its send
        if (store is null)
        {
            EnqueueFifo(message, prepared.DelayTicks, current.HasCaps, firstReceiveAt: 0, receiveCount: 0, slotIndex, group);
        }
        else if (prepared.DelayTicks > 0)
        {
            EnqueueFifo(message, prepared.DelayTicks, current.HasCaps, firstReceiveAt: 0, receiveCount: 0, slotIndex, group); // held by its delay
            durable = store.MessageSent(this, message, message.SentAt + prepared.DelayTicks, current.HasCaps, 0, 0);
        }
        else
        {
            PublishFifoDurably(message, current.HasCaps, receiveCount: 0, firstReceiveAt: 0, observed: true, out durable, slotIndex, group);
        }

        deduplication.Update(keyHash, new FifoOriginal(message.Sequence, extras.SequenceNumber), now);
        Count(metrics.MessagesSent, 1);
        return new SendMessageResult(this, message);
    }

    /// <summary>
    /// A FIFO send's deduplication key (its id, prefixed by its group under the messageGroup scope) and the key's hash,
    /// and the start of fetching the table slot the send will probe (<see cref="DeduplicationWindow{TValue}.Prefetch"/>):
    /// the table holds every id of the last 5 minutes, so that slot is most likely in main memory, and the send has
    /// validation, a copy and a clock read to do before it looks.
    /// </summary>
    private DeduplicationKey DeduplicationKeyOf(string groupId, string deduplicationId, QueueSettings current)
    {
        var key = current.Options.DeduplicationScope == DeduplicationScope.Queue ? deduplicationId : string.Concat(groupId, "\u0000", deduplicationId);
        var hash = deduplication!.Hash(key);
        deduplication.Prefetch(hash);
        return new DeduplicationKey(key, hash);
    }

    /// <summary>A FIFO send's deduplication key and its hash in the queue's window; default when not worked out yet.</summary>
    private readonly record struct DeduplicationKey(string? Key, DeduplicationWindow<FifoOriginal>.KeyHash Hash);

    /// <summary>
    /// What a duplicate send returns: the original's message id and group sequence number, with the digests of what this
    /// send carried (SDKs check MD5OfMessageBody against the body they sent). A duplicate that races its original's send,
    /// before the original has its number, leaves its own number at 0: <see cref="FormatSequenceNumber"/> looks the
    /// original's up when it is read.
    /// </summary>
    private static QueueMessage AnswerForDuplicate(ReadOnlyMemory<byte> body, MessageExtras extras, in FifoOriginal original, long now)
    {
        extras.SequenceNumber = original.GroupSequence;
        return new QueueMessage(body, extras, original.MessageSequence, now);
    }

    /// <summary>
    /// Publishes a FIFO message into its group: a slot, a state, and the group made ready. Its retention needs no ticket
    /// of its own: the queue's sweep (<see cref="SweepFifo"/>) finds it in the slot table; a delayed one has its delay's
    /// ticket, which ends its retention too if that comes first.
    /// </summary>
    /// <param name="message">The message, its group sequence number not yet given.</param>
    /// <param name="delayTicks">Its delay; 0 for none.</param>
    /// <param name="counted">Whether it reserved room under the queue's caps.</param>
    /// <param name="firstReceiveAt">When it was first received before it arrived, UTC ticks; 0 if never.</param>
    /// <param name="receiveCount">The receive count it arrives with.</param>
    /// <param name="slotIndex">A slot the caller allocated for it; -1 to allocate one here.</param>
    /// <param name="group">Its group as the caller looked it up; null to look it up here.</param>
    private void EnqueueFifo(QueueMessage message, long delayTicks, bool counted, long firstReceiveAt, int receiveCount, int slotIndex = -1, FifoGroup? group = null)
    {
        var current = Settings;
        if (slotIndex < 0)
        {
            slotIndex = slots.Allocate();
        }

        ref var slot = ref slots[slotIndex];
        slot.FirstReceiveAt = firstReceiveAt;
        slot.Group = group ??= GroupFor(message.Extras!.MessageGroupId!); // while the slot is this call's alone (see GroupOf)
        var flags = counted ? MessageState.CountedFlag : 0;
        var retentionEnd = message.SentAt + current.RetentionTicks;
        if (delayTicks > 0)
        {
            Volatile.Write(ref slot.Deadline, message.SentAt + delayTicks);
            message.State = MessageState.Make(slotIndex, receiveCount, MessageStatus.Delayed) | flags;
            Volatile.Write(ref slot.Message, message);
            delayedCount.Increment();
            PushIntoGroup(message, group);
            timer.Schedule(new TimerTicket(Math.Min(message.SentAt + delayTicks, retentionEnd), slotIndex, receiveCount, TicketKind.Delay));
            return;
        }

        message.State = MessageState.Make(slotIndex, receiveCount, MessageStatus.Visible) | flags;
        Volatile.Write(ref slot.Message, message);
        visibleCount.Increment();
        group = PushIntoGroup(message, group);
        EnsureFifoSweep(message.SentAt + Settings.RetentionTicks); // read again: a retention change's own sweep may have missed it
        MarkReady(group);
        receivers.Wake(1);
    }

    /// <summary>
    /// A durable broker's FIFO publication (a send, a dead-letter move, a redrive): the message enters its group held as
    /// if delayed (receivers stop at it, keeping the group's order), which gives it its group sequence number; its
    /// record, which carries that number, is appended; only then is it made visible. So no receive or delete of it can
    /// be recorded before it.
    /// </summary>
    /// <param name="message">The message, its group sequence number not yet given.</param>
    /// <param name="counted">Whether it reserved room under the queue's caps.</param>
    /// <param name="receiveCount">The receive count it arrives with (a dead-letter move keeps its source's).</param>
    /// <param name="firstReceiveAt">When it was first received before it arrived, UTC ticks; 0 if never.</param>
    /// <param name="observed">Whether a caller waits for the record (a send); moves record without waiting.</param>
    /// <param name="durable">When <paramref name="observed"/>: completes when the record is as durable as the policy promises.</param>
    /// <param name="slotIndex">A slot the caller allocated for it; -1 to allocate one here.</param>
    /// <param name="group">Its group as the caller looked it up; null to look it up here.</param>
    private void PublishFifoDurably(QueueMessage message, bool counted, int receiveCount, long firstReceiveAt, bool observed, out ValueTask durable, int slotIndex = -1, FifoGroup? group = null)
    {
        if (slotIndex < 0)
        {
            slotIndex = slots.Allocate();
        }

        ref var slot = ref slots[slotIndex];
        slot.FirstReceiveAt = firstReceiveAt;
        slot.Group = group ??= GroupFor(message.Extras!.MessageGroupId!); // while the slot is this call's alone (see GroupOf)
        Volatile.Write(ref slot.Deadline, long.MaxValue);
        message.State = MessageState.Make(slotIndex, receiveCount, MessageStatus.Delayed) | (counted ? MessageState.CountedFlag : 0);
        Volatile.Write(ref slot.Message, message);
        delayedCount.Increment();
        PushIntoGroup(message, group);
        durable = default;
        if (observed)
        {
            durable = store!.MessageSent(this, message, availableAt: 0, counted, receiveCount, firstReceiveAt);
        }
        else
        {
            store!.MessageArrived(this, message, availableAt: 0, counted, receiveCount, firstReceiveAt);
        }

        var held = Volatile.Read(ref message.State);
        if (MessageState.Status(held) == MessageStatus.Delayed && MessageState.Slot(held) == slotIndex
            && Interlocked.CompareExchange(ref message.State, MessageState.Next(held, slotIndex, receiveCount, MessageStatus.Visible), held) == held)
        {
            delayedCount.Decrement();
            visibleCount.Increment();
            FifoVisible(message, slotIndex, fromInFlight: false);
            receivers.Wake(1);
        }

        // Held or visible, it waits in its group, where the sweep finds it (if a receive or purge got it first, the sweep
        // finds nothing: harmless).
        EnsureFifoSweep(message.SentAt + Settings.RetentionTicks);
    }

    /// <summary>The group of this id in the directory, created if there is none; remembered in the cache.</summary>
    private FifoGroup GroupFor(string id) => GroupFor(id, GroupCacheHash(id));

    /// <inheritdoc cref="GroupFor(string)"/>
    /// <param name="id">The group id.</param>
    /// <param name="hash">Its <see cref="GroupCacheHash"/>.</param>
    private FifoGroup GroupFor(string id, ulong hash)
    {
        var group = groups!.GetOrAdd(id, static (key, queue) => new FifoGroup(key, Volatile.Read(ref queue.retiredGroupSequence)), this);
        RegisterForSweep(group);
        var cache = Volatile.Read(ref groupCache);
        var set = GroupCacheSet(hash, cache.Length);

        // The way already filled for this id, else an empty one, else the one the hash picks: of three ids on one set, the
        // two that come back most often mostly stay.
        var way = Volatile.Read(ref cache[set].Hash) == hash || Volatile.Read(ref cache[set].Group) is null ? set
            : Volatile.Read(ref cache[set + 1].Hash) == hash || Volatile.Read(ref cache[set + 1].Group) is null ? set + 1
            : set + (int)((hash >> 8) & 1);
        Volatile.Write(ref cache[way].Hash, hash);
        Volatile.Write(ref cache[way].Group, group);
        return group;
    }

    /// <summary>
    /// The group <see cref="groupCache"/> holds for an id of this <see cref="GroupCacheHash"/>, unchecked: it may be
    /// another id's (the caller compares <see cref="FifoGroup.Id"/>) or retired (a push finds it so); null when neither
    /// way of its set was filled for it.
    /// </summary>
    private FifoGroup? CachedGroup(ulong hash)
    {
        var cache = Volatile.Read(ref groupCache);
        var set = GroupCacheSet(hash, cache.Length);
        return Volatile.Read(ref cache[set].Hash) == hash ? Volatile.Read(ref cache[set].Group)
            : Volatile.Read(ref cache[set + 1].Hash) == hash ? Volatile.Read(ref cache[set + 1].Group)
            : null;
    }

    /// <summary>
    /// Takes a retired group out of the directory, and out of its cache entry if that still holds it, so that the cache
    /// keeps no retired group alive (a queue whose group ids keep changing would otherwise hold up to one per entry).
    /// </summary>
    private void RemoveRetired(FifoGroup group)
    {
        groups!.TryRemove(new KeyValuePair<string, FifoGroup>(group.Id, group));
        var cache = Volatile.Read(ref groupCache);
        var set = GroupCacheSet(GroupCacheHash(group.Id), cache.Length);
        Interlocked.CompareExchange(ref cache[set].Group, null, group);
        Interlocked.CompareExchange(ref cache[set + 1].Group, null, group);
    }

    /// <summary>
    /// Starts bringing the set of this id in <see cref="groupCache"/> into the cache (a hint), for a send that has
    /// validation and a copy to do first; returns the id's <see cref="GroupCacheHash"/>, for the send's lookup.
    /// </summary>
    private ulong PrefetchCachedGroup(string id)
    {
        var hash = GroupCacheHash(id);
        var cache = Volatile.Read(ref groupCache);
        var set = GroupCacheSet(hash, cache.Length);
        CacheHints.Prefetch(ref cache[set]);
        CacheHints.Prefetch(ref cache[set + 1].Hash); // the same line unless the array's start puts the set across two
        return hash;
    }

    /// <summary>
    /// The first entry of the set of <see cref="groupCache"/> (of <paramref name="length"/> entries, a power of two) for
    /// a hash from <see cref="GroupCacheHash"/>: always even, so a set's two entries (16 bytes each) share a cache line.
    /// </summary>
    internal static int GroupCacheSet(ulong hash, int length) => (int)(hash >> 32) & (length - 2);

    /// <summary>
    /// A cheap hash of a group id's UTF-16, eight bytes at a time, never 0 (an entry never filled holds 0). Not keyed:
    /// ids chosen to collide only send their sends to the directory, as every send went before the cache.
    /// </summary>
    internal static ulong GroupCacheHash(string id)
    {
        var bytes = MemoryMarshal.AsBytes(id.AsSpan());
        var hash = 0x9E3779B97F4A7C15UL ^ (ulong)bytes.Length;
        while (bytes.Length >= 8)
        {
            hash = (hash ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes)) * 0xD6E8FEB86659FD93UL;
            hash ^= hash >> 29;
            bytes = bytes[8..];
        }

        var last = 0UL;
        for (var i = 0; i < bytes.Length; i++)
        {
            last |= (ulong)bytes[i] << (8 * i);
        }

        hash = (hash ^ last) * 0xD6E8FEB86659FD93UL;
        return hash | 1;
    }

    /// <summary>One entry of <see cref="groupCache"/>: a group and the hash of the id it was filled for (0: never filled).</summary>
    internal struct GroupCacheEntry
    {
        public FifoGroup? Group;
        public ulong Hash;
    }

    /// <summary>Publishes a message into its group, creating the group, or a new one if the last was just retired.</summary>
    /// <param name="message">The message.</param>
    /// <param name="group">Its group as the caller looked it up a moment ago (tried first); null to look it up here.</param>
    private FifoGroup PushIntoGroup(QueueMessage message, FifoGroup? group = null)
    {
        var id = message.Extras!.MessageGroupId!;
        while (true)
        {
            group ??= GroupFor(id);
            if (group.TryPush(message))
            {
                if (message.Sequence >= Volatile.Read(ref nextGroupSweepAt))
                {
                    SweepIdleGroups();
                }

                return group;
            }

            if (group.IsRetired)
            {
                // Help its holder take it out of the directory, then the next lookup creates a fresh group.
                RemoveRetired(group);
            }

            group = null;
        }
    }

    /// <summary>Fills the batch group by group: as many of one group's messages, in order, as fit, then the next group.</summary>
    private void TakeFromGroups(ref ReceiveBatch batch)
    {
        while (batch.Taken < batch.Max && ready!.TryDequeue(out var group))
        {
            // A queue with many groups has most of them out of this core's caches, last written by the sender: the next
            // ready group's lines are fetched while this one is taken, so that their misses overlap.
            if (batch.Taken + 1 < batch.Max && ready.TryPeek(out var next))
            {
                next.Prefetch();
            }

            Interlocked.Exchange(ref group.Queued, 0);
            if (!group.TryClaim())
            {
                // Held by another receiver: ask it to look again as it lets go, then try once more in case it just
                // did (the flag and the claim are both interlocked, so one of the two sees the other).
                Interlocked.Exchange(ref group.Recheck, 1);
                if (!group.TryClaim())
                {
                    continue;
                }
            }

            var more = false;
            try
            {
                if (Volatile.Read(ref group.InFlight) > 0)
                {
                    continue; // locked: a message of the group is in flight
                }

                var messages = group.Collect(out var index);
                var blocked = false;
                while (index < messages.Count && batch.Taken < batch.Max)
                {
                    if (TryTake(messages[index], ref batch, group) == TakeResult.Blocked)
                    {
                        blocked = true; // still delayed: nothing behind it may go first; its delay's end makes the group ready
                        break;
                    }

                    index++;
                }

                group.Advance(index);
                more = !blocked && index < messages.Count;
            }
            finally
            {
                group.Release();
                if (more | Interlocked.Exchange(ref group.Recheck, 0) == 1 || group.MayHaveMessages())
                {
                    MarkReady(group);
                }
            }
        }
    }

    /// <summary>
    /// Retires the groups that are empty and had nothing sent to them since the previous sweep, so that a queue whose
    /// group ids keep changing does not keep one group per id forever, while a group in steady use keeps its one object
    /// (retiring it at every drain would cost a directory removal and a new group per message). Runs on a publishing
    /// thread once at least <see cref="GroupSweepEvery"/> publications, and at least twice as many as the directory held at
    /// the last sweep, have passed since the last (a group whose id comes back within an interval is never retired; twice,
    /// so that the sweeps visit at most one group for every two publications), but no
    /// more than <see cref="GroupSweepMost"/>: with a new group id for every message, each interval would be the sum of
    /// the two before (what a sweep sees is what the one before kept and what came since), and the directory would grow
    /// with the traffic. Ids that come back less often than that are retired and made again: correct, at the price of a
    /// group a message. Nor fewer than the idle groups the sweep could not retire (held, or holding messages: a backlog
    /// spread over many groups), which the next sweep visits again. So amortised, a constant cost per message. Lock-free
    /// apart from the directory's own removal; a group held by a receiver is left for the next sweep.
    /// </summary>
    internal void SweepIdleGroups()
    {
        if (Interlocked.CompareExchange(ref sweepingGroups, 1, 0) != 0)
        {
            return;
        }

        try
        {
            var seen = 0;
            var kept = 0; // idle since the last sweep, yet not retired: held, or holding messages

            // The groups the last sweep kept, in the order they were made (their objects mostly side by side), then the
            // ones made since; the next ones' lines are fetched a few groups ahead.
            var previous = sweepOrder;
            var arrived = Interlocked.Exchange(ref newGroups, null);
            var newCount = 0;
            for (var group = arrived; group is not null; group = group.NextNew)
            {
                newCount++;
            }

            // Sized by what the sweep may keep, not by the arrays' lengths: with group ids that keep changing, most groups
            // retire at each sweep, and the arrays must not grow with the traffic.
            var count = sweepCount;
            var next = sweepSpare.Length >= count + newCount ? sweepSpare : new FifoGroup?[count + newCount];
            var stays = 0;
            for (var i = 0; i < count; i++)
            {
                var group = previous[i]!;
                if (i + SweepPrefetchDistance < count)
                {
                    previous[i + SweepPrefetchDistance]!.PrefetchForSweep();
                }

                seen++;
                if (Visit(group, ref kept))
                {
                    next[stays++] = group;
                }

                previous[i] = null;
            }

            for (var group = arrived; group is not null;)
            {
                var after = group.NextNew;
                group.NextNew = null;
                seen++;
                if (Visit(group, ref kept))
                {
                    next[stays++] = group;
                }

                group = after;
            }

            sweepOrder = next;
            sweepCount = stays;
            sweepSpare = previous;
            Volatile.Write(ref nextGroupSweepAt, nextSequence.Read() + Math.Max(Math.Clamp(2L * seen, GroupSweepEvery, GroupSweepMost), kept));
            ResizeGroupCache(seen);
        }
        finally
        {
            Volatile.Write(ref sweepingGroups, 0);
        }
    }

    /// <summary>
    /// One group's turn in <see cref="SweepIdleGroups"/>: marked idle if something was sent to it since the last sweep,
    /// retired if it was idle since then and is empty; false when it retired (it leaves the sweep's list).
    /// </summary>
    private bool Visit(FifoGroup group, ref int kept)
    {
        if (Volatile.Read(ref group.Idle) == 0)
        {
            // Active since the last sweep: idle from now on. A push that clears the mark just before this write loses its
            // clear; the group then retires at the next sweep only if it is empty by then, as any group that had nothing
            // sent for one sweep would (TryRetire checks), so no interlocked write here.
            Volatile.Write(ref group.Idle, 1);
            return true;
        }

        if (!group.TryClaim())
        {
            kept++;
            return true; // held by a receiver
        }

        var retired = false;
        try
        {
            if (group.TryRetire(ref retiredGroupSequence))
            {
                RemoveRetired(group);
                retired = true;
            }
        }
        finally
        {
            group.Release();

            // A receiver that found it held, or a message that arrived meanwhile: queue it again, as a receiver letting
            // go of it would, and wake a receiver (the one that found it held may have gone back to wait).
            if (!retired)
            {
                kept++;
                if (Interlocked.Exchange(ref group.Recheck, 0) == 1 || group.MayHaveMessages())
                {
                    MarkReady(group);
                    receivers.Wake(1);
                }
            }
        }

        return !retired;
    }

    /// <summary>
    /// Puts a group the directory just handed out on <see cref="newGroups"/> for the next sweep, once: whichever caller
    /// gets it first from the directory (a group a racing factory made and the directory did not keep is never handed out).
    /// </summary>
    private void RegisterForSweep(FifoGroup group)
    {
        if (Volatile.Read(ref group.Registered) != 0 || Interlocked.CompareExchange(ref group.Registered, 1, 0) != 0)
        {
            return;
        }

        var top = Volatile.Read(ref newGroups);
        while (true)
        {
            group.NextNew = top;
            var seen = Interlocked.CompareExchange(ref newGroups, group, top);
            if (seen == top)
            {
                return;
            }

            top = seen;
        }
    }

    /// <summary>
    /// After a sweep that saw <paramref name="groups"/> groups: a cache of about four entries per group, replaced (empty,
    /// refilled by the sends that miss it) when it is under half or over four times that.
    /// </summary>
    private void ResizeGroupCache(int groups)
    {
        var wanted = (int)Math.Min(MaxGroupCache, BitOperations.RoundUpToPowerOf2((uint)Math.Max(MinGroupCache, groups * 4)));
        var length = Volatile.Read(ref groupCache).Length;
        if (wanted > length * 2 || wanted * 4 < length)
        {
            Volatile.Write(ref groupCache, new GroupCacheEntry[wanted]);
        }
    }

    /// <summary>Queues the group for receivers unless it is locked or already queued.</summary>
    private void MarkReady(FifoGroup group)
    {
        if (Volatile.Read(ref group.InFlight) == 0 && Interlocked.CompareExchange(ref group.Queued, 1, 0) == 0)
        {
            ready!.Enqueue(group);
        }
    }

    /// <summary>
    /// The group of a FIFO message whose state names <paramref name="slotIndex"/>: the one the slot names, else the
    /// directory's. The slot's is taken only if the slot still holds the message after the group was read (a visibility
    /// end calls this after its CAS, when a removal may already have vacated the slot and a send reused it for another
    /// group; a message once removed never comes back to a slot), and only if it is not retired (the send found it
    /// retired and published the message into the group that replaced it). A vacated slot names no group.
    /// </summary>
    private FifoGroup GroupOf(QueueMessage message, int slotIndex)
    {
        if (slotIndex >= 0)
        {
            ref var slot = ref slots[slotIndex];
            if (Volatile.Read(ref slot.Group) is { IsRetired: false } group && ReferenceEquals(Volatile.Read(ref slot.Message), message))
            {
                return group;
            }
        }

        return groups![message.Extras!.MessageGroupId!];
    }

    /// <summary>
    /// A FIFO message left flight (deleted, expired or moved): when its group has none left in flight, it unlocks, and
    /// <see cref="Settle"/> wakes a receiver for it.
    /// </summary>
    private void FifoInFlightEnded(QueueMessage message, int slotIndex, ref RemovalTally tally)
    {
        var group = GroupOf(message, slotIndex);
        if (Interlocked.Decrement(ref group.InFlight) == 0)
        {
            MarkReady(group);
            tally.Unlocked++;
        }
    }

    /// <summary>A FIFO message is visible again: back in front of its group, or (after its delay) the group becomes ready.</summary>
    private void FifoVisible(QueueMessage message, int slotIndex, bool fromInFlight)
    {
        var group = GroupOf(message, slotIndex);
        if (fromInFlight)
        {
            group.Return(message);
            if (Interlocked.Decrement(ref group.InFlight) == 0)
            {
                MarkReady(group);
            }
        }
        else
        {
            MarkReady(group);
        }
    }

    private void ClearDeduplication() => deduplication?.Clear();

    private void ReleaseReservation(int size, QueueSettings current)
    {
        if (current.HasCaps)
        {
            Interlocked.Decrement(ref storedCount.Value);
            Interlocked.Add(ref storedBytes.Value, -size);
        }
    }

    /// <summary>FIFO: a queue delay change also applies to messages still inside their delay.</summary>
    private void RescheduleDelays(long delayTicks)
    {
        var retentionTicks = Settings.RetentionTicks;
        ForEachTrackedMessage(
            (queue, message, state, _) =>
            {
                if (MessageState.Status(state) == MessageStatus.Delayed)
                {
                    var slotIndex = MessageState.Slot(state);
                    var deadline = message.SentAt + delayTicks;
                    Volatile.Write(ref queue.slots[slotIndex].Deadline, deadline);
                    queue.timer.Schedule(new TimerTicket(Math.Min(deadline, message.SentAt + retentionTicks), slotIndex, MessageState.ReceiveCount(state), TicketKind.Delay));
                }

                return true;
            },
            0);
    }

    private int attemptsSinceTrim;

    /// <summary>
    /// A retried receive (same ReceiveRequestAttemptId within 5 minutes) gets the same messages and handles, as long as
    /// none of them was deleted or had its visibility changed since (SQS: "modified"); their visibility timeout starts
    /// again. A change is seen as a visibility deadline other than the one the attempt set.
    /// </summary>
    private bool TryRepeatAttempt(string attemptId, long visibilityTicks, out IReadOnlyList<ReceivedMessage> messages)
    {
        messages = NoMessages;
        var now = Now();
        if (!attempts!.TryGetValue(attemptId, out var attempt) || attempt.ExpiresAt <= now)
        {
            return false;
        }

        for (var i = 0; i < attempt.Messages.Count; i++)
        {
            var receipt = attempt.Messages[i].Receipt;
            ref var slot = ref slots[receipt.Slot];
            var message = Volatile.Read(ref slot.Message);
            if (message is null || !receipt.Matches(message) || Volatile.Read(ref message.State) is var state
                && (MessageState.Status(state) != MessageStatus.InFlight || MessageState.Slot(state) != receipt.Slot || MessageState.ReceiveCount(state) != receipt.ReceiveCount)
                || Volatile.Read(ref slot.Deadline) != attempt.Deadlines[i])
            {
                return false;
            }
        }

        var deadline = now + visibilityTicks;
        var deadlines = new long[attempt.Messages.Count];
        for (var i = 0; i < attempt.Messages.Count; i++)
        {
            var receipt = attempt.Messages[i].Receipt;
            ref var slot = ref slots[receipt.Slot];
            if (Interlocked.CompareExchange(ref slot.Deadline, deadline, attempt.Deadlines[i]) != attempt.Deadlines[i])
            {
                return false; // changed, or its timeout is ending right now: the retry receives afresh
            }

            deadlines[i] = deadline;
            timer.Schedule(new TimerTicket(deadline, receipt.Slot, receipt.ReceiveCount, TicketKind.Visibility));
        }

        attempts![attemptId] = attempt with { Deadlines = deadlines };
        messages = attempt.Messages;
        return true;
    }

    private void RememberAttempt(string attemptId, IReadOnlyList<ReceivedMessage> messages)
    {
        var now = Now();
        if (Interlocked.Increment(ref attemptsSinceTrim) % 1024 == 0)
        {
            foreach (var (id, old) in attempts!)
            {
                if (old.ExpiresAt <= now)
                {
                    attempts!.TryRemove(id, out _);
                }
            }
        }

        var deadlines = new long[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            deadlines[i] = Volatile.Read(ref slots[messages[i].Receipt.Slot].Deadline);
        }

        attempts![attemptId] = new ReceiveAttempt(now + DeduplicationInterval.Ticks, messages, deadlines);
    }

    /// <param name="ExpiresAt">When the attempt id stops working, UTC ticks.</param>
    /// <param name="Messages">What the attempt returned.</param>
    /// <param name="Deadlines">Each message's visibility deadline as the attempt set it: any other means it was changed.</param>
    private sealed record ReceiveAttempt(long ExpiresAt, IReadOnlyList<ReceivedMessage> Messages, long[] Deadlines);

    /// <summary>What a FIFO queue's deduplication record answers a duplicate with.</summary>
    /// <param name="MessageSequence">The original's queue sequence, its message id.</param>
    /// <param name="GroupSequence">The original's sequence number in its group; 0 until it is in its group.</param>
    private readonly record struct FifoOriginal(long MessageSequence, long GroupSequence);

    public string? FormatSequenceNumber(QueueMessage message) =>
        isFifo && message.Extras is { } extras
            ? (extras.SequenceNumber != 0 ? extras.SequenceNumber : OriginalGroupSequence(extras)).ToString("D20", CultureInfo.InvariantCulture)
            : null;

    /// <summary>
    /// The answer of a duplicate that raced its original's send: the original's group sequence number, looked up by the
    /// deduplication key when first asked for. The original gets its number a few instructions after its record went in,
    /// so this spins (never sleeping) only if it is asked at that very moment; 0 if the record is gone (purged).
    /// </summary>
    private long OriginalGroupSequence(MessageExtras extras)
    {
        if (extras.DeduplicationKey is not { } key || deduplication is null)
        {
            return 0;
        }

        var keyHash = deduplication.Hash(key);
        var spinner = default(SpinWait);
        for (var tries = 0; tries < 1_000; tries++)
        {
            if (!deduplication.TryGet(keyHash, Now(), out var original))
            {
                return 0;
            }

            if (original.GroupSequence != 0)
            {
                extras.SequenceNumber = original.GroupSequence;
                return original.GroupSequence;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        return 0;
    }

}
