using Xunit.Abstractions;
using Broker.StressTests.Checking;

namespace Broker.StressTests.Scenarios;

/// <summary>
/// Scenarios (a) and (b): many producers and consumers on one queue and its dead-letter queue for a bounded time,
/// with crashes, visibility changes and purges; every operation recorded; the history checked afterwards.
/// </summary>
public sealed class QueueStressTests(ITestOutputHelper output)
{
    [Fact]
    public Task Standard_queue_with_a_dead_letter_queue_loses_nothing_redelivers_only_after_visibility_expiry_and_dead_letters_once() =>
        RunAsync(fifo: false);

    [Fact]
    public Task Fifo_queue_with_a_dead_letter_queue_keeps_group_order_loses_nothing_and_dead_letters_once() =>
        RunAsync(fifo: true);

    private async Task RunAsync(bool fifo)
    {
        foreach (var length in StressSettings.Rounds())
        {
            var seed = StressSettings.NewSeed();
            using var workload = new QueueWorkload(fifo, seed);
            var history = await workload.RunAsync(length);
            output.WriteLine(
                $"{(fifo ? "FIFO" : "standard")} round, seed {seed}, {length.TotalSeconds}s real, {Stamp(history.End)} fake: "
                + $"{history.Sends.Count} sends, {history.Receives.Count} receives in {history.Receives.Select(r => r.Batch).Distinct().Count()} batches, "
                + $"{history.Deletes.Count} deletes ({history.Deletes.Count(d => !d.Ok)} failed), {history.Changes.Count} visibility changes, "
                + $"{workload.Crashes} crashes, {history.Purges.Count(p => p.Ok)} purges, "
                + $"{history.Receives.Count(r => r.Queue == history.Setup.DeadLetter)} dead-letter receives, "
                + $"{history.Receives.Count(r => r.ReceiveCount > 1)} redeliveries, {workload.Clock.Operations} operations, {workload.Clock.Steps} clock steps");

            var violations = new List<string>();
            violations.AddRange(NothingLostChecker.Check(history));
            violations.AddRange(RedeliveryChecker.Check(history));
            violations.AddRange(DeadLetterChecker.Check(history));
            if (fifo)
            {
                violations.AddRange(FifoOrderChecker.Check(history));
            }

            // Not asserted (yet): in about one run in ten under full load a FIFO queue's ApproximateNumberOfMessages
            // stays at 1 after the drain although nothing can be received and the history accounts for every message.
            // Printed so that a run shows it; reported to the coordinator as a suspected counter (or stuck group) bug.
            if (await workload.LeftoversAsync() is { Length: > 0 } leftovers)
            {
                output.WriteLine("LEFTOVER (suspected engine bug, not asserted): " + leftovers);
            }

            Violations.AssertNone($"{(fifo ? "FIFO" : "standard")} queue history (seed {seed})", violations);
        }
    }

    private static string Stamp(TimeSpan time) => History.Stamp.Format(time);
}
