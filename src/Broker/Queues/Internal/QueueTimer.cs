using System.Collections.Concurrent;

namespace Broker.Queues.Internal;

/// <summary>What a timer ticket is for.</summary>
internal enum TicketKind : byte
{
    /// <summary>A receipt's visibility timeout ends.</summary>
    Visibility,

    /// <summary>The visibility timeouts of the receipts one receive call issued end (<see cref="TimerTicket.Receipts"/>).</summary>
    Visibilities,

    /// <summary>A delayed message's delay ends.</summary>
    Delay,

    /// <summary>A tracked message's retention period ends.</summary>
    Retention,

    /// <summary>The oldest never-received messages at the head of the visible queue may have expired.</summary>
    Sweep,
}

/// <summary>
/// A deadline for one slot's receipt, or with <see cref="TicketKind.Visibilities"/> for the receipts of one receive call,
/// which share their deadline. Holds no reference to a message, so a ticket of a deleted message keeps nothing alive;
/// when due, the queue checks it against the slot and ignores it if the slot moved on.
/// </summary>
/// <param name="Deadline">When it is due, UTC ticks.</param>
/// <param name="Slot">The receipt's slot (-1 for a sweep or a batch).</param>
/// <param name="ReceiveCount">The receipt's receive count (a sweep: its generation).</param>
/// <param name="Kind">What is due.</param>
/// <param name="Receipts">For <see cref="TicketKind.Visibilities"/>: each receipt packed by <see cref="Pack"/>.</param>
internal readonly record struct TimerTicket(long Deadline, int Slot, int ReceiveCount, TicketKind Kind, long[]? Receipts = null)
{
    public static long Pack(int slot, int receiveCount) => ((long)slot << 32) | (uint)receiveCount;

    /// <summary>The <see cref="TicketKind.Visibility"/> ticket of the <paramref name="index"/>th receipt of a batch.</summary>
    public TimerTicket Single(int index) =>
        new(Deadline, (int)(Receipts![index] >> 32), (int)Receipts[index], TicketKind.Visibility);
}

/// <summary>Receives due tickets. Called by one thread at a time.</summary>
internal interface ITicketHandler
{
    long Now();

    void OnDue(in TimerTicket ticket, long now);

    bool IsStale(in TimerTicket ticket);
}

/// <summary>
/// The one timer mechanism of a queue: delays, visibility timeouts and retention all become tickets here, and one
/// <see cref="ITimer"/> from the broker's <see cref="TimeProvider"/> fires at the earliest deadline.
/// <para>
/// Lock-free: schedulers only enqueue to <see cref="incoming"/> (a <see cref="ConcurrentQueue{T}"/>) and, when their
/// deadline is earlier than the armed one, ask for a run. A run is serialised by <see cref="running"/>: whoever wins the
/// flag drains <see cref="incoming"/> into a private heap (dropping stale tickets), fires what is due, and re-arms the
/// timer. A request that arrives while a run is active sets <see cref="runRequested"/>, and the active run goes round
/// again, so no request is lost and nobody blocks. Runs are also requested every <see cref="DrainEvery"/> tickets, which
/// keeps the tickets of messages deleted long before their deadline from piling up.
/// </para>
/// </summary>
internal sealed class QueueTimer : IDisposable
{
    private const int DrainEvery = 4096;
    private const int MinCompactSize = 1024;
    private const int MaxRoundsPerCall = 4;

    private readonly ITicketHandler handler;
    private readonly ITimer timer;
    private readonly ConcurrentQueue<TimerTicket> incoming = new();

    /// <summary>Only the thread holding <see cref="running"/> touches the heap.</summary>
    private readonly TicketHeap heap = new();
    private int compactAt = MinCompactSize;

    /// <summary>The deadline the timer is armed for; <see cref="long.MaxValue"/> when idle. Written by the runner only.</summary>
    private long armedAt = long.MaxValue;
    private int running;
    private int runRequested;
    private int scheduledSinceDrain;
    private volatile bool disposed;

