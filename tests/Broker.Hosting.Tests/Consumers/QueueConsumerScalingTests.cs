using System.Diagnostics.Metrics;
using Broker.Hosting.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Broker.Hosting.Tests.Consumers;

/// <summary>Scaling between MinConcurrency and MaxConcurrency with the queue's load, down to one pending receive when idle.</summary>
public sealed class QueueConsumerScalingTests
{
    [Fact]
    public async Task Consumer_scales_up_to_MaxConcurrency_under_a_backlog_never_past_it_and_back_to_zero_when_idle()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs");
        for (var i = 0; i < 10; i++)
        {
            await queue.SendJobAsync($"job-{i}");
        }

        var gate = TestMessages.NewSignal();
        var full = TestMessages.NewSignal();
        var running = 0;
        var mostRunning = 0;
        var probe = new Probe
        {
            OnHandle = async (_, _, _) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref mostRunning, now);
                if (now == 3)
                {
                    full.TrySetResult();
                }

                await gate.Task;
                Interlocked.Decrement(ref running);
            },
        };
        var host = TestHost.Create(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs", c =>
        {
            c.MaxConcurrency = 3;
            c.BatchSize = 1;
            c.ScaleUpBacklogPerWorker = 1;
            c.WaitTime = TimeSpan.FromSeconds(5);
        }));
        await using var hostScope = host;
        using var concurrency = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Broker", "broker.consumer.concurrency");
        await host.StartAsync();
        var consumer = host.Consumer("jobs");

        await full.Bounded();
        Assert.Equal(3, consumer.Workers);
        Assert.Equal(3, concurrency.GetMeasurementSnapshot().Sum(m => m.Value));

        gate.SetResult();
        await consumer.WaitUntilAsync(s => probe.Completed.Count == 10 && s.PendingReceives == 3);
        Assert.Equal(3, Volatile.Read(ref mostRunning));

        // Idle: every worker's receive ends empty after WaitTime, and the consumer is back to one pending receive.
        time.Advance(TimeSpan.FromSeconds(5));
        await consumer.WaitUntilAsync(s => s.Workers == 0 && s.PendingReceives == 1);
        Assert.Equal(0, concurrency.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.All(concurrency.GetMeasurementSnapshot(), m => Assert.Equal("jobs", m.Tags["consumer"]));

        await queue.SendJobAsync("later");
        await consumer.WaitUntilAsync(s => probe.Completed.Count == 11 && s.PendingReceives == 1);
        Assert.Contains("later", probe.Completed);
    }

    [Fact]
    public async Task Idle_consumer_holds_one_pending_receive_and_reissues_it_only_when_the_wait_ends()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs");
        var probe = new Probe();
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs"));
        var consumer = host.Consumer("jobs");

        await consumer.WaitUntilAsync(s => s.PendingReceives == 1);
        var issued = consumer.Receives;
        for (var wait = 1; wait <= 3; wait++)
        {
            time.Advance(TimeSpan.FromSeconds(20));
            var expected = issued + wait;
            await consumer.WaitUntilAsync(s => s.Receives == expected && s.PendingReceives == 1);
        }

        Assert.Equal(issued + 3, consumer.Receives);
        Assert.Equal(0, consumer.Workers);

        await queue.SendJobAsync("wake");
        await consumer.WaitUntilAsync(s => probe.Completed.Count == 1);
    }

    [Fact]
    public async Task A_backlog_behind_busy_workers_starts_more_workers_at_the_next_scale_interval()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs");
        var gate = TestMessages.NewSignal();
        var first = TestMessages.NewSignal();
        var full = TestMessages.NewSignal();
        var entered = 0;
        var probe = new Probe
        {
            OnHandle = async (_, _, _) =>
            {
                var count = Interlocked.Increment(ref entered);
                (count == 1 ? first : count == 3 ? full : null)?.TrySetResult();
                await gate.Task;
            },
        };
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs", c =>
        {
            c.MaxConcurrency = 3;
            c.BatchSize = 1;
            c.ScaleUpBacklogPerWorker = 2;
            c.ScaleInterval = TimeSpan.FromSeconds(1);
        }));
        var consumer = host.Consumer("jobs");

        await queue.SendJobAsync("first");
        await first.Bounded();
        for (var i = 0; i < 4; i++)
        {
            await queue.SendJobAsync($"backlog-{i}");
        }

        Assert.Equal(1, consumer.Workers);
        time.Advance(TimeSpan.FromSeconds(1));
        await full.Bounded();
        Assert.Equal(3, consumer.Workers);

        gate.SetResult();
        await consumer.WaitUntilAsync(s => probe.Completed.Count == 5);
        Assert.Equal(5, Volatile.Read(ref entered));
    }

    [Fact]
    public async Task MinConcurrency_workers_start_with_the_host_and_stay_when_idle()
    {
        using var broker = TestMessages.NewBroker(out var time);
        broker.CreateQueue("jobs");
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(new Probe()).AddQueueConsumer<Job, ProbeHandler>("jobs", c =>
        {
            c.MinConcurrency = 2;
            c.MaxConcurrency = 4;
            c.WaitTime = TimeSpan.FromSeconds(5);
        }));
        var consumer = host.Consumer("jobs");

        await consumer.WaitUntilAsync(s => s.Workers == 2 && s.PendingReceives == 2);
        var issued = consumer.Receives;
        time.Advance(TimeSpan.FromSeconds(5));
        await consumer.WaitUntilAsync(s => s.Receives == issued + 2 && s.PendingReceives == 2);
        Assert.Equal(2, consumer.Workers);
    }

    [Theory]
    [InlineData(0, 0, 1, 0)]      // nothing visible: nothing to add
    [InlineData(25, 0, 1, 2)]     // one worker per 10 visible, rounded down
    [InlineData(9, 0, 1, 0)]      // below one worker's backlog, and young
    [InlineData(9, 5, 1, 1)]      // below one worker's backlog, but the oldest waited ScaleUpAge
    [InlineData(1000, 0, 8, 2)]   // never past MaxConcurrency
    [InlineData(1000, 60, 10, 0)] // already at MaxConcurrency
    public void Scaling_policy_adds_a_worker_per_backlog_and_one_for_an_old_message_up_to_MaxConcurrency(
        long visible, int ageSeconds, int running, int expected)
    {
        var options = new QueueConsumerOptions { MaxConcurrency = 10, ScaleUpBacklogPerWorker = 10, ScaleUpAge = TimeSpan.FromSeconds(5) };
        var load = new QueueLoad(visible, TimeSpan.FromSeconds(ageSeconds));
        Assert.Equal(expected, load.WorkersToAdd(running, options));
    }

    [Fact]
    public async Task Queue_load_reads_the_depth_and_the_age_of_the_oldest_message_on_the_brokers_clock()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("aging");
        await queue.SendAsync(new Broker.Queues.SendMessageRequest("old"));
        await queue.SendAsync(new Broker.Queues.SendMessageRequest("new"));

        time.Advance(TimeSpan.FromSeconds(7));

        Assert.Equal(new QueueLoad(2, TimeSpan.FromSeconds(7)), QueueLoad.Read(queue, new QueueConsumerOptions { ScaleUpBacklogPerWorker = 10 }));
    }

    [Fact]
    public async Task Queue_load_leaves_the_age_unread_when_the_backlog_alone_calls_for_a_worker()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("deep");
        for (var i = 0; i < 3; i++)
        {
            await queue.SendAsync(new Broker.Queues.SendMessageRequest($"m{i}"));
        }

        time.Advance(TimeSpan.FromSeconds(7));

        // Three waiting, one worker per two: the count decides, so the walk for the age is skipped.
        var options = new QueueConsumerOptions { ScaleUpBacklogPerWorker = 2 };
        Assert.Equal(new QueueLoad(3, TimeSpan.Zero), QueueLoad.Read(queue, options));
        Assert.Equal(1, QueueLoad.Read(queue, options).WorkersToAdd(running: 0, options));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
