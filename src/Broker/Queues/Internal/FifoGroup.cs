using System.Runtime.InteropServices;
using Broker.Internal;

namespace Broker.Queues.Internal;

/// <summary>
/// One message group of a FIFO queue.
/// <para>
/// A sender takes the group's next sequence number (an interlocked increment of <see cref="issued"/>) and then pushes
/// its message onto <see cref="incoming"/>, a Treiber stack whose nodes are the messages' own extras
/// (<see cref="MessageExtras.Grouped"/>: no object per message beyond them); the stack is null when empty. A number
/// never depends on what the stack holds, so a push has no ABA to fear and the stack needs no sentinel: a drain takes
/// the whole stack with one compare-and-swap and leaves nothing behind. (An earlier design kept the last node drained
/// as the stack's bottom, carrying the last number: with thousands of groups, thousands of young nodes that every
/// collection had to promote.) Two senders of one group may push in the other order than they took their numbers;
/// the drain puts what it took in number order and moves into <see cref="ordered"/> only the run that continues the
/// numbers collected so far, holding back anything after a gap in <see cref="waiting"/> until the sender of the
/// missing number has pushed it (and made the group ready, as every publication does). So messages leave the group in
/// exactly the order of their numbers, and numbers increase in the order messages are delivered.
/// </para>
/// <para>
/// Receivers claim the group with a CAS on <see cref="Claimed"/> (no lock); only the claimer touches
/// <see cref="ordered"/>, <see cref="waiting"/> and <see cref="collected"/>. A claimer takes nothing while
/// <see cref="InFlight"/> is above zero: the group stays locked while any of its received messages is in flight.
/// Messages whose visibility ends go to <see cref="returned"/> (an immutable array swapped by CAS, sorted by sequence)
/// and come back before everything behind them.
/// </para>
/// </summary>
/// <param name="id">The MessageGroupId.</param>
/// <param name="lastSequence">
/// The number the group's numbering continues from: at least the last number of any earlier group with this id, so that
/// a group retired while empty and created again keeps increasing its numbers, as SQS's do for a MessageGroupId.
/// </param>
internal sealed class FifoGroup(string id, long lastSequence = 0)
{
    /// <summary>What a retired group's <see cref="incoming"/> holds: no sender pushes onto it, and it never holds a message.</summary>
    private static readonly MessageExtras.Grouped RetiredMark = MessageExtras.Grouped.Empty();

    /// <summary>The pushed messages not yet collected, newest first; null when none; <see cref="RetiredMark"/> once retired.</summary>
    private MessageExtras.Grouped? incoming;

    /// <summary>The last sequence number a sender took.</summary>
    private long issued = lastSequence;

    /// <summary>Claimer only: the last number moved into <see cref="ordered"/>; every number up to it has been.</summary>
    private long collected = lastSequence;

    private QueueMessage[] returned = [];
    private readonly List<QueueMessage> ordered = [];

    /// <summary>Claimer only: messages collected past a gap in the numbers, in number order; null when none.</summary>
    private List<QueueMessage>? waiting;

    /// <summary>Taken and dead messages before <see cref="head"/> are cleared at once, so nothing deleted stays reachable.</summary>
    private int head;

    public string Id { get; } = id;

    /// <summary>1 while a receiver holds the group.</summary>
    public int Claimed;

    /// <summary>Received messages of the group not yet deleted or returned.</summary>
    public int InFlight;

    /// <summary>1 while the group sits in the queue's ready list.</summary>
    public int Queued;

    /// <summary>Set by a receiver that found the group held: the holder makes it ready again as it lets go.</summary>
    public int Recheck;

    /// <summary>
    /// Set by the queue's sweep of idle groups, cleared by every push: a group still marked at the next sweep has had
    /// nothing sent to it since the last one, and retires if it is empty.
    /// </summary>
    public int Idle;

    /// <summary>1 once the group was put on its queue's list of groups for the sweep of idle groups.</summary>
    public int Registered;

    /// <summary>The next group on the queue's stack of groups made since the last sweep.</summary>
    public FifoGroup? NextNew;

    /// <summary>Starts bringing the line the sweep of idle groups reads (<see cref="Idle"/>) into the cache (a hint).</summary>
    public void PrefetchForSweep() => CacheHints.Prefetch(ref Idle);

