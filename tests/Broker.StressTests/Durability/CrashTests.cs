using System.Diagnostics;
using System.Globalization;
using Broker.Durability;
using Broker.Durability.Internal;
using Broker.Queues;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Broker.StressTests.Durability;

/// <summary>
/// A durable broker in a child process (tests/Broker.CrashChild) under load from several producers and consumers,
/// flush policy <c>Always</c>, <c>Batched</c> and <c>None</c> in turn, killed with SIGKILL at a random moment, again and
/// again on the same journal. After each
/// kill the journal is recovered and checked against what the child had reported as acknowledged: every acknowledged
/// send that was not deleted is present, once; no acknowledged delete comes back; each FIFO group comes back in order;
/// every acknowledged put is in the stream at its sequence number, each shard in order with no record twice; the lease
/// store's checkpoint is at least the last acknowledged one. <c>Batched</c> acknowledges a call once its record is
/// queued for the journal, so a kill may take what was not written yet: there the check is that only the most recent
/// acknowledgements of the round are lost (never one while a later one of the same producer survives, never one of an
/// earlier round), and the next rounds expect what came back.
/// <c>BROKER_CRASH_ROUNDS=N</c> runs N kills instead of 6.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("broker-crash-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Killed_at_random_moments_under_load_the_durable_broker_loses_no_acknowledged_send_or_put_brings_back_no_acknowledged_delete_and_keeps_order()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("BROKER_CRASH_ROUNDS"), out var n) ? n : 6;
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        var journal = Path.Combine(root, "journal");
        var sent = new HashSet<string>(StringComparer.Ordinal);
        var deleting = new HashSet<string>(StringComparer.Ordinal);
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        var putAt = new Dictionary<string, string>(StringComparer.Ordinal);
        var checkpoint = (Counter: 0L, Value: "TRIM_HORIZON");
        output.WriteLine($"seed {seed}");

        for (var round = 0; round < rounds; round++)
        {
            var killAfter = random.Next(200, 1500);
            var lines = await RunAndKillAsync(journal, round, killAfter);
            var checkpointBefore = checkpoint;
            foreach (var line in lines)
            {
                var body = line[2..];
                switch (line[0])
                {
                    case 'S':
                        sent.Add(body);
                        break;
                    case 'd':
                        deleting.Add(body);
                        break;
                    case 'D':
                        deleted.Add(body);
                        break;
                    case 'P':
                        var put = body.Split(' ');
                        putAt[put[0]] = put[1];
                        break;
                    case 'K':
                        var update = body.Split(' ');
                        checkpoint = (long.Parse(update[0], CultureInfo.InvariantCulture), update[1]);
                        break;
                }
            }

            var ready = lines.FirstOrDefault(l => l.StartsWith("READY", StringComparison.Ordinal)) ?? "READY ? ?";
            var (present, records, lease) = Recover(journal, round);
            var lost = sent.Where(b => !deleting.Contains(b) && !present.Contains(b)).ToList();
            var resurrected = deleted.Where(present.Contains).ToList();
            output.WriteLine($"round {round} ({PolicyOf(round)}): started with (messages, segments) {ready[6..]}; killed after {killAfter} lines; {sent.Count} sends and {deleted.Count} deletes acknowledged so far; {present.Count} messages recovered; {putAt.Count} puts acknowledged, {records.Count} records recovered; lease at {lease.Counter}; {Directory.EnumerateFiles(journal, "*", SearchOption.AllDirectories).Count()} files");
            if (PolicyOf(round) == "Batched")
            {
                // What a kill took must be the latest of the round: each producer's lost sends and puts come after every
                // one of its that survived; a lost delete (its message is back) is one of this round's.
                var lostPuts = putAt.Keys.Where(b => !records.ContainsKey(b)).ToHashSet(StringComparer.Ordinal);
                var moved = putAt.Where(p => records.TryGetValue(p.Key, out var at) && at != p.Value).ToList();
                Assert.True(moved.Count == 0, $"round {round} (seed {seed}): {moved.Count} acknowledged puts at another sequence number, e.g. {string.Join(", ", moved.Take(5))}");
                AssertOnlyTheLatestLost(Acknowledged(lines, 'S'), lost.ToHashSet(StringComparer.Ordinal), present.Contains, "send", round, seed);
                AssertOnlyTheLatestLost(Acknowledged(lines, 'P'), lostPuts, records.ContainsKey, "put", round, seed);
                var deletedThisRound = Acknowledged(lines, 'D').ToHashSet(StringComparer.Ordinal);
                Assert.True(resurrected.All(deletedThisRound.Contains), $"round {round} (seed {seed}): a delete of an earlier round came back: {string.Join(", ", resurrected.Where(b => !deletedThisRound.Contains(b)).Take(5))}");
                Assert.True(lease.Counter >= checkpointBefore.Counter, $"round {round} (seed {seed}): the lease came back at {lease}, before {checkpointBefore}, where the round began");
                output.WriteLine($"round {round}: the kill took {lost.Count} sends, {lostPuts.Count} puts and {resurrected.Count} deletes acknowledged under Batched");
                sent.ExceptWith(lost);
                deleted.ExceptWith(resurrected);
                foreach (var body in lostPuts)
                {
                    putAt.Remove(body);
                }

                checkpoint = lease;
                continue;
            }

            var missing = putAt.Where(p => !records.TryGetValue(p.Key, out var at) || at != p.Value).ToList();
            Assert.True(missing.Count == 0, $"round {round} (seed {seed}): {missing.Count} acknowledged puts missing or at another sequence number, e.g. {string.Join(", ", missing.Take(5))}");
            Assert.True(lease.Counter > checkpoint.Counter || (lease.Counter == checkpoint.Counter && lease.Value == checkpoint.Value),
                $"round {round} (seed {seed}): the lease came back at {lease}, before the acknowledged checkpoint {checkpoint}");
            Assert.True(lost.Count == 0, $"round {round} (seed {seed}): {lost.Count} acknowledged sends lost, e.g. {string.Join(", ", lost.Take(5))}");
            Assert.True(resurrected.Count == 0, $"round {round} (seed {seed}): {resurrected.Count} acknowledged deletes came back, e.g. {string.Join(", ", resurrected.Take(5))}");
        }
    }

    private static string PolicyOf(int round) => (round % 3) switch { 0 => "Always", 1 => "Batched", _ => "None" };

    /// <summary>The bodies of one kind of line (<c>S</c>, <c>P</c>, <c>D</c>), in the order the child wrote them.</summary>
    private static IEnumerable<string> Acknowledged(List<string> lines, char kind) =>
        lines.Where(l => l.Length > 2 && l[0] == kind && l[1] == ' ').Select(l => kind == 'P' ? l[2..].Split(' ')[0] : l[2..]);

    /// <summary>
    /// Every lost body is of the round, and no body a producer had acknowledged after a lost one survived: the journal is
    /// written in the order records were queued, so a kill takes a tail of it. A body's producer is its text up to the
    /// last '-' (<c>r3-p1</c>, <c>f3-g2</c>, <c>e3-s0</c>), and each producer's lines are in its own order.
    /// </summary>
    private static void AssertOnlyTheLatestLost(IEnumerable<string> acknowledgedInOrder, HashSet<string> lost, Func<string, bool> survived, string what, int round, int seed)
    {
        var ofRound = round.ToString(CultureInfo.InvariantCulture) + "-";
        Assert.True(lost.All(b => b[1..].StartsWith(ofRound, StringComparison.Ordinal)), $"round {round} (seed {seed}): an acknowledged {what} of an earlier round was lost: {string.Join(", ", lost.Where(b => !b[1..].StartsWith(ofRound, StringComparison.Ordinal)).Take(5))}");
        foreach (var producer in acknowledgedInOrder.GroupBy(b => b[..b.LastIndexOf('-')], StringComparer.Ordinal))
        {
            string? firstLost = null;
            foreach (var body in producer)
            {
                if (lost.Contains(body))
                {
                    firstLost ??= body;
                }
                else if (firstLost is not null && survived(body))
                {
                    Assert.Fail($"round {round} (seed {seed}): the {what} of {body} survived the kill but the earlier {what} of {firstLost} was lost");
                }
            }
        }
    }

    /// <summary>Starts the child on <paramref name="journal"/>, kills it after <paramref name="killAfter"/> lines, and returns every line it wrote.</summary>
    private static async Task<List<string>> RunAndKillAsync(string journal, int round, int killAfter)
    {
        var child = Path.Combine(AppContext.BaseDirectory.Replace("Broker.StressTests", "Broker.CrashChild", StringComparison.Ordinal), "Broker.CrashChild.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The policy changes from round to round, on the same journal.
        foreach (var argument in new[] { child, journal, round.ToString(CultureInfo.InvariantCulture), "3", "2", PolicyOf(round) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var lines = new List<string>();
        var facts = 0;
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            lines.Add(line);
            if (!line.StartsWith("READY", StringComparison.Ordinal) && ++facts == killAfter)
            {
                process.Kill(entireProcessTree: true); // SIGKILL: no finally block, no flush, no dispose runs
            }
        }

        await process.WaitForExitAsync(timeout.Token);
        Assert.True(facts >= killAfter, $"the child stopped by itself after {facts} lines: {await errors}");
        return lines;
    }

    /// <summary>
    /// Recovers a copy of the journal (the original goes on to the next round) and drains it: the bodies present in the
    /// queues, the stream's records with their sequence numbers (checked in order and once each, shard by shard), and the
    /// checkpointer's lease.
    /// </summary>
    private static (HashSet<string> Present, Dictionary<string, string> Records, (long Counter, string Value) Lease) Recover(string journal, int round)
    {
        var copy = journal + "-check-" + round.ToString(CultureInfo.InvariantCulture);
        Copy(journal, copy);

        // An hour after now: every message that was in flight at the kill is visible again.
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow() + TimeSpan.FromHours(1));
        using var broker = new MessageBroker(new BrokerOptions { Storage = new DurableStorage { Directory = copy } }, time);
        var present = new HashSet<string>(StringComparer.Ordinal);
        var lastInGroup = new Dictionary<string, (int Run, int N)>(StringComparer.Ordinal);
        foreach (var name in new[] { "work", "work.fifo" })
        {
            if (!broker.TryGetQueue(name, out var queue))
            {
                continue;
            }

            while (queue!.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 }).AsTask().GetAwaiter().GetResult() is { Count: > 0 } batch)
            {
                foreach (var message in batch)
                {
                    var body = message.GetBodyAsString();
                    Assert.True(present.Add(body), $"{body} recovered twice");
                    if (name == "work.fifo")
                    {
                        // f<run>-g<group>-<n>: within a group, (run, n) only increases in the order the queue hands them out.
                        var parts = body[1..].Split('-');
                        var order = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
                        Assert.True(!lastInGroup.TryGetValue(parts[1], out var last) || last.CompareTo(order) < 0, $"{body} came after f{last.Item1}-{parts[1]}-{last.Item2}: order within the group broken");
                        lastInGroup[parts[1]] = order;
                    }

                    // Deleted as drained: a FIFO group stays locked while any of its received messages is in flight.
                    queue.DeleteAsync(message).AsTask().GetAwaiter().GetResult();
                }
            }
        }

        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        if (broker.TryGetStream("events", out var stream))
        {
            foreach (var shard in stream!.ListShards())
            {
                var previous = string.Empty;
                var iterator = stream.GetShardIterator(shard.ShardId, Broker.Streams.ShardIteratorType.TrimHorizon);
                while (iterator is not null)
                {
                    var result = stream.GetRecordsAsync(iterator).AsTask().GetAwaiter().GetResult();
                    foreach (var record in result.Records)
                    {
                        Assert.True(string.CompareOrdinal(record.SequenceNumber, previous) > 0, $"{record.SequenceNumber} came after {previous} in {shard.ShardId}");
                        previous = record.SequenceNumber;
                        Assert.True(records.TryAdd(System.Text.Encoding.UTF8.GetString(record.Data.Span), record.SequenceNumber), $"{record.PartitionKey} recovered twice");
                    }

                    iterator = result.Records.Count == 0 ? null : result.NextShardIterator;
                }
            }
        }

        var lease = broker.LeaseStore.GetLeaseAsync("crash", "cp").AsTask().GetAwaiter().GetResult();
        return (present, records, (lease?.LeaseCounter ?? 0, lease?.Checkpoint ?? "TRIM_HORIZON"));
    }

    /// <summary>Copies a journal directory, the streams' journals under it included.</summary>
    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var child in Directory.EnumerateDirectories(from))
        {
            Copy(child, Path.Combine(to, Path.GetFileName(child)));
        }
    }
}
