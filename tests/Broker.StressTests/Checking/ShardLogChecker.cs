using System.Globalization;
using System.Numerics;
using Broker.StressTests.History;

namespace Broker.StressTests.Checking;

/// <summary>
/// Each shard is a gap-free, ordered log within retention. Per shard: sequence numbers are unique and agree with real
/// time (a put that completed before another started has the smaller number). Per consumer and shard: what it read is
/// strictly increasing, is exactly what was put there (no phantom or altered record), and skips nothing that was still
/// within retention when the read that jumped over it ran; a consumer that read a shard to its end (or caught up at the
/// tip after the producers stopped) missed nothing within retention beyond its last record. And every accepted record
/// was read by some consumer unless it may have expired by the end.
/// </summary>
/// <remarks>
/// "May have expired by T" is interval semantics again: the record arrived no earlier than its put's Before, so it
/// cannot have been trimmed before Before + retention; a record is excused only if T is at or past that instant.
/// </remarks>
public static class ShardLogChecker
{
    public static IReadOnlyList<string> Check(StreamHistorySnapshot history)
    {
        var violations = new List<string>();
        var byShard = new Dictionary<string, PutEvent[]>();
        foreach (var shard in history.Puts.GroupBy(p => p.ShardId))
        {
            var puts = shard.OrderBy(p => Seq(p.SequenceNumber)).ToArray();
            byShard[shard.Key] = puts;
            for (var i = 1; i < puts.Length; i++)
            {
                if (puts[i].SequenceNumber == puts[i - 1].SequenceNumber)
                {
                    violations.Add($"shard {shard.Key}: sequence number {puts[i].SequenceNumber} was given to two puts, {puts[i - 1].Data} at {puts[i - 1].At} and {puts[i].Data} at {puts[i].At}");
                }
            }

            foreach (var (higher, lower) in RealTimeOrder.Inversions(puts, p => Seq(p.SequenceNumber), p => p.At))
            {
                violations.Add($"shard {shard.Key}: put {higher.Data} got {higher.SequenceNumber} at {higher.At}, yet put {lower.Data}, "
                    + $"which started after it completed, got the smaller {lower.SequenceNumber} at {lower.At}");
            }
        }

        var read = new HashSet<(string Shard, string Seq)>();
        foreach (var consumerShard in history.Reads.GroupBy(r => (r.Consumer, r.ShardId)))
        {
            var (consumer, shardId) = consumerShard.Key;
            var puts = byShard.TryGetValue(shardId, out var found) ? found : [];
            var seqs = puts.Select(p => Seq(p.SequenceNumber)).ToArray();
            var last = BigInteger.MinusOne;
            var lastText = "the start of the shard";
            foreach (var e in consumerShard.OrderBy(r => r.Order))
            {
                foreach (var record in e.Records)
                {
                    var seq = Seq(record.SequenceNumber);
                    read.Add((shardId, record.SequenceNumber));
                    var at = Array.BinarySearch(seqs, seq);
                    if (at < 0 || puts[at].Data != record.Data || puts[at].Key != record.Key)
                    {
                        violations.Add($"phantom: consumer {consumer} read {record.Data} as {record.SequenceNumber} from shard {shardId} at {e.At}, which no put of that shard returned");
                    }

                    if (seq <= last)
                    {
                        violations.Add($"shard {shardId}: consumer {consumer} read {record.SequenceNumber} after {lastText} at {e.At}: not increasing");
                        continue;
                    }

                    Skipped(violations, history, consumer, shardId, puts, seqs, last, seq, e, $"went from {lastText} to {record.SequenceNumber}");
                    last = seq;
                    lastText = record.SequenceNumber;
                }

                if (e.AtEnd || e.CaughtUp)
                {
                    Skipped(violations, history, consumer, shardId, puts, seqs, last, null, e, $"{(e.AtEnd ? "reached the end" : "caught up at the tip")} after {lastText}");
                }
            }
        }

        foreach (var put in history.Puts)
        {
            if (!read.Contains((put.ShardId, put.SequenceNumber)) && history.End < put.At.Before + history.Retention)
            {
                violations.Add($"lost: record {put.Data} ({put.ShardId} {put.SequenceNumber}, put at {put.At}) was read by no consumer, "
                    + $"although it was within retention until the end ({Stamp.Format(history.End)})");
            }
        }

        return violations;
    }

    public static BigInteger Seq(string sequenceNumber) => BigInteger.Parse(sequenceNumber, CultureInfo.InvariantCulture);

    /// <summary>Reports the records put to the shard strictly between <paramref name="after"/> and <paramref name="before"/> (or to the end) that read <paramref name="e"/> skipped though they were within retention.</summary>
    private static void Skipped(List<string> violations, StreamHistorySnapshot history, int consumer, string shardId, PutEvent[] puts, BigInteger[] seqs, BigInteger after, BigInteger? before, ReadEvent e, string what)
    {
        var from = Array.BinarySearch(seqs, after);
        from = from < 0 ? ~from : from + 1;
        for (var i = from; i < puts.Length && (before is null || seqs[i] < before); i++)
        {
            var expiresNoEarlier = puts[i].At.Before + history.Retention;
            if (e.At.After < expiresNoEarlier)
            {
                violations.Add($"gap: consumer {consumer} skipped {puts[i].Data} ({shardId} {puts[i].SequenceNumber}, put at {puts[i].At}): its read at {e.At} "
                    + $"{what}, but the record was within retention until at least {Stamp.Format(expiresNoEarlier)}");
                return; // one per jump is enough to find it
            }
        }
    }
}