    /// <summary>
    /// Sender: numbers and publishes <paramref name="message"/> unless the group has left the directory. False means
    /// "look the group up again": it was retired, and the directory's next group for its id numbers and takes the
    /// message (the number taken here is never used).
    /// <para>
    /// A push and the holder's retirement are both a CAS on <see cref="incoming"/>: the retirement swaps null (empty) for
    /// <see cref="RetiredMark"/>, so either the push lands first (and the retirement fails, the group keeps its message)
    /// or the retirement does (and the push sees the mark).
    /// </para>
    /// </summary>
    public bool TryPush(QueueMessage message)
    {
        TakeNumber(message);
        return TryPushNumbered(message);
    }

    /// <summary>The first step of <see cref="TryPush"/>: gives the message the group's next sequence number.</summary>
    internal void TakeNumber(QueueMessage message)
    {
        var node = (MessageExtras.Grouped)message.Extras!;
        node.StackMessage = message;
        node.Sequence = Interlocked.Increment(ref issued);
    }

    /// <summary>The second step of <see cref="TryPush"/>: publishes a message that took its number.</summary>
    internal bool TryPushNumbered(QueueMessage message)
    {
        var node = (MessageExtras.Grouped)message.Extras!;
        var top = Volatile.Read(ref incoming);
        while (true)
        {
            if (ReferenceEquals(top, RetiredMark))
            {
                return false;
            }

            node.StackNext = top;
            var seen = Interlocked.CompareExchange(ref incoming, node, top);
            if (seen == top)
            {
                if (Idle != 0)
                {
                    Idle = 0;
                }

                return true;
            }

            top = seen;
        }
    }

    public bool IsRetired => ReferenceEquals(Volatile.Read(ref incoming), RetiredMark);

    /// <summary>
    /// Starts bringing the group's two lines into the cache (a hint; <see cref="CacheHints.Prefetch{T}"/>): its stack and
    /// numbers, and its flags. A sender that found the group and has other work before it pushes, or a receiver that
    /// takes another group before this one, overlaps the miss (the other side wrote the group last).
    /// </summary>
    public void Prefetch()
    {
        CacheHints.Prefetch(ref issued);
        CacheHints.Prefetch(ref Queued); // the flags a push's MarkReady and a take's claim touch: on the object's second line when it spans two
    }

    /// <summary>
    /// Holder only (it has the claim): retires the group when nothing is in it, in flight, or on its way, so that a
    /// queue whose group ids are all distinct does not keep one group per id forever. True when the caller should
    /// remove it from the directory.
    /// </summary>
    /// <param name="retiredSequence">The queue's highest number of any retired group: raised to this group's last
    /// number before the group can leave the directory, so that the next group with this id starts above it.</param>
    public bool TryRetire(ref long retiredSequence)
    {
        // In this order: a message whose visibility ends goes into the returned list before it stops counting as in
        // flight, so a count of 0 read first means the check of that list, after it, sees such a message.
        if (Volatile.Read(ref InFlight) != 0 || head < ordered.Count || waiting is { Count: > 0 } || Volatile.Read(ref Recheck) != 0
            || Volatile.Read(ref returned).Length != 0 || Volatile.Read(ref incoming) is not null)
        {
            return false;
        }

        // A number taken and not pushed yet: its sender is between the two steps (it would find the group retired and
        // go to the next one, which is correct, but leaving the group be is as good and simpler to reason about).
        var last = Volatile.Read(ref issued);
        if (last != collected)
        {
            return false;
        }

        // Raised before the group can be seen retired. A sender that takes a number after the read above finds the group
        // retired (the CAS below needs the stack still empty) and is numbered by the next group, from this floor on; a
        // failed retirement leaves the floor raised, which is harmless (numbers need only increase, not be consecutive).
        AtomicMax.Raise(ref retiredSequence, last);
        return Interlocked.CompareExchange(ref incoming, RetiredMark, null) is null;
    }

    /// <summary>
    /// Start-up of a durable broker, before anyone sees the queue: appends a recovered message, which keeps the
    /// sequence number it had (recovery hands them over in number order); the group's numbering continues above
    /// <paramref name="numberingFloor"/> and the message's number.
    /// </summary>
    public void PushRestored(QueueMessage message, long numberingFloor)
    {
        ordered.Add(message);
        var last = Math.Max(Math.Max(numberingFloor, message.Extras!.SequenceNumber), issued);
        issued = last;
        collected = last;
    }

    /// <summary>Puts a message whose visibility ended back in front of later messages.</summary>
    public void Return(QueueMessage message)
    {
        while (true)
        {
            var current = Volatile.Read(ref returned);
            var next = new QueueMessage[current.Length + 1];
            var at = 0;
            while (at < current.Length && current[at].Extras!.SequenceNumber < message.Extras!.SequenceNumber)
            {
                at++;
            }

            Array.Copy(current, next, at);
            next[at] = message;
            Array.Copy(current, at, next, at + 1, current.Length - at);
            if (Interlocked.CompareExchange(ref returned, next, current) == current)
            {
                return;
            }
        }
    }

