using System.Collections;

namespace Broker.Streams.Internal;

/// <summary>
/// The per-record results of one PutRecords, kept as the shard and position of each stored record (16 bytes each) and
/// turned into <see cref="PutRecordsResultEntry"/> objects only when read, so a producer that checks only
/// <see cref="PutRecordsResult.FailedRecordCount"/> allocates no object per record. Entries are cached once made, so
/// reading one twice gives the same object. Throttled records carry their error from the start.
/// </summary>
internal sealed class PutRecordsResultList : IReadOnlyList<PutRecordsResultEntry>
{
    private readonly Stored[] stored;

    /// <summary>Entries made so far; allocated on the first read (or the first failure).</summary>
    private PutRecordsResultEntry?[]? made;

    public PutRecordsResultList(int count) => stored = new Stored[count];

    public int Count => stored.Length;

    public PutRecordsResultEntry this[int index]
    {
        get
        {
            var entries = Volatile.Read(ref made);
            if (entries is null)
            {
                var created = new PutRecordsResultEntry?[stored.Length];
                entries = Interlocked.CompareExchange(ref made, created, null) ?? created;
            }

            var entry = Volatile.Read(ref entries[index]);
            if (entry is not null)
            {
                return entry;
            }

            var record = stored[index];
            var fresh = new PutRecordsResultEntry(record.Shard!.Id, record.Shard.Index, record.Position);
            return Interlocked.CompareExchange(ref entries[index], fresh, null) ?? fresh;
        }
    }

    /// <summary>While the request is being stored (one thread): a record went to <paramref name="shard"/> at <paramref name="position"/>.</summary>
    public void SetStored(int index, StreamShard shard, long position) => stored[index] = new Stored(shard, position);

    /// <summary>Where a stored record went.</summary>
    public (StreamShard Shard, long Position) StoredAt(int index) => (stored[index].Shard!, stored[index].Position);

    /// <summary>While the request is being stored (one thread): a record failed with this entry.</summary>
    public void SetFailed(int index, PutRecordsResultEntry failure) => (made ??= new PutRecordsResultEntry?[stored.Length])[index] = failure;

    public IEnumerator<PutRecordsResultEntry> GetEnumerator()
    {
        for (var i = 0; i < stored.Length; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private readonly record struct Stored(StreamShard? Shard, long Position);
}
