using Broker.StressTests.History;

namespace Broker.StressTests.Checking;

/// <summary>
/// Nothing accepted is lost. The run ends with a drain that receives and deletes whatever is left in the source and its
/// dead-letter queue, so every accepted message must end in a successful delete of its last receipt, or be explained by
/// a purge that could have caught it, or by retention. A message whose last receipt was never deleted (and nothing
/// else explains its absence) vanished inside the engine.
/// </summary>
public static class NothingLostChecker
{
    public static IReadOnlyList<string> Check(QueueHistorySnapshot history)
    {
        var facts = new QueueFacts(history);
        var setup = history.Setup;
        var violations = new List<string>();
        foreach (var send in history.Sends)
        {
            if (facts.MayHaveExpired(send.MessageId, history.End))
            {
                continue;
            }

            var receives = facts.ReceivesOf(send.MessageId);
            if (receives.Count == 0)
            {
                if (facts.PurgeEndingAfter(setup.Source, send.At.Before) is null)
                {
                    violations.Add($"lost: message {send.MessageId} ('{send.Body}') accepted by {send.Queue} at {send.At} was never received, "
                        + $"and no purge or retention explains it (the drain ended at {Stamp.Format(history.End)})");
                }

                continue;
            }

            var last = receives[^1];
            if (facts.DeletesOf(last).Any(d => d.Ok)
                || facts.PurgeEndingAfter(last.Queue, last.At.Before) is not null
                || (last.Queue == setup.Source && last.ReceiveCount >= setup.MaxReceiveCount && facts.PurgeEndingAfter(setup.DeadLetter, last.At.Before) is not null))
            {
                continue;
            }

            var attempts = facts.DeletesOf(last);
            var failed = attempts.Count > 0 ? attempts[0] : null;
            violations.Add($"lost: message {send.MessageId} ('{send.Body}') accepted at {send.At}; its last {QueueFacts.Describe(last)} "
                + (failed is null ? "was never deleted" : $"was only deleted unsuccessfully at {failed.At} ({failed.Error})")
                + ", and it was not received again, dead-lettered, purged or expired before the drain ended at " + Stamp.Format(history.End));
        }

        return violations;
    }
}
