using System.Collections.Concurrent;

namespace Broker.Internal;

/// <summary>A deduplication record: the key it is filed under and when it lapses. Both are fixed before it is added.</summary>
internal interface IDeduplicationRecord
{
    /// <summary>The key in the window (the deduplication id, or group and id).</summary>
    string DeduplicationKey { get; }

    /// <summary>When the record lapses, UTC ticks.</summary>
    long DeduplicationExpiresAt { get; }
}

/// <summary>
/// FIFO deduplication for a fixed interval (SQS and SNS: 5 minutes): the first record under a key wins until it lapses.
/// Records are also kept in a log in the order they were added, and lapsed ones are trimmed from its head, oldest first,
/// so the table stays bounded by what arrived within the interval. The oldest record's expiry is cached in
/// <see cref="nextExpiry"/>, so that a send does not touch (and miss the cache on) an old record.
/// </summary>
/// <remarks>
/// Known limit: the table is a <see cref="ConcurrentDictionary{TKey, TValue}"/>, whose inserts and removals take its
/// internal striped locks (once per deduplication id).
/// </remarks>
internal sealed class DeduplicationWindow<TRecord>
    where TRecord : class, IDeduplicationRecord
{
    private readonly ConcurrentDictionary<string, TRecord> records = new(StringComparer.Ordinal);
    private readonly SegmentedQueue<TRecord> log = new();
    private readonly long intervalTicks;
    private long nextExpiry;

    /// <summary>1 while a caller trims: two trimmers could each dequeue a record the other only peeked at.</summary>
    private int trimming;

    public DeduplicationWindow(TimeSpan interval) => intervalTicks = interval.Ticks;

    public int Count => records.Count;

    /// <summary>
    /// Adds <paramref name="record"/> unless a record under the same key is still live; returns the record in force:
    /// <paramref name="record"/> itself when it was added, else the live original (the caller treats it as a duplicate).
    /// </summary>
    public TRecord AddOrGetOriginal(TRecord record, long now)
    {
        Trim(now);
        var key = record.DeduplicationKey;
        while (!records.TryAdd(key, record))
        {
            if (records.TryGetValue(key, out var existing))
            {
                if (existing.DeduplicationExpiresAt > now)
                {
                    return existing;
                }

                if (records.TryUpdate(key, record, existing))
                {
                    break;
                }
            }
        }

        log.Enqueue(record);
        return record;
    }

    /// <summary>Forgets every record (SQS: a purge clears the deduplication history).</summary>
    public void Clear()
    {
        Volatile.Write(ref nextExpiry, 0);
        records.Clear();
        while (log.TryDequeue(out _))
        {
        }
    }

    private void Trim(long now)
    {
        if (now < Volatile.Read(ref nextExpiry) || Interlocked.CompareExchange(ref trimming, 1, 0) != 0)
        {
            return;
        }

        try
        {
            TrimExpired(now);
        }
        finally
        {
            Volatile.Write(ref trimming, 0);
        }
    }

    /// <summary>Only the caller holding <see cref="trimming"/>: removes lapsed records, oldest first.</summary>
    private void TrimExpired(long now)
    {
        while (log.TryPeek(out var oldest))
        {
            if (oldest.DeduplicationExpiresAt > now)
            {
                Volatile.Write(ref nextExpiry, oldest.DeduplicationExpiresAt);
                return;
            }

            if (log.TryDequeue(out var expired))
            {
                records.TryRemove(new KeyValuePair<string, TRecord>(expired.DeduplicationKey, expired));
            }
        }

        // Nothing left: the next record, not yet written, lapses at the earliest one interval from now.
        Volatile.Write(ref nextExpiry, now + intervalTicks);
    }
}
