using System.Runtime.InteropServices;
using Broker.Internal;

namespace Broker.Queues.Internal;

/// <summary>
/// One message group of a FIFO queue.
/// <para>
/// Senders push onto <see cref="incoming"/>, a Treiber stack whose nodes are the messages' own extras
/// (<see cref="MessageExtras.Grouped"/>: no object per message beyond them) and carry the group's sequence numbers: a
/// node's number is its predecessor's plus one, fixed in the same CAS that publishes it, so numbers increase in exactly
/// the order messages enter the group. The stack's bottom is a sentinel, a node without a message that carries the last
/// number collected. A drain takes the messages down to the sentinel and makes the node that was on top the new
/// sentinel, in place: it lets go of its message and of the nodes below it (whose links it clears, so that a message's
/// extras never keep an older message alive), and stays where it is, so senders pushing onto it meanwhile are
/// undisturbed. No node is ever on top twice (each message's extras are pushed once: whoever publishes a message
/// again, as a failed move task puts one back, gives it extras of its own), so the senders' CAS has no ABA,
/// and a drain allocates nothing.
/// </para>
/// <para>
/// Receivers claim the group with a CAS on <see cref="Claimed"/> (no lock); only the claimer touches
/// <see cref="ordered"/>. A claimer takes nothing while <see cref="InFlight"/> is above zero: the group stays locked
/// while any of its received messages is in flight. Messages whose visibility ends go to <see cref="returned"/>
/// (an immutable array swapped by CAS, sorted by sequence) and come back before everything behind them.
/// </para>
/// </summary>
/// <param name="id">The MessageGroupId.</param>
/// <param name="lastSequence">
/// The number the group's numbering continues from: at least the last number of any earlier group with this id, so that
/// a group retired while empty and created again keeps increasing its numbers, as SQS's do for a MessageGroupId.
/// </param>
internal sealed class FifoGroup(string id, long lastSequence = 0)
{
    /// <summary>
    /// What a retired group's <see cref="incoming"/> holds instead of a sentinel: no sender pushes onto it, and it never
    /// holds a message (nothing writes its fields).
    /// </summary>
    private static readonly MessageExtras.Grouped RetiredMark = MessageExtras.Grouped.Bottom(0);

    private MessageExtras.Grouped incoming = MessageExtras.Grouped.Bottom(lastSequence);

    /// <summary>Set by recovery only: the lowest number the group's next message may get, less one.</summary>
    private long numberingFloor;
    private QueueMessage[] returned = [];
    private readonly List<QueueMessage> ordered = [];

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

    /// <summary>
    /// Sender: publishes <paramref name="message"/> unless the group has left the directory. False means "look the group
    /// up again": it was retired, and the directory's next group for its id takes the message.
    /// <para>
    /// A push and the holder's retirement are both a CAS on <see cref="incoming"/>: the retirement swaps the empty sentinel
    /// for <see cref="RetiredMark"/>, so either the push lands first (and the retirement fails, the group keeps its
    /// message) or the retirement does (and the push sees the mark). A sender needs no other interlocked step.
    /// </para>
    /// </summary>
    public bool TryPush(QueueMessage message)
    {
        var node = (MessageExtras.Grouped)message.Extras!;
        node.StackMessage = message;
        while (true)
        {
            var top = Volatile.Read(ref incoming);
            if (ReferenceEquals(top, RetiredMark))
            {
                return false;
            }

            node.StackNext = top;
            node.Sequence = Math.Max(top.Sequence, numberingFloor) + 1;
            if (Interlocked.CompareExchange(ref incoming, node, top) == top)
            {
                if (Idle != 0)
                {
                    Idle = 0;
                }

                return true;
            }
        }
    }

    public bool IsRetired => ReferenceEquals(Volatile.Read(ref incoming), RetiredMark);

    /// <summary>
    /// Starts bringing the fields a push touches into the cache (a hint; <see cref="CacheHints.Prefetch{T}"/>): a sender
    /// that found the group and has other work before it pushes overlaps the miss (receivers wrote the group last).
    /// </summary>
    public void Prefetch()
    {
        CacheHints.Prefetch(ref incoming);
        CacheHints.Prefetch(ref Queued); // the send's MarkReady: on the object's second line when it spans two
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
        if (Volatile.Read(ref InFlight) != 0 || head < ordered.Count || Volatile.Read(ref Recheck) != 0 || Volatile.Read(ref returned).Length != 0)
        {
            return false;
        }

        var top = Volatile.Read(ref incoming);
        if (top.StackMessage is not null || ReferenceEquals(top, RetiredMark))
        {
            return false;
        }

        // The top's number is the group's last unless a push gets in before the CAS below, which then fails. Raised
        // before the group can be seen retired; a failed retirement leaves the floor raised, which is harmless (numbers
        // need only increase, not be consecutive).
        AtomicMax.Raise(ref retiredSequence, Math.Max(top.Sequence, numberingFloor));
        return Interlocked.CompareExchange(ref incoming, RetiredMark, top) == top;
    }

    /// <summary>
    /// Start-up of a durable broker, before anyone sees the queue: appends a recovered message, which keeps the
    /// sequence number it had; the group's numbering continues above <paramref name="numberingFloor"/>.
    /// </summary>
    public void PushRestored(QueueMessage message, long numberingFloor)
    {
        var node = (MessageExtras.Grouped)message.Extras!;
        node.StackMessage = message;
        node.StackNext = incoming;
        incoming = node;
        this.numberingFloor = Math.Max(this.numberingFloor, numberingFloor);
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
        if (top.StackMessage is not null)
        {
            // The stack holds the newest first: count it, then fill the new tail of the list from its end.
            var arrived = 0;
            for (var node = top; node.StackMessage is not null; node = node.StackNext!)
            {
                arrived++;
            }

            var end = ordered.Count + arrived;
            CollectionsMarshal.SetCount(ordered, end);
            var tail = CollectionsMarshal.AsSpan(ordered);
            tail[--end] = top.StackMessage;
            var below = top.StackNext!;
            while (below.StackMessage is { } message)
            {
                // Below the top only this claimer reads: unlink each node, so that a message's extras, which live as
                // long as the message, hold neither an older message nor the chain below.
                tail[--end] = message;
                var next = below.StackNext!;
                below.StackMessage = null;
                below.StackNext = null;
                below = next;
            }

            below.StackNext = null; // the old sentinel (already without a message)

            // The top becomes the sentinel. Senders only read a node's number and link above it, never its message or
            // what is below, so this needs no CAS; its message goes last, so MayHaveMessages stays true until the cut.
            top.StackNext = null;
            Volatile.Write(ref top.StackMessage, null);
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
        Volatile.Read(ref returned).Length > 0 || Volatile.Read(ref incoming).StackMessage is not null;

    public void Release() => Interlocked.Exchange(ref Claimed, 0);
}
