using Broker.StressTests.History;

namespace Broker.StressTests.Checking;

/// <summary>
/// A message is received again only after its previous visibility could have run out: each receive count is handed
/// out once and in order (1, 2, 3, ... across the source and its dead-letter queue), every receive comes no earlier
/// than the previous receipt's earliest possible deadline, and nothing is received after a delete that certainly
/// removed it.
/// </summary>
public static class RedeliveryChecker
{
    public static IReadOnlyList<string> Check(QueueHistorySnapshot history)
    {
        var facts = new QueueFacts(history);
        var violations = new List<string>();
        foreach (var id in history.Receives.Select(r => r.MessageId).Distinct())
        {
            var receives = facts.ReceivesOf(id);
            for (var i = 0; i < receives.Count; i++)
            {
                var current = receives[i];
                if (i == 0)
                {
                    if (current.ReceiveCount != 1)
                    {
                        violations.Add($"message {id}: its first receive has count {current.ReceiveCount}, not 1 (a receive nobody saw?): {QueueFacts.Describe(current)}");
                    }

                    continue;
                }

                var previous = receives[i - 1];
                if (current.ReceiveCount == previous.ReceiveCount)
                {
                    violations.Add($"duplicate delivery: message {id} was handed out twice with receive count {current.ReceiveCount}: "
                        + $"{QueueFacts.Describe(previous)} and {QueueFacts.Describe(current)}");
                    continue;
                }

                if (current.ReceiveCount != previous.ReceiveCount + 1)
                {
                    violations.Add($"message {id}: receive count jumped from {previous.ReceiveCount} to {current.ReceiveCount} "
                        + $"(a receive nobody saw?): {QueueFacts.Describe(previous)}, then {QueueFacts.Describe(current)}");
                }

                var earliest = facts.EarliestVisibleAgain(previous);
                if (current.At.After < earliest)
                {
                    violations.Add($"early duplicate: message {id} was received again ({QueueFacts.Describe(current)}) although the "
                        + $"visibility of {QueueFacts.Describe(previous)} could not have run out before {Stamp.Format(earliest)}");
                }

                foreach (var delete in facts.DeletesOf(previous).Where(d => facts.CertainlyRemoved(d, previous)))
                {
                    violations.Add($"received after delete: message {id} was received again ({QueueFacts.Describe(current)}) after "
                        + $"the delete of {QueueFacts.Describe(previous)} succeeded at {delete.At} while that receipt was still in flight");
                }
            }
        }

        return violations;
    }
}
