using Broker.Internal;

namespace Broker.Streams.Internal;

/// <summary>
/// A Kinesis-style data stream. Putting and reading are lock-free (see <see cref="ShardLog"/>); the shard set is an
/// immutable <see cref="ShardSet"/> snapshot swapped under <see cref="coldLock"/> by resharding, and consumers,
/// retention changes and deletion take the same lock (cold paths).
/// </summary>
internal sealed partial class DataStream : IDataStream
{
    private readonly TimeProvider time;
    private readonly BrokerMetrics metrics;

    /// <summary>The broker's observer; null unless Broker.Testing's harness built the broker.</summary>
    private readonly BrokerObserverGuard? observer;
    private readonly string account;
    private readonly ulong iteratorKey;
    private readonly Lock coldLock = new();
    private readonly PartitionKeyTable partitionKeys = new();
    private ShardSet shards;
    private long retentionMs;
    private int maxRecordBytes;
    private int deleted;

    public DataStream(string name, StreamOptions options, int streamId, ulong iteratorKey, BrokerOptions brokerOptions, TimeProvider time, BrokerMetrics metrics, BrokerObserverGuard? observer = null)
    {
        Name = name;
        this.metrics = metrics;
        this.observer = observer;
        StreamId = streamId;
        this.iteratorKey = iteratorKey;
        this.time = time;
        account = brokerOptions.AccountId;
        Arn = $"arn:aws:kinesis:{brokerOptions.Region}:{brokerOptions.AccountId}:stream/{name}";
        EnforceThroughputLimits = options.EnforceThroughputLimits;
        retentionMs = (long)options.RetentionPeriod.TotalMilliseconds;
        maxRecordBytes = options.MaxRecordSizeInKiB * 1024;
        var createdAt = time.GetUtcNow();
        CreatedAtMs = createdAt.ToUnixTimeMilliseconds();
        var ranges = HashKeys.EvenSplit(options.ShardCount);
        var byIndex = new StreamShard?[ranges.Length];
        for (var i = 0; i < ranges.Length; i++)
        {
            byIndex[i] = new StreamShard(i, ranges[i].Start, ranges[i].End, null, null, CreatedAtMs);
        }

        shards = new ShardSet(byIndex, byIndex.OfType<StreamShard>());
    }

    public string Name { get; }

    public string Arn { get; }

    /// <summary>Tells this stream's iterators from those of an earlier stream of the same name.</summary>
    public int StreamId { get; }

    /// <summary>The secret that tags this stream's shard iterators and ListShards tokens.</summary>
    public ulong IteratorKey => iteratorKey;

    public long CreatedAtMs { get; }

    public bool EnforceThroughputLimits { get; }

    public bool IsDeleted => Volatile.Read(ref deleted) != 0;

    private long RetentionMs => Volatile.Read(ref retentionMs);

    private ShardSet Shards => Volatile.Read(ref shards);

    public StreamDescription Describe()
    {
        ThrowIfDeleted();
        return new StreamDescription(
            Name,
            Arn,
            "ACTIVE",
            TimeSpan.FromMilliseconds(RetentionMs),
            Shards.Open.Length,
            Volatile.Read(ref maxRecordBytes) / 1024,
            DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs),
            ConsumerCount);
    }

    /// <summary>
    /// Cold path, called by the broker under its lifecycle lock: every call fails afterwards, memory is released,
    /// subscriptions end. A durable stream's journal is closed, flushed; the caller deletes it if the stream was deleted,
    /// and keeps it if the broker is only closing.
    /// </summary>
    public void Delete()
    {
        lock (coldLock)
        {
            Volatile.Write(ref deleted, 1);
            EndAllSubscriptions();
            foreach (var shard in Shards.All)
            {
                shard.Log.Close();
                shard.Waiters.WakeAll();
            }
        }

        if (journal is { } durable)
        {
            // Puts under way finish first: their appends are queued, and the close writes what is queued.
            var close = durable.DisposeAsync();
            if (!close.IsCompletedSuccessfully)
            {
                close.AsTask().GetAwaiter().GetResult();
            }
        }
    }

    public bool HasConsumers => ConsumerCount > 0;

    private long NowMs() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private void ThrowIfDeleted()
    {
        if (IsDeleted)
        {
            throw StreamErrors.StreamNotFound(Name, account);
        }
    }

    /// <summary>A listed (not expired) shard, or ResourceNotFoundException.</summary>
    private StreamShard FindShard(string shardId, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(shardId);
        var shard = Shards.Find(shardId);
        if (shard is null || shard.IsExpired(nowMs, RetentionMs))
        {
            throw StreamErrors.ShardNotFound(shardId, Name, account);
        }

        return shard;
    }

    /// <summary>A record's own copy of its data, so no producer can change a stored record.</summary>
    private static ArraySegment<byte> Copy(ReadOnlyMemory<byte> data) => data.IsEmpty ? ArraySegment<byte>.Empty : new ArraySegment<byte>(data.ToArray());
}
