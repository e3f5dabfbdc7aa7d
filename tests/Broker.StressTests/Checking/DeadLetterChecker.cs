using Broker.StressTests.History;

namespace Broker.StressTests.Checking;

/// <summary>
/// Exactly one dead-letter move, past maxReceiveCount: the source never hands a message out more than maxReceiveCount
/// times; a message reaches the dead-letter queue only after exactly maxReceiveCount receives there (its first receive
/// in the dead-letter queue carries count maxReceiveCount + 1, the count carrying over as on SQS); it arrives there
/// once (one first receive, not two copies); and the source never returns it after it was seen in the dead-letter queue.
/// </summary>
public static class DeadLetterChecker
{
    public static IReadOnlyList<string> Check(QueueHistorySnapshot history)
    {
        var setup = history.Setup;
        var violations = new List<string>();
        if (setup.DeadLetter is null)
        {
            return violations;
        }

        foreach (var receives in history.Receives.GroupBy(r => r.MessageId))
        {
            var id = receives.Key;
            var source = receives.Where(r => r.Queue == setup.Source).OrderBy(r => r.ReceiveCount).ToArray();
            var dead = receives.Where(r => r.Queue == setup.DeadLetter).OrderBy(r => r.ReceiveCount).ThenBy(r => r.At.Before).ToArray();
            foreach (var tooMany in source.Where(r => r.ReceiveCount > setup.MaxReceiveCount).Take(1))
            {
                violations.Add($"not dead-lettered: message {id} was handed out by the source {tooMany.ReceiveCount} times, past maxReceiveCount "
                    + $"{setup.MaxReceiveCount}: {QueueFacts.Describe(tooMany)}");
            }

            if (dead.Length == 0)
            {
                continue;
            }

            var first = dead[0];
            if (first.ReceiveCount != setup.MaxReceiveCount + 1)
            {
                violations.Add($"dead-lettered early: message {id} arrived in {setup.DeadLetter} after {first.ReceiveCount - 1} receives, "
                    + $"maxReceiveCount is {setup.MaxReceiveCount}: {QueueFacts.Describe(first)}");
            }

            var copies = dead.Where(r => r.ReceiveCount == first.ReceiveCount).ToArray();
            if (copies.Length > 1)
            {
                violations.Add($"dead-lettered twice: message {id} was received from {setup.DeadLetter} as a fresh arrival {copies.Length} times: "
                    + string.Join(", ", copies.Select(QueueFacts.Describe)));
            }

            foreach (var back in source.Where(r => r.At.Before > first.At.After).Take(1))
            {
                violations.Add($"back from the dead: message {id} was received from the source ({QueueFacts.Describe(back)}) after it was "
                    + $"received from the dead-letter queue ({QueueFacts.Describe(first)})");
            }
        }

        return violations;
    }
}
