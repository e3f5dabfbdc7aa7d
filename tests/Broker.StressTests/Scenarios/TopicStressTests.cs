using Broker.StressTests.Checking;
using Xunit.Abstractions;

namespace Broker.StressTests.Scenarios;

/// <summary>Scenario (d): a topic fanning out to an unfiltered and a filtered queue under load, the history checked afterwards.</summary>
public sealed class TopicStressTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Topic_fan_out_delivers_every_publication_once_to_each_matching_queue_and_nothing_is_lost_there()
    {
        foreach (var length in StressSettings.Rounds())
        {
            var seed = StressSettings.NewSeed();
            using var workload = new TopicWorkload(seed);
            var (publishes, all, hd) = await workload.RunAsync(length);
            output.WriteLine(
                $"topic round, seed {seed}, {length.TotalSeconds}s real, {History.Stamp.Format(all.End)} fake: {publishes.Count} publications "
                + $"({publishes.Count(p => p.MatchesFilter)} matching the filter), {all.Receives.Count} + {hd.Receives.Count} receives, "
                + $"{all.Deletes.Count} + {hd.Deletes.Count} deletes, {all.Receives.Count(r => r.ReceiveCount > 1) + hd.Receives.Count(r => r.ReceiveCount > 1)} redeliveries, "
                + $"{workload.Clock.Operations} operations, {workload.Clock.Steps} clock steps");

            var violations = new List<string>();
            violations.AddRange(FanOutChecker.Check(publishes, all, hd));
            foreach (var queue in new[] { FanOutChecker.WithSends(all, publishes), FanOutChecker.WithSends(hd, publishes) })
            {
                violations.AddRange(NothingLostChecker.Check(queue));
                violations.AddRange(RedeliveryChecker.Check(queue));
            }

            Violations.AssertNone($"topic history (seed {seed})", violations);
        }
    }
}
