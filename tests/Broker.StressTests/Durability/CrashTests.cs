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
/// flush policy <c>Always</c>, killed with SIGKILL at a random moment, again and again on the same journal. After each
/// kill the journal is recovered and checked against what the child had reported as acknowledged: every acknowledged
/// send that was not deleted is present, once; no acknowledged delete comes back; each FIFO group comes back in order.
/// <c>BROKER_CRASH_ROUNDS=N</c> runs N kills instead of 6.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("broker-crash-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Killed_at_random_moments_under_load_durable_queues_lose_no_acknowledged_send_bring_back_no_acknowledged_delete_and_keep_fifo_order()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("BROKER_CRASH_ROUNDS"), out var n) ? n : 6;
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        var journal = Path.Combine(root, "journal");
        var sent = new HashSet<string>(StringComparer.Ordinal);
        var deleting = new HashSet<string>(StringComparer.Ordinal);
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        output.WriteLine($"seed {seed}");

        for (var round = 0; round < rounds; round++)
        {
            var killAfter = random.Next(200, 1500);
            var lines = await RunAndKillAsync(journal, round, killAfter);
            foreach (var line in lines)
            {
                var body = line[2..];
                _ = line[0] switch
                {
                    'S' => sent.Add(body),
                    'd' => deleting.Add(body),
                    'D' => deleted.Add(body),
                    _ => false,
                };
            }

            var ready = lines.FirstOrDefault(l => l.StartsWith("READY", StringComparison.Ordinal)) ?? "READY ? ?";
            var present = Recover(journal, round);
            var lost = sent.Where(b => !deleting.Contains(b) && !present.Contains(b)).ToList();
            var resurrected = deleted.Where(present.Contains).ToList();
            output.WriteLine($"round {round}: started with (messages, segments) {ready[6..]}; killed after {killAfter} lines; {sent.Count} sends and {deleted.Count} deletes acknowledged so far; {present.Count} messages recovered; {Directory.EnumerateFiles(journal).Count()} files");
            Assert.True(lost.Count == 0, $"round {round} (seed {seed}): {lost.Count} acknowledged sends lost, e.g. {string.Join(", ", lost.Take(5))}");
            Assert.True(resurrected.Count == 0, $"round {round} (seed {seed}): {resurrected.Count} acknowledged deletes came back, e.g. {string.Join(", ", resurrected.Take(5))}");
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
        foreach (var argument in new[] { child, journal, round.ToString(CultureInfo.InvariantCulture), "3", "2" })
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

    /// <summary>Recovers a copy of the journal (the original goes on to the next round) and drains it: the bodies present.</summary>
    private static HashSet<string> Recover(string journal, int round)
    {
        var copy = journal + "-check-" + round.ToString(CultureInfo.InvariantCulture);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(journal))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

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

        return present;
    }
}
