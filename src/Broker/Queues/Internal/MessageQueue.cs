using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Broker.Durability.Internal;
using Broker.Internal;

namespace Broker.Queues.Internal;

/// <summary>
/// The in-process standard queue. Split by feature: sending, receiving, deleting and visibility, expiry and timers,
/// attributes and purge.
/// <para>
/// Where a message is: a never-received, never-delayed message sits in <see cref="visible"/> only. A delayed or
/// received message also holds a <see cref="SlotTable"/> slot, which its receipt handle and timer tickets name.
/// Every transition is one CAS on <see cref="QueueMessage.State"/>; whoever wins it adjusts the counters and does the
/// follow-up (enqueue, free the slot, wake a waiter). A message may still sit in <see cref="visible"/> after it was
/// deleted or expired; receivers and the sweep skip such entries.
/// </para>
/// <para>
/// Retention: never-received messages enter <see cref="visible"/> in send order, so one sweep ticket for the oldest of
/// them suffices. Every other message (delayed, or back from a visibility timeout) has its own retention ticket.
/// </para>
/// </summary>
internal sealed partial class MessageQueue : IMessageQueue, ITicketHandler, IDisposable
{
    private readonly MessageBroker broker;
    private readonly BrokerMetrics metrics;

    /// <summary>The broker's observer, read once; null unless Broker.Testing's harness built the broker.</summary>
    private readonly BrokerObserverGuard? observer;
    private readonly TimeProvider time;
    private readonly SegmentedQueue<QueueMessage> visible = new();
    private readonly SlotTable slots = new();
    private readonly QueueTimer timer;
    private readonly WaiterList receivers = new();
    private readonly WaiterList senders = new();
    private readonly BodyArena bodies = new();
    private readonly ulong handleKey;
    private readonly ulong idPrefix;

    /// <summary>The durable broker's journal, or null (in memory, the default, or a queue created with <see cref="QueueOptions.Durable"/> false).</summary>
    private readonly DurableStore? store;

    private QueueSettings settings;

    /// <summary>
    /// The last message sequence given (message ids derive from it). On a cache line of its own: every send increments it,
    /// and fields that every send and receive read (the settings, the counters, the deleted flag) must not share its
    /// line, whatever fields are added around it.
    /// </summary>
    private PaddedCounter nextSequence;

    private readonly StripedCounter visibleCount = new();
    private readonly StripedCounter inFlightCount = new();
    private readonly StripedCounter delayedCount = new();

    /// <summary>Set by a receive that found the in-flight limit reached; the next in-flight removal clears it and wakes a long poll.</summary>
    private volatile bool inFlightLimitHit;
    private PaddedCounter storedCount;
    private PaddedCounter storedBytes;
    private int sweepScheduled;

    /// <summary>FIFO: the deadline of the armed sweep of the slot table, UTC ticks; <see cref="long.MaxValue"/> when none is.</summary>
    private long fifoSweepArmedAt = long.MaxValue;

    private volatile bool deleted;
    private long lastModifiedAt;
    private long lastPurgeAt = long.MinValue;

    /// <summary>The highest sequence number of any FIFO group retired so far: a group created again continues above it.</summary>
    private long retiredGroupSequence;

    public MessageQueue(MessageBroker broker, string name, QueueSettings settings, RecoveredQueue? restored = null)
    {
        this.broker = broker;
        this.settings = settings;
        isFifo = settings.Options.FifoQueue;
        if (isFifo)
        {
            groups = new(StringComparer.Ordinal);
            groupCache = new GroupCacheEntry[MinGroupCache];
            ready = new();
            deduplication = new(DeduplicationInterval);
            attempts = new(StringComparer.Ordinal);
        }
        else
        {
            groupCache = NoGroupCache;
        }

        time = broker.TimeProvider;
        metrics = broker.Metrics;
        observer = broker.Observer;
        Name = name;
        Utf8Name = System.Text.Encoding.UTF8.GetBytes(name);
        Arn = $"arn:aws:sqs:{broker.Options.Region}:{broker.Options.AccountId}:{name}";
        store = settings.Options.Durable ? broker.Store : null;
        handleKey = restored?.HandleKey ?? RandomUInt64();
        idPrefix = restored?.IdPrefix ?? ((RandomUInt64() & 0xFFFF_FFFF_FFFF_0FFFUL) | 0x4000UL); // UUID version nibble 4
        CreatedAt = restored?.CreatedAt ?? Now();
        lastModifiedAt = restored?.LastModifiedAt ?? CreatedAt;
        timer = new QueueTimer(this, time) { RunEnded = observer is null ? null : () => observer.QueueTimerRan(this) };
    }