    public bool TryClaim() => Interlocked.CompareExchange(ref Claimed, 1, 0) == 0;

    /// <summary>Claimer only: the messages in group order, returned ones first, starting at the head.</summary>
    public List<QueueMessage> Collect(out int start)
    {
        var back = Volatile.Read(ref returned).Length == 0 ? [] : Interlocked.Exchange(ref returned, []);
        var top = Volatile.Read(ref incoming);
        while (top is not null && !ReferenceEquals(top, RetiredMark))
        {
            var seen = Interlocked.CompareExchange(ref incoming, null, top);
            if (seen == top)
            {
                Take(top);
                break;
            }

            top = seen;
        }

        if (back.Length > 0)
        {
            // Returned messages come before everything still waiting (they were received before it).
            ordered.RemoveRange(0, head);
            head = 0;
            ordered.InsertRange(0, back);
        }

        start = head;
        return ordered;
    }

    /// <summary>
    /// Claimer only: moves a stack taken off <see cref="incoming"/> (newest first) into <see cref="ordered"/>, in number
    /// order, up to the first gap in the numbers; what is past the gap waits in <see cref="waiting"/>.
    /// </summary>
    private void Take(MessageExtras.Grouped top)
    {
        // The stack holds the newest first: count it, then fill the new tail of the list from its end, unlinking each
        // node, so that a message's extras, which live as long as the message, hold neither another message nor the
        // chain below.
        var arrived = 0;
        for (var node = top; node is not null; node = node.StackNext)
        {
            arrived++;
        }

        var from = ordered.Count;
        var end = from + arrived;
        CollectionsMarshal.SetCount(ordered, end);
        var tail = CollectionsMarshal.AsSpan(ordered);
        for (var node = top; node is not null;)
        {
            tail[--end] = node.StackMessage!;
            var next = node.StackNext;
            node.StackMessage = null;
            node.StackNext = null;
            node = next;
        }

        // The usual case: one sender at a time, so the numbers continue those collected, one by one.
        var expected = collected;
        var inOrder = waiting is not { Count: > 0 };
        for (var i = from; inOrder && i < tail.Length; i++)
        {
            inOrder = tail[i].Extras!.SequenceNumber == ++expected;
        }

        if (inOrder)
        {
            collected = expected;
            return;
        }

        TakeOutOfOrder(from);
    }

    /// <summary>
    /// <see cref="Take"/> when senders pushed in another order than they were numbered, or a number is missing: sorts
    /// what arrived with what waited and keeps in <see cref="ordered"/> only the run that continues the numbers.
    /// </summary>
    private void TakeOutOfOrder(int from)
    {
        var arrived = ordered.GetRange(from, ordered.Count - from);
        ordered.RemoveRange(from, arrived.Count);
        if (waiting is { Count: > 0 } held)
        {
            arrived.AddRange(held);
            held.Clear();
        }

        arrived.Sort(static (a, b) => a.Extras!.SequenceNumber.CompareTo(b.Extras!.SequenceNumber));
        var i = 0;
        while (i < arrived.Count && arrived[i].Extras!.SequenceNumber == collected + 1)
        {
            ordered.Add(arrived[i]);
            collected++;
            i++;
        }

        if (i < arrived.Count)
        {
            // The missing number's sender has not pushed yet; its push makes the group ready again.
            (waiting ??= []).AddRange(arrived.Skip(i));
        }
    }

    /// <summary>Claimer only: everything before <paramref name="newHead"/> is taken or dead.</summary>
    public void Advance(int newHead)
    {
        if (newHead >= ordered.Count)
        {
            ordered.Clear();
            head = 0;
            return;
        }

        for (var i = head; i < newHead; i++)
        {
            ordered[i] = null!; // taken or dead: let it go now, not at the next compaction
        }

        head = newHead;
        if (head > 64 && head * 2 > ordered.Count)
        {
            ordered.RemoveRange(0, head);
            head = 0;
        }
    }

    /// <summary>Whether messages arrived or came back since the last collect (safe from any thread).</summary>
    public bool MayHaveMessages() =>
        Volatile.Read(ref returned).Length > 0 || Volatile.Read(ref incoming) is { } top && !ReferenceEquals(top, RetiredMark);

    public void Release() => Interlocked.Exchange(ref Claimed, 0);
}
