using Broker.Queues;
using Broker.StressTests.History;

namespace Broker.StressTests.Scenarios;

/// <summary>
/// Producers, consumers that sometimes crash (receive and never delete) or change a message's visibility (down to 0),
/// a dead-letter consumer and an occasional purger, all on the thread pool at once against one source queue and its
/// dead-letter queue; then a drain that empties both, so that the history accounts for every message.
/// </summary>
internal sealed class QueueWorkload : IDisposable
{
    private const int Producers = 2;
    private const int Consumers = 3;
    private const int MaxVisibilitySeconds = 4;
    private const int MaxDelaySeconds = 3;
    private const int Backlog = 400;

    private readonly StressClock clock;
    private readonly QueueRecorder recorder;
    private readonly IMessageQueue source;
    private readonly IMessageQueue deadLetter;
    private readonly bool fifo;
    private readonly int seed;
    private long crashes;
    private long purges;

    public QueueWorkload(bool fifo, int seed)
    {
        this.fifo = fifo;
        this.seed = seed;

        // One clock step (0.1 to 0.5 s) per 16 operations: a receipt's 1 to 4 s pass within a few hundred operations,
        // so crashed messages come back, and visibility races with slow consumers, many times in every run.
        clock = new StressClock(operationsPerStep: 16, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        Broker = new MessageBroker(new BrokerOptions(), clock.Time);
        var suffix = fifo ? ".fifo" : string.Empty;
        var retention = TimeSpan.FromDays(14);
        deadLetter = Broker.CreateQueue("stress-dlq" + suffix, new QueueOptions { FifoQueue = fifo, MessageRetentionPeriod = retention });
        var setup = new QueueSetup("stress" + suffix, deadLetter.Name, MaxReceiveCount: 3, fifo, retention);
        source = Broker.CreateQueue(setup.Source, new QueueOptions
        {
            FifoQueue = fifo,
            MessageRetentionPeriod = retention,
            VisibilityTimeout = TimeSpan.FromSeconds(2),
            RedrivePolicy = new RedrivePolicy(deadLetter.Name, setup.MaxReceiveCount),
        });
        recorder = new QueueRecorder(new QueueHistory(setup), clock);
    }

    public MessageBroker Broker { get; }

    public void Dispose()
    {
        Broker.Dispose();
        clock.Dispose();
    }

    public StressClock Clock => clock;

    public long Crashes => Interlocked.Read(ref crashes);

    public long PurgesTried => Interlocked.Read(ref purges);

    /// <summary>
    /// What the drain left behind in the source and the dead-letter queue: should be nothing. If something is left, one
    /// more drain an hour later says whether it can still be received (and what it is) or is only in the counters.
    /// </summary>
    public async Task<string> LeftoversAsync()
    {
        static (long Visible, long InFlight, long Delayed) Left(IMessageQueue queue)
        {
            var a = queue.GetAttributes();
            return (a.ApproximateNumberOfMessages, a.ApproximateNumberOfMessagesNotVisible, a.ApproximateNumberOfMessagesDelayed);
        }

        var (source0, dead0) = (Left(source), Left(deadLetter));
        if (source0 == default && dead0 == default)
        {
            return string.Empty;
        }

        clock.Advance(TimeSpan.FromHours(1));
        var found = new List<string>();
        foreach (var queue in new[] { source, deadLetter })
        {
            for (var received = await recorder.ReceiveAsync(queue, 10, 1); received.Count > 0; received = await recorder.ReceiveAsync(queue, 10, 1))
            {
                found.AddRange(received.Select(m => $"{queue.Name}: {m.MessageId} '{m.GetBodyAsString()}' receive #{m.ApproximateReceiveCount}"));
            }
        }

        return $"after the drain {source.Name} counts (visible, in flight, delayed) {source0} and {deadLetter.Name} {dead0}; "
            + $"an hour later the counts are {Left(source)} and {Left(deadLetter)}, and receiving again found {found.Count}: {string.Join("; ", found.Take(10))}; "
            + $"live in {source.Name}: {string.Join("; ", QueueInspector.LiveMessages(source).Take(10))}";
    }

    /// <summary>Runs every worker for <paramref name="duration"/> (real time), drains the queues, and returns the history.</summary>
    public async Task<QueueHistorySnapshot> RunAsync(TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        using var clockStop = new CancellationTokenSource();
        var clockTask = Task.Run(() => clock.RunAsync(seed, clockStop.Token));
        var workers = new List<Task>();
        for (var p = 0; p < Producers; p++)
        {
            var id = p;
            workers.Add(Task.Run(() => ProduceAsync(id, new Random(seed + 100 + id), stop.Token)));
        }

        for (var c = 0; c < Consumers; c++)
        {
            var random = new Random(seed + 200 + c);
            workers.Add(Task.Run(() => ConsumeAsync(source, random, stop.Token)));
        }

        workers.Add(Task.Run(() => ConsumeAsync(deadLetter, new Random(seed + 300), stop.Token)));
        workers.Add(Task.Run(() => PurgeAsync(new Random(seed + 400), stop.Token)));
        try
        {
            await Task.WhenAll(workers).WaitAsync(duration + TimeSpan.FromSeconds(60));
        }
        finally
        {
            await clockStop.CancelAsync();
            await clockTask;
        }

        await DrainAsync();
        return recorder.History.Snapshot(clock.Now);
    }

    private async Task ProduceAsync(int producer, Random random, CancellationToken stop)
    {
        var n = 0;
        var calls = 0;
        var paused = false;
        while (!stop.IsCancellationRequested)
        {
            if ((paused || ++calls % 8 == 0) && (paused = source.GetAttributes().ApproximateNumberOfMessages > Backlog))
            {
                // Keep a backlog, not a flood: the consumers must get through most messages so that they live their
                // whole life (redeliveries, dead-lettering) inside the run rather than being swept by a purge.
                await Task.Yield();
                continue;
            }

            // FIFO: each producer owns its groups and sends to them one call at a time, so a group's send order is known.
            var group = fifo ? $"p{producer}-g{random.Next(4)}" : null;
            if (random.NextDouble() < 0.15)
            {
                var bodies = Enumerable.Range(0, random.Next(2, 6)).Select(_ => $"p{producer}-m{n++}").ToArray();
                await recorder.SendBatchAsync(source, bodies, group);
            }
            else
            {
                int? delay = !fifo && random.NextDouble() < 0.2 ? random.Next(1, MaxDelaySeconds + 1) : null;
                await recorder.SendAsync(source, $"p{producer}-m{n++}", group, delay);
            }

            clock.Tick();
            await Task.Yield();
        }
    }

    private async Task ConsumeAsync(IMessageQueue queue, Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var received = await recorder.ReceiveAsync(queue, random.Next(1, 11), random.Next(1, MaxVisibilitySeconds + 1));
            clock.Tick();
            foreach (var message in received)
            {
                var roll = random.NextDouble();
                if (roll < 0.08)
                {
                    // A crash: the message is never deleted and comes back when its visibility runs out. On a FIFO
                    // queue the consumer gives up the rest of its batch too, as a crashed process would.
                    Interlocked.Increment(ref crashes);
                    if (fifo)
                    {
                        break;
                    }

                    continue;
                }

                if (roll < 0.16)
                {
                    await recorder.ChangeVisibilityAsync(queue, message, random.Next(0, MaxVisibilitySeconds + 1));
                    clock.Tick();
                    if (random.NextDouble() < 0.5 || fifo)
                    {
                        if (fifo)
                        {
                            break; // handed back: what follows in its group must wait for it
                        }

                        continue;
                    }
                }

                await recorder.DeleteAsync(queue, message);
                clock.Tick();
                await Task.Yield();
            }

            await Task.Yield();
        }
    }

