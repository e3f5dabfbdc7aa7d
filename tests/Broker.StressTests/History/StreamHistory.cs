using System.Collections.Concurrent;

namespace Broker.StressTests.History;

/// <summary>A record the stream accepted: the producer's key and its running number for that key, and where it went.</summary>
/// <param name="Key">The partition key.</param>
/// <param name="Serial">The producer's count of records put with this key so far (each key has one producer, one put at a time).</param>
/// <param name="ShardId">The shard the stream answered.</param>
/// <param name="SequenceNumber">The sequence number the stream answered.</param>
/// <param name="At">When the call ran.</param>
public sealed record PutEvent(string Key, long Serial, string ShardId, string SequenceNumber, Stamp At)
{
    public string Data => $"{Key}|{Serial}";
}

/// <summary>One record as a GetRecords call returned it.</summary>
public sealed record ReadRecord(string SequenceNumber, string Key, string Data);

/// <summary>
/// One GetRecords call by one consumer (or a shard found gone). <see cref="AtEnd"/>: the shard is closed and read to
/// its end (or expired altogether); <see cref="CaughtUp"/>: after every producer stopped, the read came back empty at
/// the tip of an open shard. Either way, every record put to the shard beyond what the consumer read must have expired.
/// </summary>
/// <param name="Consumer">Which consumer.</param>
/// <param name="Order">The consumer's own count of its reads: its program order.</param>
/// <param name="ShardId">The shard read.</param>
/// <param name="Records">What came back, in order.</param>
/// <param name="AtEnd">The shard is closed and this read reached its end, or the shard is gone.</param>
/// <param name="CaughtUp">The final catch-up's empty read at the tip of an open shard.</param>
/// <param name="At">When the call ran.</param>
public sealed record ReadEvent(int Consumer, long Order, string ShardId, IReadOnlyList<ReadRecord> Records, bool AtEnd, bool CaughtUp, Stamp At);

/// <summary>A split, merge or UpdateShardCount; <see cref="Error"/> says why one was refused.</summary>
public sealed record ReshardEvent(string Action, bool Ok, string? Error, Stamp At);

/// <summary>The record of a stream run; lock-free appends from every worker.</summary>
public sealed class StreamHistory(TimeSpan retention)
{
    private readonly ConcurrentQueue<PutEvent> puts = new();
    private readonly ConcurrentQueue<ReadEvent> reads = new();
    private readonly ConcurrentQueue<ReshardEvent> reshards = new();

    public void Put(PutEvent e) => puts.Enqueue(e);

    public void Read(ReadEvent e) => reads.Enqueue(e);

    public void Resharded(ReshardEvent e) => reshards.Enqueue(e);

    public StreamHistorySnapshot Snapshot(TimeSpan end) => new(retention, [.. puts], [.. reads], [.. reshards], end);
}

/// <summary>A finished stream history, as the checkers read it.</summary>
/// <param name="Retention">The stream's retention period.</param>
/// <param name="Puts">Accepted puts.</param>
/// <param name="Reads">Every read.</param>
/// <param name="Reshards">Every reshard.</param>
/// <param name="End">The clock when the run, including the final catch-up, was over.</param>
public sealed record StreamHistorySnapshot(TimeSpan Retention, IReadOnlyList<PutEvent> Puts, IReadOnlyList<ReadEvent> Reads, IReadOnlyList<ReshardEvent> Reshards, TimeSpan End);
