using Broker.Streams;
using Broker.Streams.Internal;
using Broker.Streams.Processing;

namespace Broker.Durability.Internal;

/// <summary>
/// The main journal's record types of streams and leases (96 to 127): a stream's configuration, shard table and
/// consumers, and the lease table of stream processors. A stream's records live in a journal of their own
/// (<see cref="StreamJournal"/>).
/// </summary>
internal enum StreamRecordType : byte
{
    /// <summary>A stream was created: its name, id, iterator key, creation time and options.</summary>
    StreamCreated = 96,

    /// <summary>A stream was deleted (its own journal is deleted after this record).</summary>
    StreamDeleted = 97,

    /// <summary>A reshard committed: the whole shard table as it now is, and the times of recent scalings.</summary>
    ShardsChanged = 98,

    /// <summary>Retention or the maximum record size changed.</summary>
    SettingsChanged = 99,

    /// <summary>An enhanced fan-out consumer was registered.</summary>
    ConsumerRegistered = 100,

    /// <summary>An enhanced fan-out consumer was deregistered.</summary>
    ConsumerDeregistered = 101,

    /// <summary>A lease was created or updated: the whole row as it now is.</summary>
    LeaseSaved = 102,

    /// <summary>A lease was deleted.</summary>
    LeaseDeleted = 103,

    /// <summary>The highest stream id used so far (a compaction's snapshot keeps it, deleted streams being left out).</summary>
    StreamIdsUsed = 104,
}

/// <summary>One shard as the journal keeps it: identity, range, lineage, and, once closed, when and at what count.</summary>
internal sealed record ShardState(int Index, UInt128 Start, UInt128 End, string? Parent, string? AdjacentParent, long CreatedAtMs)
{
    /// <summary>When a split or merge closed it, or −1 while open.</summary>
    public long ClosedAtMs { get; init; } = -1;

    /// <summary>Its final record count once closed, or −1 while open.</summary>
    public long FinalCount { get; init; } = -1;

    public IReadOnlyList<ChildShard> Children { get; init; } = [];
}

/// <summary>A stream as the main journal leaves it (its records are read from its own journal).</summary>
internal sealed class RecoveredStream(string name, int streamId, ulong iteratorKey, long createdAtMs, StreamOptions options)
{
    public string Name { get; } = name;

    public int StreamId { get; } = streamId;

    public ulong IteratorKey { get; } = iteratorKey;

    public long CreatedAtMs { get; } = createdAtMs;

    /// <summary>The options it was created with (shard count and throughput limits; the other two change).</summary>
    public StreamOptions Options { get; } = options;

    public long RetentionMs { get; set; } = (long)options.RetentionPeriod.TotalMilliseconds;

    public int MaxRecordBytes { get; set; } = options.MaxRecordSizeInKiB * 1024;

    /// <summary>
    /// Records that arrived at or before this were trimmed under a shorter retention before it was increased: they stay
    /// gone after a restart. <see cref="long.MinValue"/> when retention never increased.
    /// </summary>
    public long ExpiredUpToMs { get; set; } = long.MinValue;

    /// <summary>Every shard by index; null where an expired shard was dropped.</summary>
    public ShardState?[] Shards { get; set; } = InitialShards(options.ShardCount, createdAtMs);

    /// <summary>When the UpdateShardCount calls of the last 24 hours ran (its daily limit).</summary>
    public long[] ScalingTimes { get; set; } = [];

    /// <summary>Registered consumers by name: ARN and creation time.</summary>
    public Dictionary<string, (string Arn, long CreatedAtMs)> Consumers { get; } = new(StringComparer.Ordinal);

    private static ShardState?[] InitialShards(int count, long createdAtMs)
    {
        var ranges = HashKeys.EvenSplit(count);
        var shards = new ShardState?[ranges.Length];
        for (var i = 0; i < ranges.Length; i++)
        {
            shards[i] = new ShardState(i, ranges[i].Start, ranges[i].End, null, null, createdAtMs);
        }

        return shards;
    }
}

/// <summary>Writes and reads <see cref="StreamRecordType"/> payloads, and rebuilds streams and leases from them.</summary>
internal sealed class StreamReplay
{
    private readonly Dictionary<string, RecoveredStream> streams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<string, Lease>> leases = new(StringComparer.Ordinal);

    /// <summary>The streams that exist after every record applied so far, in id (creation) order.</summary>
    public IReadOnlyList<RecoveredStream> Streams => [.. streams.Values.OrderBy(s => s.StreamId)];

    /// <summary>The lease tables by application name.</summary>
    public IReadOnlyDictionary<string, SortedDictionary<string, Lease>> Leases => leases;

    /// <summary>The highest stream id the journal names, deleted streams included: new streams take later ids.</summary>
    public int HighestStreamId { get; private set; }

    public static bool Handles(byte recordType) => recordType is >= (byte)StreamRecordType.StreamCreated and <= (byte)StreamRecordType.StreamIdsUsed;

