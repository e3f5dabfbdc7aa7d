namespace Broker.Streams.Internal;

/// <summary>
/// Copies the data of one PutRecords request's records for the log: each small record into a range of an array the
/// request's small records share, each large one into its own. One array instead of one per record spares the
/// allocator and the garbage collector an object per stored record, and costs nothing in retention: the records of one
/// request arrive together and expire together. A reader that keeps a record keeps its shared array alive with it.
/// </summary>
internal struct DataPacker
{
    /// <summary>Records of at most this many bytes of data share arrays; larger ones get their own.</summary>
    public const int SmallRecordBytes = 1024;

    /// <summary>The most a shared array holds: well below the large-object heap's threshold.</summary>
    public const int SharedArrayBytes = 32 * 1024;

    private byte[]? shared;
    private int used;
    private long plannedSmallBytes;

    /// <summary>While the request is validated: counts a record of <paramref name="length"/> bytes of data.</summary>
    public void Plan(int length)
    {
        if (length is > 0 and <= SmallRecordBytes)
        {
            plannedSmallBytes += length;
        }
    }

    /// <summary>The log's copy of a record's data, in the order <see cref="Plan"/> counted them.</summary>
    public ArraySegment<byte> Copy(ReadOnlyMemory<byte> data)
    {
        var length = data.Length;
        if (length == 0)
        {
            return ArraySegment<byte>.Empty;
        }

        if (length > SmallRecordBytes)
        {
            return new ArraySegment<byte>(data.ToArray());
        }

        if (shared is null || shared.Length - used < length)
        {
            // What is left of the plan includes this record, and a small record fits any shared array.
            shared = new byte[(int)Math.Clamp(plannedSmallBytes, length, SharedArrayBytes)];
            used = 0;
        }

        data.Span.CopyTo(shared.AsSpan(used));
        var copy = new ArraySegment<byte>(shared, used, length);
        used += length;
        plannedSmallBytes -= length;
        return copy;
    }
}
