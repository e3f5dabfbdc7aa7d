using System.Collections.Concurrent;
using System.Text;

namespace Broker.Streams.Internal;

/// <summary>A partition key with its hash and UTF-8 length, shared by every record of that key.</summary>
internal sealed class PartitionKeyInfo(string key, UInt128 hash, int byteCount)
{
    public string Key { get; } = key;

    public UInt128 Hash { get; } = hash;

    public int ByteCount { get; } = byteCount;
}

/// <summary>
/// Interns partition keys per stream so a record stores one reference instead of its own string, and the MD5 of a
/// repeated key is computed once. Bounded: past <see cref="Capacity"/> distinct keys a key gets its own object.
/// </summary>
internal sealed class PartitionKeyTable
{
    public const int Capacity = 65_536;

    private readonly ConcurrentDictionary<string, PartitionKeyInfo> keys = new(StringComparer.Ordinal);
    private int count;

    public PartitionKeyInfo Get(string key)
    {
        if (keys.TryGetValue(key, out var info))
        {
            return info;
        }

        info = new PartitionKeyInfo(key, HashKeys.Of(key), Encoding.UTF8.GetByteCount(key));
        if (Volatile.Read(ref count) < Capacity && keys.TryAdd(key, info))
        {
            Interlocked.Increment(ref count);
        }

        return info;
    }
}