    public static void WriteStreamIdsUsed(ref PayloadWriter writer, int highestStreamId) => writer.WriteVarInt(highestStreamId);

    public static void WriteStreamCreated(ref PayloadWriter writer, string name, int streamId, ulong iteratorKey, long createdAtMs, StreamOptions options)
    {
        writer.WriteString(name);
        writer.WriteVarInt(streamId);
        writer.WriteUInt64(iteratorKey);
        writer.WriteVarInt(createdAtMs);
        writer.WriteVarInt(options.ShardCount);
        writer.WriteVarInt((long)options.RetentionPeriod.TotalMilliseconds);
        writer.WriteVarInt(options.MaxRecordSizeInKiB);
        writer.WriteBoolean(options.EnforceThroughputLimits);
    }

    public static void WriteStreamDeleted(ref PayloadWriter writer, string name) => writer.WriteString(name);

    public static void WriteShardsChanged(ref PayloadWriter writer, string name, IReadOnlyList<ShardState?> shards, IReadOnlyCollection<long> scalingTimes)
    {
        writer.WriteString(name);
        writer.WriteVarInt(shards.Count);
        foreach (var shard in shards)
        {
            writer.WriteBoolean(shard is not null);
            if (shard is null)
            {
                continue;
            }

            writer.WriteVarInt(shard.Index);
            WriteHash(ref writer, shard.Start);
            WriteHash(ref writer, shard.End);
            writer.WriteNullableString(shard.Parent);
            writer.WriteNullableString(shard.AdjacentParent);
            writer.WriteVarInt(shard.CreatedAtMs);
            writer.WriteInt64(shard.ClosedAtMs); // −1 while open
            writer.WriteInt64(shard.FinalCount);
            writer.WriteVarInt(shard.Children.Count);
            foreach (var child in shard.Children)
            {
                writer.WriteString(child.ShardId);
                writer.WriteVarInt(child.ParentShards.Count);
                foreach (var parent in child.ParentShards)
                {
                    writer.WriteString(parent);
                }

                writer.WriteString(child.HashKeyRange.StartingHashKey);
                writer.WriteString(child.HashKeyRange.EndingHashKey);
            }
        }

        writer.WriteVarInt(scalingTimes.Count);
        foreach (var time in scalingTimes)
        {
            writer.WriteVarInt(time);
        }
    }

    public static void WriteSettingsChanged(ref PayloadWriter writer, string name, long retentionMs, int maxRecordBytes, long expiredUpToMs)
    {
        writer.WriteString(name);
        writer.WriteVarInt(retentionMs);
        writer.WriteVarInt(maxRecordBytes);
        writer.WriteInt64(expiredUpToMs); // long.MinValue when retention never increased
    }

    public static void WriteConsumerRegistered(ref PayloadWriter writer, string name, string consumer, string arn, long createdAtMs)
    {
        writer.WriteString(name);
        writer.WriteString(consumer);
        writer.WriteString(arn);
        writer.WriteVarInt(createdAtMs);
    }

    public static void WriteConsumerDeregistered(ref PayloadWriter writer, string name, string consumer)
    {
        writer.WriteString(name);
        writer.WriteString(consumer);
    }

    public static void WriteLeaseSaved(ref PayloadWriter writer, string application, Lease lease)
    {
        writer.WriteString(application);
        writer.WriteString(lease.LeaseKey);
        writer.WriteNullableString(lease.LeaseOwner);
        writer.WriteVarInt(lease.LeaseCounter);
        writer.WriteString(lease.Checkpoint);
        writer.WriteVarInt(lease.OwnerSwitchesSinceCheckpoint);
        writer.WriteVarInt(lease.ParentShardIds.Count);
        foreach (var parent in lease.ParentShardIds)
        {
            writer.WriteString(parent);
        }
    }

    public static void WriteLeaseDeleted(ref PayloadWriter writer, string application, string leaseKey)
    {
        writer.WriteString(application);
        writer.WriteString(leaseKey);
    }

