using Broker.StressTests.History;

namespace Broker.StressTests.Checking;

/// <summary>A publication the topic accepted, and whether the filtered subscription's policy matches it.</summary>
public sealed record PublishEvent(string Body, bool MatchesFilter, Stamp At);

/// <summary>
/// Fan-out from a topic to queues: every accepted publication reaches the unfiltered queue and, exactly when its
/// policy matches, the filtered one; it arrives once per queue (one message id per body); and nothing else arrives.
/// <see cref="WithSends"/> then turns each queue's history into one the queue checkers can read (each delivery as the
/// "send" that put it there, stamped with its publication), so that nothing-lost and redelivery are checked as for a queue.
/// </summary>
public static class FanOutChecker
{
    public static IReadOnlyList<string> Check(IReadOnlyList<PublishEvent> publishes, QueueHistorySnapshot all, QueueHistorySnapshot filtered)
    {
        var violations = new List<string>();
        var inAll = IdsByBody(all, violations);
        var inFiltered = IdsByBody(filtered, violations);
        var published = publishes.Select(p => p.Body).ToHashSet();
        foreach (var p in publishes)
        {
            if (!inAll.ContainsKey(p.Body))
            {
                violations.Add($"lost in fan-out: publication '{p.Body}' at {p.At} never reached {all.Setup.Source}");
            }

            if (p.MatchesFilter && !inFiltered.ContainsKey(p.Body))
            {
                violations.Add($"lost in fan-out: publication '{p.Body}' at {p.At} matches the filter of {filtered.Setup.Source} but never reached it");
            }

            if (!p.MatchesFilter && inFiltered.ContainsKey(p.Body))
            {
                violations.Add($"filter leak: publication '{p.Body}' at {p.At} reached {filtered.Setup.Source} although its filter does not match");
            }
        }

        foreach (var (queue, bodies) in new[] { (all.Setup.Source, inAll), (filtered.Setup.Source, inFiltered) })
        {
            foreach (var body in bodies.Keys.Where(b => !published.Contains(b)))
            {
                violations.Add($"phantom: {queue} delivered '{body}', which nobody published");
            }
        }

        return violations;
    }

    /// <summary>The queue's history with a send for each message that arrived, stamped with the publication that caused it.</summary>
    public static QueueHistorySnapshot WithSends(QueueHistorySnapshot queue, IReadOnlyList<PublishEvent> publishes)
    {
        var byBody = publishes.ToDictionary(p => p.Body);
        var sends = queue.Receives.GroupBy(r => r.MessageId)
            .Where(g => byBody.ContainsKey(g.First().Body))
            .Select(g => new SendEvent(queue.Setup.Source, g.Key, g.First().Body, null, null, byBody[g.First().Body].At))
            .ToArray();
        return queue with { Sends = sends };
    }

    private static Dictionary<string, string> IdsByBody(QueueHistorySnapshot queue, List<string> violations)
    {
        var ids = new Dictionary<string, string>();
        foreach (var r in queue.Receives)
        {
            if (ids.TryGetValue(r.Body, out var id) && id != r.MessageId)
            {
                violations.Add($"delivered twice: '{r.Body}' arrived in {queue.Setup.Source} as two messages, {id} and {r.MessageId} ({QueueFacts.Describe(r)})");
            }

            ids.TryAdd(r.Body, r.MessageId);
        }

        return ids;
    }
}