    public QueueTimer(ITicketHandler handler, TimeProvider timeProvider)
    {
        this.handler = handler;
        timer = timeProvider.CreateTimer(static state => ((QueueTimer)state!).RequestRun(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Called after each run that released the running flag; null (one null check per run) unless the broker has an
    /// observer, which Broker.Testing's idle check needs: a run requested by the clock may be served by another thread
    /// that holds the run, after the clock's own call has returned.
    /// </summary>
    public Action? RunEnded { get; init; }

    /// <summary>Whether a run is active or requested (messages may be about to become visible or expire).</summary>
    public bool IsRunning => Volatile.Read(ref running) != 0 || Volatile.Read(ref runRequested) != 0;

    /// <summary>Heap size as of the last run, readable from any thread.</summary>
    private int heapCount;

    /// <summary>Tickets waiting in the heap and the incoming queue (for tests and diagnostics).</summary>
    public int PendingCount => incoming.Count + Volatile.Read(ref heapCount);

    public void Schedule(in TimerTicket ticket)
    {
        incoming.Enqueue(ticket);
        AfterSchedule(ticket.Deadline, 1);
    }

    public void AfterSchedule(long earliestDeadline, int count)
    {
        var sinceDrain = Interlocked.Add(ref scheduledSinceDrain, count);
        if (earliestDeadline < Volatile.Read(ref armedAt) || sinceDrain >= DrainEvery)
        {
            RequestRun();
        }
    }

    public void Enqueue(in TimerTicket ticket) => incoming.Enqueue(ticket);

    /// <summary>Runs now on this thread, or makes the active run go round again.</summary>
    public void RequestRun()
    {
        Interlocked.Exchange(ref runRequested, 1);
        while (Interlocked.CompareExchange(ref running, 1, 0) == 0)
        {
            try
            {
                // Bounded: a stream of schedulers must not keep one caller here forever. Past the bound the timer is
                // armed to fire at once, and a pool thread takes over.
                for (var rounds = 0; Interlocked.Exchange(ref runRequested, 0) == 1; rounds++)
                {
                    RunOnce(handOff: rounds >= MaxRoundsPerCall);
                }
            }
            finally
            {
                Interlocked.Exchange(ref running, 0);
            }

            // A request that came after our last check but before we released the flag is ours to serve.
            if (Volatile.Read(ref runRequested) == 0)
            {
                RunEnded?.Invoke();
                return;
            }
        }
    }

    private void RunOnce(bool handOff)
    {
        if (disposed)
        {
            return;
        }

        Interlocked.Exchange(ref scheduledSinceDrain, 0);
        while (incoming.TryDequeue(out var ticket))
        {
            if (!handler.IsStale(ticket))
            {
                heap.Push(ticket);
            }
        }

        var now = handler.Now();
        while (heap.TryPeek(out var due) && due.Deadline <= now)
        {
            heap.Pop();
            handler.OnDue(due, now);
        }

        if (heap.Count > compactAt)
        {
            Compact();
        }

        Volatile.Write(ref heapCount, heap.Count);
        var next = heap.TryPeek(out var earliest) ? earliest.Deadline : long.MaxValue;
        Interlocked.Exchange(ref armedAt, next);
        if (!disposed)
        {
            Arm(next == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromTicks(next - now));
        }

        // A ticket enqueued after the drain may be earlier than what we armed for: go round again, or hand off.
        if (!incoming.IsEmpty && !disposed)
        {
            if (handOff)
            {
                Interlocked.Exchange(ref armedAt, now);
                Arm(TimeSpan.FromTicks(1));
            }
            else
            {
                Interlocked.Exchange(ref runRequested, 1);
            }
        }
    }

    /// <summary>Re-arms the timer; a queue deleted at this very moment has disposed it, which is fine to ignore.</summary>
    private void Arm(TimeSpan dueTime)
    {
        try
        {
            timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Drops stale tickets from the heap, in place, once it has doubled since the last compaction.</summary>
    private void Compact()
    {
        heap.RemoveStale(handler);
        compactAt = Math.Max(MinCompactSize, heap.Count * 2);
    }

    public void Dispose()
    {
        disposed = true;
        timer.Dispose();
    }
}
