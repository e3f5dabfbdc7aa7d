using Broker.Queues;
using FsCheck;
using FsCheck.Fluent;
using static Broker.BrokerErrorCodes;

namespace Broker.PropertyTests.Hostile;

/// <summary>
/// Concurrent deletes of one resource: 2 to 4 contenders released together from one gate (on both cores). Where AWS
/// says a delete of something gone is an error (DeleteQueue, DeleteStream, DeregisterConsumer), exactly one wins and
/// the others get that error; where AWS makes it idempotent (DeleteTopic, Unsubscribe, DeleteMessage with a valid
/// receipt), all succeed. Nothing throws anything else, and the broker afterwards is the state before minus exactly
/// the deleted resource.
/// </summary>
public sealed class ConcurrentDeleteTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    public enum Target
    {
        Queue,
        Topic,
        Stream,
        Subscription,
        Message,
        MessageInBatch,
        Consumer,
    }

    [Fact]
    public void Concurrent_deletes_of_one_resource_have_one_winner_or_are_idempotent_as_in_AWS_and_leave_the_rest_intact() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(Gen.Elements(Enum.GetValues<Target>()).SelectMany(target => Gen.Choose(2, 4).Select(n => (target, n)))), input =>
        {
            var (target, contenders) = input;
            using var world = HostileWorld.Create();
            var before = Snapshot.Of(world.Broker);
            var (delete, loserCode, expected) = Plan(world, target, before);

            var outcomes = RaceAsync(contenders, delete).WaitAsync(HangGuard).GetAwaiter().GetResult();

            var unexpected = outcomes.Where(o => o is not null && (o is not BrokerException b || b.ErrorCode != loserCode)).ToList();
            Assert.True(unexpected.Count == 0, $"{target}: unexpected {string.Join("; ", unexpected.Select(static e => $"{e!.GetType().Name}: {e.Message}"))}");
            var winners = outcomes.Count(static o => o is null);
            Assert.True(loserCode is null ? winners == contenders : winners == 1, $"{target}: {winners} of {contenders} deletes succeeded");

            // Consistency: the broker is exactly the state before minus the deleted resource (and the counters that count it).
            Assert.Equal(expected.ToString(), Snapshot.Of(world.Broker).ToString());
        }), 40);

    /// <summary>The delete to race, the code a loser gets (null: every contender succeeds), and the snapshot expected afterwards.</summary>
    private static (Func<ValueTask> Delete, string? LoserCode, Snapshot Expected) Plan(HostileWorld world, Target target, Snapshot before)
    {
        switch (target)
        {
            case Target.Queue:
                // The topic's subscription to the queue stays (SNS keeps a subscription whose endpoint is gone).
                return (() => Sync(() => world.Broker.DeleteQueue("fanout")), QueueDoesNotExist, before.Without("queue fanout "));
            case Target.Topic:
                return (() => Sync(() => world.Broker.DeleteTopic("events")), null, before.Without("topic events "));
            case Target.Stream:
                return (() => Sync(() => world.Broker.DeleteStream("clicks", enforceConsumerDeletion: true)), ResourceNotFoundException,
                    before.Without("stream StreamDescription { StreamName = clicks,"));
            case Target.Subscription:
                var arn = world.FilteredSubscription.GetAttributes()["SubscriptionArn"];
                return (() => Sync(world.FilteredSubscription.Unsubscribe), null, before.Edit("topic events ", lines => Unsubscribed(lines, arn)));
            case Target.Message:
                return (async () => await world.Jobs.DeleteAsync(world.JobMessages[0].ReceiptHandle), null, before.Edit("queue jobs ", lines => Deleted(lines, world.JobMessages[0].MessageId)));
            case Target.MessageInBatch:
                return (async () => QueueControlHostileTests.ThrowFirstFailure((await world.Jobs.DeleteBatchAsync([new DeleteMessageBatchEntry("e", world.JobMessages[0])])).Failed),
                    null, before.Edit("queue jobs ", lines => Deleted(lines, world.JobMessages[0].MessageId)));
            default:
                return (() => Sync(() => world.Clicks.DeregisterConsumer("dashboard")), ResourceNotFoundException,
                    before.Edit("stream StreamDescription { StreamName = clicks,", static lines =>
                        [.. lines.Where(static l => l != "  consumer dashboard").Select(static l => l.Replace("ConsumerCount = 1", "ConsumerCount = 0", StringComparison.Ordinal))]));
        }
    }

    private static List<string> Unsubscribed(List<string> lines, string arn)
    {
        // Drop the subscription's block (its heading and attribute lines) and move it from confirmed to deleted.
        var result = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i] == "  subscription" && lines.Skip(i + 1).TakeWhile(static l => l.StartsWith("    ", StringComparison.Ordinal)).Contains($"    SubscriptionArn={arn}"))
            {
                while (i + 1 < lines.Count && lines[i + 1].StartsWith("    ", StringComparison.Ordinal))
                {
                    i++;
                }

                continue;
            }

            result.Add(Bump(Bump(lines[i], "  SubscriptionsConfirmed=", -1), "  SubscriptionsDeleted=", +1));
        }

        return result;
    }

    private static List<string> Deleted(List<string> lines, string messageId) =>
        [.. lines.Where(l => !l.StartsWith($"  message {messageId} ", StringComparison.Ordinal))
            .Select(static l => Bump(l, "  ApproximateNumberOfMessagesNotVisible=", -1))
            .Select(static l => l.StartsWith("  counts ", StringComparison.Ordinal) ? BumpInFlight(l) : l)];

    private static string Bump(string line, string prefix, int delta) =>
        line.StartsWith(prefix, StringComparison.Ordinal)
            ? prefix + (long.Parse(line.AsSpan(prefix.Length), System.Globalization.CultureInfo.InvariantCulture) + delta).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : line;

    private static string BumpInFlight(string counts)
    {
        var parts = counts.Split(' ');
        return string.Join(' ', parts.Select(static p => p.StartsWith("inFlight=", StringComparison.Ordinal) ? Bump(p, "inFlight=", -1) : p));
    }

    /// <summary>Releases every contender at once from one gate and collects what each threw (null for success).</summary>
    private static async Task<Exception?[]> RaceAsync(int contenders, Func<ValueTask> delete)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var ready = new CountdownEvent(contenders);
        var racers = Enumerable.Range(0, contenders).Select(_ => Task.Run(async () =>
        {
            ready.Signal();
            await gate.Task.ConfigureAwait(false);
            try
            {
                await delete().ConfigureAwait(false);
                return (Exception?)null;
            }
            catch (Exception failure)
            {
                return failure;
            }
        })).ToArray();
        if (!ready.Wait(HangGuard))
        {
            throw new TimeoutException("The contenders did not all start.");
        }

        gate.SetResult();
        return await Task.WhenAll(racers).ConfigureAwait(false);
    }

    private static ValueTask Sync(Action action)
    {
        action();
        return ValueTask.CompletedTask;
    }

    /// <summary>A <see cref="BrokerSnapshot"/> split into its top-level sections (a queue, a topic, a stream), to state what a delete should change.</summary>
    private sealed class Snapshot(List<List<string>> sections)
    {
        public static Snapshot Of(MessageBroker broker)
        {
            var sections = new List<List<string>>();
            foreach (var line in BrokerSnapshot.Take(broker).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries))
            {
                if (!line.StartsWith(' '))
                {
                    sections.Add([]);
                }

                sections[^1].Add(line);
            }

            return new Snapshot(sections);
        }

        public Snapshot Without(string heading) => new([.. sections.Where(s => !s[0].StartsWith(heading, StringComparison.Ordinal))]);

        public Snapshot Edit(string heading, Func<List<string>, List<string>> edit) =>
            new([.. sections.Select(s => s[0].StartsWith(heading, StringComparison.Ordinal) ? edit(s) : s)]);

        public override string ToString() => string.Join(Environment.NewLine, sections.SelectMany(static s => s));
    }
}