    public string Name { get; }

    /// <summary>The name in UTF-8, as the durable journal's per-message records carry it.</summary>
    public byte[] Utf8Name { get; }

    public string Arn { get; }

    public long CreatedAt { get; }

    public string AccountId => broker.Options.AccountId;

    public bool IsDeleted => deleted;

    /// <summary>The key the message ids derive from; a durable broker keeps it, so ids survive a restart.</summary>
    internal ulong IdPrefix => idPrefix;

    /// <summary>The key message ids and receipt handles are mixed with; a durable broker keeps it.</summary>
    internal ulong HandleKey => handleKey;

    /// <summary>The journal this queue's changes are recorded in; null unless the broker is durable and so is the queue.</summary>
    internal DurableStore? Store => store;

    /// <summary>The broker that owns the queue.</summary>
    internal MessageBroker Broker => broker;

    internal QueueSettings Settings => Volatile.Read(ref settings);

    /// <summary>Timer tickets not yet fired or dropped (tests use it to check that deleted messages leave nothing behind).</summary>
    internal int PendingTimerTickets => timer.PendingCount;

    /// <summary>Slots handed out at least once (for tests: slots a delete gives back are reused).</summary>
    internal int SlotHighWater => slots.HighWater;

    /// <summary>Whether the queue's timer is releasing due messages now (a visibility timeout, a delay or a retention end).</summary>
    internal bool TimerBusy => timer.IsRunning;

    /// <summary>
    /// Whether a receive could take a message now: a visible message, or in a FIFO queue a group that is not locked by a
    /// message in flight (a FIFO queue may hold visible messages that no receive can take until its group unlocks).
    /// </summary>
    internal bool HasReceivableMessages => isFifo ? !ready!.IsEmpty : visibleCount.Read() > 0;

    /// <summary>
    /// The earliest deadline (UTC ticks) of a message in <paramref name="status"/> (in flight: its visibility timeout;
    /// delayed: its delay), or null when there is none. Scans the slot table: a cold path, for Broker.Testing's reports.
    /// </summary>
    internal long? EarliestDeadline(MessageStatus status)
    {
        long? earliest = null;
        for (var index = 0; index < slots.HighWater; index++)
        {
            if (!slots.Exists(index))
            {
                continue;
            }

            ref var slot = ref slots[index];
            var message = Volatile.Read(ref slot.Message);
            if (message is null)
            {
                continue;
            }

            var state = Volatile.Read(ref message.State);
            var deadline = Volatile.Read(ref slot.Deadline);
            if (MessageState.Status(state) == status && MessageState.Slot(state) == index && deadline > 0 && (earliest is null || deadline < earliest))
            {
                earliest = deadline;
            }
        }

        return earliest;
    }

    public long Now() => time.GetUtcNow().UtcTicks;

    /// <summary>The message's id: its own, or for a dead-lettered message the one it had in its source queue.</summary>
    public string MessageIdOf(QueueMessage message) => message.Extras?.OriginalMessageId ?? FormatMessageId(message.Sequence);

    public string FormatMessageId(long sequence)
    {
        // The low half is a bijection of the sequence, so ids are unique per queue yet look random, like SQS's.
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, idPrefix);
        BitConverter.TryWriteBytes(bytes[8..], ReceiptHandleCodec.Mix((ulong)sequence ^ handleKey));
        return new Guid(bytes).ToString("D");
    }

    public string FormatReceiptHandle(in ReceiptHandleData receipt) => ReceiptHandleCodec.Format(receipt, handleKey);

    public void Dispose()
    {
        deleted = true;
        timer.Dispose();
        receivers.WakeAll();
        senders.WakeAll();
    }

    /// <summary>Adds to one of the broker's queue counters under this queue's tag, if anyone listens (hot paths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Count(Counter<long> counter, long delta)
    {
        if (delta != 0 && counter.Enabled)
        {
            counter.Add(delta, new KeyValuePair<string, object?>(BrokerMetrics.QueueTag, Name));
        }
    }

    private void ThrowIfDeleted()
    {
        if (deleted)
        {
            throw QueueDoesNotExist(Name);
        }
    }

    internal static BrokerException QueueDoesNotExist(string name) =>
        new(BrokerErrorCodes.QueueDoesNotExist, $"The specified queue does not exist: '{name}'. Create it with CreateQueue first, or check the name.");

    private static ulong RandomUInt64()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}