    /// <summary>Applies one record. Throws <see cref="InvalidDataException"/> when the payload does not parse.</summary>
    public void Apply(byte recordType, ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        switch ((StreamRecordType)recordType)
        {
            case StreamRecordType.StreamCreated:
            {
                var name = reader.ReadString();
                var streamId = checked((int)reader.ReadVarInt());
                var iteratorKey = reader.ReadUInt64();
                var createdAtMs = reader.ReadVarInt();
                var options = new StreamOptions
                {
                    ShardCount = checked((int)reader.ReadVarInt()),
                    RetentionPeriod = TimeSpan.FromMilliseconds(reader.ReadVarInt()),
                    MaxRecordSizeInKiB = checked((int)reader.ReadVarInt()),
                    EnforceThroughputLimits = reader.ReadBoolean(),
                };
                streams[name] = new RecoveredStream(name, streamId, iteratorKey, createdAtMs, options);
                HighestStreamId = Math.Max(HighestStreamId, streamId);
                break;
            }

            case StreamRecordType.StreamDeleted:
                streams.Remove(reader.ReadString());
                break;

            case StreamRecordType.ShardsChanged:
            {
                var stream = Find(reader.ReadString());
                var shards = new ShardState?[reader.ReadLength()];
                for (var i = 0; i < shards.Length; i++)
                {
                    shards[i] = reader.ReadBoolean() ? ReadShard(ref reader) : null;
                }

                var scalingTimes = new long[reader.ReadLength()];
                for (var i = 0; i < scalingTimes.Length; i++)
                {
                    scalingTimes[i] = reader.ReadVarInt();
                }

                if (stream is not null)
                {
                    stream.Shards = shards;
                    stream.ScalingTimes = scalingTimes;
                }

                break;
            }

            case StreamRecordType.SettingsChanged:
            {
                var stream = Find(reader.ReadString());
                var retentionMs = reader.ReadVarInt();
                var maxRecordBytes = checked((int)reader.ReadVarInt());
                var expiredUpToMs = reader.ReadInt64();
                if (stream is not null)
                {
                    stream.RetentionMs = retentionMs;
                    stream.MaxRecordBytes = maxRecordBytes;
                    stream.ExpiredUpToMs = Math.Max(stream.ExpiredUpToMs, expiredUpToMs);
                }

                break;
            }

            case StreamRecordType.ConsumerRegistered:
            {
                var stream = Find(reader.ReadString());
                var consumer = reader.ReadString();
                var arn = reader.ReadString();
                var createdAtMs = reader.ReadVarInt();
                stream?.Consumers[consumer] = (arn, createdAtMs);
                break;
            }

            case StreamRecordType.ConsumerDeregistered:
            {
                var stream = Find(reader.ReadString());
                var consumer = reader.ReadString();
                stream?.Consumers.Remove(consumer);
                break;
            }

            case StreamRecordType.LeaseSaved:
            {
                var application = reader.ReadString();
                var lease = new Lease(reader.ReadString())
                {
                    LeaseOwner = reader.ReadNullableString(),
                    LeaseCounter = reader.ReadVarInt(),
                    Checkpoint = reader.ReadString(),
                    OwnerSwitchesSinceCheckpoint = reader.ReadVarInt(),
                    ParentShardIds = ReadStrings(ref reader),
                };
                if (!leases.TryGetValue(application, out var table))
                {
                    table = new SortedDictionary<string, Lease>(StringComparer.Ordinal);
                    leases.Add(application, table);
                }

                table[lease.LeaseKey] = lease;
                break;
            }

            case StreamRecordType.LeaseDeleted:
            {
                var application = reader.ReadString();
                var key = reader.ReadString();
                if (leases.TryGetValue(application, out var table))
                {
                    table.Remove(key);
                }

                break;
            }

            case StreamRecordType.StreamIdsUsed:
                HighestStreamId = Math.Max(HighestStreamId, checked((int)reader.ReadVarInt()));
                break;

            default:
                throw new InvalidDataException($"Record type {recordType} is not a stream record.");
        }

        if (!reader.AtEnd)
        {
            throw new InvalidDataException($"A {(StreamRecordType)recordType} record has bytes left over after its last field.");
        }
    }

    private RecoveredStream? Find(string name) => streams.GetValueOrDefault(name);

    private static ShardState ReadShard(ref PayloadReader reader)
    {
        var index = checked((int)reader.ReadVarInt());
        var start = ReadHash(ref reader);
        var end = ReadHash(ref reader);
        var parent = reader.ReadNullableString();
        var adjacentParent = reader.ReadNullableString();
        var createdAtMs = reader.ReadVarInt();
        var closedAtMs = reader.ReadInt64();
        var finalCount = reader.ReadInt64();
        var children = new ChildShard[reader.ReadLength()];
        for (var i = 0; i < children.Length; i++)
        {
            var id = reader.ReadString();
            var parents = ReadStrings(ref reader);
            children[i] = new ChildShard(id, parents, new HashKeyRange(reader.ReadString(), reader.ReadString()));
        }

        return new ShardState(index, start, end, parent, adjacentParent, createdAtMs)
        {
            ClosedAtMs = closedAtMs,
            FinalCount = finalCount,
            Children = children,
        };
    }

    private static string[] ReadStrings(ref PayloadReader reader)
    {
        var values = new string[reader.ReadLength()];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadString();
        }

        return values;
    }

    private static void WriteHash(ref PayloadWriter writer, UInt128 hash)
    {
        writer.WriteUInt64((ulong)(hash >> 64));
        writer.WriteUInt64((ulong)hash);
    }

    private static UInt128 ReadHash(ref PayloadReader reader)
    {
        var upper = reader.ReadUInt64();
        return new UInt128(upper, reader.ReadUInt64());
    }
}
