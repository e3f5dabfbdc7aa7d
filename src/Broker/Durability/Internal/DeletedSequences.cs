namespace Broker.Durability.Internal;

/// <summary>
/// The messages a stretch of journal deletes, by queue incarnation (<see cref="RecoveredQueue.CreationOrder"/>) and
/// sequence: what compaction collects in a first pass over the segments it rewrites, so that its replay skips the sends
/// of messages that are gone by the end of them instead of rebuilding each one with a copy of its body.
/// </summary>
/// <remarks>
/// A queue's sequences are dense and deletes come roughly in send order, so they are kept as bits in blocks of 512
/// sequences (64 bytes): a stretch of 64 MB of journal (about 300,000 messages of one queue) takes some 600 blocks, and
/// a broker with many queues pays about a hundred bytes for each queue that deleted anything in it.
/// </remarks>
internal sealed class DeletedSequences
{
    private const int BlockShift = 9;
    private const int BlockBits = 1 << BlockShift;

    private readonly Dictionary<(long Queue, long Block), ulong[]> blocks = [];

    // The block used last: a replay's sends, receives and deletes name sequences in about their order, so nearly every
    // call is for the block before it, and finds it without hashing the key.
    private (long Queue, long Block) lastKey = (-1, -1);
    private ulong[] lastBits = [];

    /// <summary>Sequences added, each counted once.</summary>
    public long Count { get; private set; }

    /// <summary>Records that the queue incarnation <paramref name="queue"/> deleted <paramref name="sequence"/>.</summary>
    public void Add(long queue, long sequence)
    {
        var key = (queue, sequence >> BlockShift);
        var bits = lastBits;
        if (key != lastKey)
        {
            if (!blocks.TryGetValue(key, out bits))
            {
                bits = new ulong[BlockBits / 64];
                blocks.Add(key, bits);
            }

            (lastKey, lastBits) = (key, bits);
        }

        var offset = (int)(sequence & (BlockBits - 1));
        var mask = 1UL << (offset & 63);
        if ((bits[offset >> 6] & mask) == 0)
        {
            bits[offset >> 6] |= mask;
            Count++;
        }
    }

    /// <summary>Whether <see cref="Add"/> recorded this sequence of this queue incarnation.</summary>
    public bool Contains(long queue, long sequence)
    {
        var key = (queue, sequence >> BlockShift);
        var bits = lastBits;
        if (key != lastKey)
        {
            if (!blocks.TryGetValue(key, out bits))
            {
                return false;
            }

            (lastKey, lastBits) = (key, bits);
        }

        var offset = (int)(sequence & (BlockBits - 1));
        return (bits[offset >> 6] & (1UL << (offset & 63))) != 0;
    }

    /// <summary>Whether <see cref="Add"/> recorded every sequence from <paramref name="first"/> to <paramref name="last"/> (both included) of this queue incarnation.</summary>
    public bool ContainsAll(long queue, long first, long last)
    {
        for (var block = first >> BlockShift; block <= last >> BlockShift; block++)
        {
            if (!blocks.TryGetValue((queue, block), out var bits))
            {
                return false;
            }

            var from = block == first >> BlockShift ? (int)(first & (BlockBits - 1)) : 0;
            var to = block == last >> BlockShift ? (int)(last & (BlockBits - 1)) : BlockBits - 1;
            for (var word = from >> 6; word <= to >> 6; word++)
            {
                var low = word == from >> 6 ? from & 63 : 0;
                var high = word == to >> 6 ? to & 63 : 63;
                var mask = (ulong.MaxValue >> (63 - high)) & (ulong.MaxValue << low);
                if ((bits[word] & mask) != mask)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
