using Broker.StressTests.Checking;
using Xunit.Abstractions;

namespace Broker.StressTests.Scenarios;

/// <summary>
/// Scenario (c): producers on several partition keys, lineage-following consumers and a resharder on one stream for a
/// bounded time, with retention passing so that trimming happens; the history checked afterwards.
/// </summary>
public sealed class StreamStressTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Stream_shards_stay_gap_free_ordered_logs_and_keys_keep_their_order_across_reshards_and_trimming()
    {
        foreach (var length in StressSettings.Rounds())
        {
            var seed = StressSettings.NewSeed();
            using var workload = new StreamWorkload(seed);
            var history = await workload.RunAsync(length);
            var records = history.Reads.Sum(r => r.Records.Count);
            var readSet = history.Reads.SelectMany(r => r.Records.Select(x => x.SequenceNumber)).ToHashSet();
            output.WriteLine(
                $"stream round, seed {seed}, {length.TotalSeconds}s real, {History.Stamp.Format(history.End)} fake: "
                + $"{history.Puts.Count} puts to {history.Puts.Select(p => p.ShardId).Distinct().Count()} shards, {history.Reads.Count} reads returning {records} records, "
                + $"{history.Puts.Count(p => !readSet.Contains(p.SequenceNumber))} records read by no consumer, "
                + $"records read per consumer {string.Join("/", history.Reads.GroupBy(r => r.Consumer).OrderBy(g => g.Key).Select(g => g.Sum(r => r.Records.Count)))}, "
                + $"{history.Reshards.Count(r => r.Ok)} reshards ({history.Reshards.Count(r => !r.Ok)} refused), "
                + $"{workload.Clock.Operations} operations, {workload.Clock.Steps} clock steps");

            var violations = new List<string>();
            violations.AddRange(ShardLogChecker.Check(history));
            violations.AddRange(PartitionKeyOrderChecker.Check(history));
            Violations.AssertNone($"stream history (seed {seed})", violations);
        }
    }
}