    private async Task PurgeAsync(Random random, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                // Now and then in fake time: often enough for several purges per run, rare enough that most messages
                // live their whole life between two purges.
                await Task.Delay(TimeSpan.FromSeconds(random.Next(240, 720)), clock.Time, stop);
                Interlocked.Increment(ref purges);
                await recorder.PurgeAsync(random.NextDouble() < 0.8 ? source : deadLetter);
            }
        }
        catch (OperationCanceledException)
        {
            // the run is over
        }
    }

    /// <summary>
    /// After the workers stopped: lets every visibility timeout and delay run out, then receives and deletes until both
    /// queues are empty (receiving from the source also moves the messages that used up their receives). Bounded, so
    /// that an engine that never lets go of a message cannot hang the test; the checkers then report it.
    /// </summary>
    private async Task DrainAsync()
    {
        for (var round = 0; round < 10; round++)
        {
            clock.Advance(TimeSpan.FromSeconds(MaxVisibilitySeconds + MaxDelaySeconds + 1));
            var any = false;
            foreach (var queue in new[] { source, deadLetter })
            {
                for (var call = 0; call < 100_000; call++)
                {
                    var received = await recorder.ReceiveAsync(queue, 10, 1); // 1 s: a message a delete failed to remove is back next round
                    if (received.Count == 0)
                    {
                        break;
                    }

                    any = true;
                    foreach (var message in received)
                    {
                        await recorder.DeleteAsync(queue, message);
                    }
                }
            }

            if (!any)
            {
                return;
            }
        }
    }
}
