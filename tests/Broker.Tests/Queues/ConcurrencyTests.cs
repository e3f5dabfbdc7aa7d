using System.Collections.Concurrent;
using Broker.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Queues;

/// <summary>
/// Several producers and consumers on real threads for a bounded amount of work; afterwards the recorded history is
/// checked offline. Waits are bounded and wait on the work itself, never on time.
/// </summary>
public sealed class ConcurrencyTests : QueueFixture
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Concurrent_producers_and_long_polling_consumers_lose_nothing_and_never_share_a_message()
    {
        const int Producers = 3;
        const int Consumers = 3;
        const int PerProducer = 20_000;
        var queue = Broker.CreateQueue("work", new QueueOptions { VisibilityTimeout = TimeSpan.FromHours(1) });
        var receivedBy = new ConcurrentDictionary<string, int>();
        var sent = new ConcurrentDictionary<string, string>();
        var consumed = 0;
        using var done = new CancellationTokenSource();

        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < PerProducer; i += 10)
            {
                var entries = Enumerable.Range(i, 10).Select(n => new SendMessageBatchEntry($"e{n}", $"{p}-{n}")).ToList();
                var result = await queue.SendBatchAsync(entries);
                Assert.Empty(result.Failed);
                foreach (var entry in result.Successful)
                {
                    sent[entry.MessageId] = $"{p}-{entry.Id[1..]}";
                }
            }
        }));

        var consumers = Enumerable.Range(0, Consumers).Select(c => Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    // The fake clock never moves, so no visibility expires: every message may be received once only.
                    var got = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(20) }, done.Token);
                    foreach (var message in got)
                    {
                        receivedBy.AddOrUpdate(message.MessageId, 1, (_, n) => n + 1);
                    }

                    var deleted = await queue.DeleteBatchAsync(got.Select((m, i) => new DeleteMessageBatchEntry($"d{i}", m.ReceiptHandle)).ToList());
                    Assert.Empty(deleted.Failed);
                    if (Interlocked.Add(ref consumed, got.Count) >= Producers * PerProducer)
                    {
                        await done.CancelAsync();
                    }
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
            }
        }));

        await Task.WhenAll(producers).WaitAsync(Bound);
        await Task.WhenAll(consumers).WaitAsync(Bound);

        Assert.Equal(Producers * PerProducer, sent.Count);
        Assert.Equal(sent.Keys.Order(), receivedBy.Keys.Order());
        Assert.All(receivedBy, pair => Assert.Equal(1, pair.Value));
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Under_a_moving_clock_a_message_is_held_by_one_consumer_per_visibility_window_until_it_is_deleted()
    {
        const int Messages = 5_000;
        var visibility = TimeSpan.FromSeconds(5);
        var queue = Broker.CreateQueue("flaky", new QueueOptions { VisibilityTimeout = visibility });
        var history = new ConcurrentQueue<(string MessageId, DateTimeOffset NotBefore, DateTimeOffset NotAfter)>();
        using var done = new CancellationTokenSource();
        var receiveCalls = 0L;

        for (var i = 0; i < Messages; i += 10)
        {
            await queue.SendBatchAsync(Enumerable.Range(i, 10).Select(n => new SendMessageBatchEntry($"e{n}", $"m{n}")).ToList());
        }

        var consumers = Enumerable.Range(0, 3).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            try
            {
                while (!done.IsCancellationRequested)
                {
                    var before = Time.GetUtcNow();
                    var got = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(1) }, done.Token);
                    var after = Time.GetUtcNow();
                    Interlocked.Increment(ref receiveCalls);
                    foreach (var message in got)
                    {
                        // A third of the time the consumer "crashes": it never deletes, and the message must come back.
                        // A delete may also come too late (the clock moved past the visibility timeout and someone
                        // else received the message): SQS then leaves the message to its new holder.
                        history.Enqueue((message.MessageId, before, after));
                        if (random.Next(3) != 0)
                        {
                            await queue.DeleteAsync(message.ReceiptHandle);
                        }
                    }

                    if (Counts(queue) == (0, 0, 0))
                    {
                        await done.CancelAsync();
                    }
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
            }
        })).ToList();

        // The clock moves on a thread of its own (not the pool's) while consumers work, firing visibility expiries and
        // long-poll timeouts; at most a minute past the last receive, so that consumers the machine is slow to schedule
        // do not find every message past its retention (4 days) when they start.
        var clock = Task.Factory.StartNew(
            () =>
            {
                var seen = -1L;
                var steps = 0;
                while (!done.IsCancellationRequested)
                {
                    var now = Volatile.Read(ref receiveCalls);
                    (seen, steps) = now != seen ? (now, 0) : (seen, steps);
                    if (steps++ < 240)
                    {
                        Time.Advance(TimeSpan.FromMilliseconds(250));
                    }

                    Thread.Yield();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        await Task.WhenAll(consumers).WaitAsync(Bound);
        await clock.WaitAsync(Bound);

        // A consumer stops when it reads the counts as (0, 0, 0), and the counts are read one after the other: a message
        // whose visibility ended between the read of the visible count and the read of the in-flight count is counted in
        // neither, and the consumers stop with it still in the queue. What they left is received here, a visibility
        // timeout later, under the same checks.
        Time.Advance(visibility);
        while (await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 }) is { Count: > 0 } left)
        {
            var at = Time.GetUtcNow();
            foreach (var message in left)
            {
                history.Enqueue((message.MessageId, at, at));
                await queue.DeleteAsync(message.ReceiptHandle);
            }
        }

        var byMessage = history.GroupBy(h => h.MessageId).ToList();
        Assert.Equal(Messages, byMessage.Count);
        foreach (var receives in byMessage)
        {
            var all = receives.ToList();
            for (var i = 0; i < all.Count; i++)
            {
                for (var j = i + 1; j < all.Count; j++)
                {
                    // Each receive happened somewhere in its [NotBefore, NotAfter] window. Two receives of one message
                    // are consistent only if one of them can come a whole visibility timeout after the other.
                    var iThenJ = all[j].NotAfter >= all[i].NotBefore + visibility;
                    var jThenI = all[i].NotAfter >= all[j].NotBefore + visibility;
                    Assert.True(iThenJ || jThenI, $"{receives.Key} was received twice within one visibility timeout");
                }
            }
        }

        Assert.Equal((0, 0, 0), Counts(queue));
    }
}
