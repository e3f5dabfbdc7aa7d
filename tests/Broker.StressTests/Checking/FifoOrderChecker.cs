using System.Numerics;
using Broker.StressTests.History;

namespace Broker.StressTests.Checking;

/// <summary>
/// Order within a FIFO message group. The group's messages are ordered by the sequence numbers the queue returned
/// (which must agree with real time: a send that completed before another started has the smaller number). A receive
/// that hands out a message of the group must find every earlier message of the group either in the same batch, ahead
/// of it, or already gone: if an earlier message is certainly still in the queue after the receive (it is received
/// again later, or a later delete certainly removes it), the receive overtook it or ignored the group's lock.
/// </summary>
public static class FifoOrderChecker
{
    public static IReadOnlyList<string> Check(QueueHistorySnapshot history)
    {
        var facts = new QueueFacts(history);
        var source = history.Setup.Source;
        var violations = new List<string>();
        var groups = history.Sends.Where(s => s.Queue == source && s.Group is not null).GroupBy(s => s.Group!);
        var placeOf = new Dictionary<string, (string Group, int Index)>();
        var orderedGroups = new Dictionary<string, SendEvent[]>();
        foreach (var group in groups)
        {
            var ordered = group.OrderBy(s => BigInteger.Parse(s.SequenceNumber!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            orderedGroups[group.Key] = ordered;
            for (var i = 0; i < ordered.Length; i++)
            {
                placeOf[ordered[i].MessageId] = (group.Key, i);
            }

            foreach (var (higher, lower) in RealTimeOrder.Inversions(ordered, s => BigInteger.Parse(s.SequenceNumber!, System.Globalization.CultureInfo.InvariantCulture), s => s.At))
            {
                violations.Add($"group {group.Key}: message {higher.MessageId} got sequence number {higher.SequenceNumber} at {higher.At}, "
                    + $"before message {lower.MessageId} was sent at {lower.At} with the smaller {lower.SequenceNumber}");
            }
        }

        // The latest instant each message is certainly still in the source: the start of its last receive there, or
        // the start of a delete that certainly removed it.
        var presentUntil = new Dictionary<string, (TimeSpan Time, string Evidence)>();
        foreach (var receive in history.Receives.Where(r => r.Queue == source))
        {
            Extend(presentUntil, receive.MessageId, receive.At.Before, QueueFacts.Describe(receive));
            foreach (var delete in facts.DeletesOf(receive).Where(d => facts.CertainlyRemoved(d, receive)))
            {
                Extend(presentUntil, receive.MessageId, delete.At.Before, $"its delete at {delete.At}");
            }
        }

        // For each group, the latest presence among its first i + 1 messages, and which message it is.
        var prefixes = new Dictionary<string, (TimeSpan Time, int Index)[]>();
        foreach (var (group, sends) in orderedGroups)
        {
            var prefix = new (TimeSpan Time, int Index)[sends.Length];
            var best = (Time: TimeSpan.MinValue, Index: -1);
            for (var i = 0; i < sends.Length; i++)
            {
                if (presentUntil.TryGetValue(sends[i].MessageId, out var present) && present.Time > best.Time)
                {
                    best = (present.Time, i);
                }

                prefix[i] = best;
            }

            prefixes[group] = prefix;
        }

        foreach (var batch in history.Receives.Where(r => r.Queue == source).GroupBy(r => r.Batch))
        {
            var after = batch.First().At.After;
            foreach (var byGroup in batch.Where(r => placeOf.ContainsKey(r.MessageId)).GroupBy(r => placeOf[r.MessageId].Group))
            {
                var sends = orderedGroups[byGroup.Key];
                var delivered = byGroup.OrderBy(r => r.Position).ToArray();
                // Within one call: a message returned after a later message of its group was present when that one
                // was taken. Unless the call had already returned it before: the clock runs on during a call, so its
                // first receipt can expire and the same call take it again (a fresh receive count), legitimately.
                for (var k = 1; k < delivered.Length; k++)
                {
                    var place = placeOf[delivered[k].MessageId].Index;
                    var later = delivered.Take(k).FirstOrDefault(r => placeOf[r.MessageId].Index > place);
                    if (later is not null && !delivered.Take(k).Any(r => r.MessageId == delivered[k].MessageId))
                    {
                        violations.Add($"group {byGroup.Key}: batch {batch.Key} at {delivered[k].At} returned message {delivered[k].MessageId} "
                            + $"(#{place}) after the later message {later.MessageId} (#{placeOf[later.MessageId].Index})");
                    }
                }

                var indices = delivered.Select(r => placeOf[r.MessageId].Index).ToHashSet();
                var lowest = indices.Min();
                var highest = indices.Max();

                // Below the lowest message returned, a prefix maximum answers at once; between the lowest and the
                // highest (a handful of places in a batch of at most 10) each gap is looked at.
                var suspect = lowest > 0 && prefixes[byGroup.Key][lowest - 1] is var (time, index) && time > after ? index : -1;
                for (var i = lowest + 1; suspect < 0 && i < highest; i++)
                {
                    if (!indices.Contains(i) && presentUntil.TryGetValue(sends[i].MessageId, out var gap) && gap.Time > after)
                    {
                        suspect = i;
                    }
                }

                if (suspect >= 0)
                {
                    var earlier = sends[suspect].MessageId;
                    var overtaking = delivered.First(r => placeOf[r.MessageId].Index > suspect);
                    violations.Add($"group {byGroup.Key}: {QueueFacts.Describe(overtaking)} returned message {overtaking.MessageId} "
                        + $"(#{placeOf[overtaking.MessageId].Index} in the group) while the earlier message {earlier} (#{suspect}) was still in the queue "
                        + $"(evidence: {presentUntil[earlier].Evidence}, after the batch returned)");
                }
            }
        }

        return violations;
    }

    private static void Extend(Dictionary<string, (TimeSpan Time, string Evidence)> presentUntil, string id, TimeSpan time, string evidence)
    {
        if (!presentUntil.TryGetValue(id, out var known) || known.Time < time)
        {
            presentUntil[id] = (time, evidence);
        }
    }
}
