using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Hosting.Tests.Consumers;

/// <summary>Graceful shutdown: stop receiving, finish what runs, release what did not start, lose nothing across hosts.</summary>
public sealed class QueueConsumerShutdownTests
{
    [Fact]
    public async Task Stopping_lets_the_in_flight_handler_finish_releases_the_rest_and_a_second_host_handles_them()
    {
        using var broker = TestMessages.NewBroker(out _);
        var queue = broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        for (var i = 0; i < 8; i++)
        {
            await queue.SendJobAsync($"job-{i}");
        }

        var entered = TestMessages.NewSignal();
        var gate = TestMessages.NewSignal();
        var first = new Probe
        {
            OnHandle = async (_, _, _) =>
            {
                entered.TrySetResult();
                await gate.Task;
            },
        };
        var firstHost = await TestHost.StartNewAsync(broker, s => s.AddSingleton(first).AddQueueConsumer<Job, ProbeHandler>("jobs", c =>
        {
            c.MaxConcurrency = 1;
            c.BatchSize = 5;
        }));
        await using (firstHost)
        {
            var consumer = firstHost.Consumer("jobs");
            await entered.Bounded();

            var stopping = firstHost.StopAsync();
            await consumer.WaitUntilAsync(s => s.Stopping);
            Assert.False(stopping.IsCompleted);
            gate.SetResult();
            await stopping.WaitAsync(TestHost.Bound);

            // The handler that ran finished (and its message is deleted); the four received but not started are visible
            // again at once, without waiting for their visibility timeout.
            Assert.Single(first.Completed);
            Assert.Equal((7, 0), queue.Counts());
            Assert.Equal(0, consumer.Workers);
        }

        var second = new Probe();
        await using var secondHost = await TestHost.StartNewAsync(broker, s => s.AddSingleton(second).AddQueueConsumer<Job, ProbeHandler>("jobs"));
        await secondHost.Consumer("jobs").WaitUntilAsync(_ => second.Completed.Count == 7);
        var all = first.Completed.Concat(second.Completed).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"job-{i}").Order(), all);
    }

    [Fact]
    public async Task When_the_shutdown_timeout_ends_handlers_are_cancelled_and_their_message_returns_to_the_next_host()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        var entered = TestMessages.NewSignal();
        var cancelled = TestMessages.NewSignal();
        var first = new Probe
        {
            OnHandle = async (_, _, token) =>
            {
                entered.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, token);
                }
                catch (OperationCanceledException)
                {
                    cancelled.TrySetResult();
                    throw;
                }
            },
        };
        var firstHost = await TestHost.StartNewAsync(broker, s => s.AddSingleton(first).AddQueueConsumer<Job, ProbeHandler>("jobs"));
        await using (firstHost)
        {
            var consumer = firstHost.Consumer("jobs");
            var id = await queue.SendJobAsync("a");
            await entered.Bounded();

            using var shutdownTimeout = new CancellationTokenSource();
            var stopping = firstHost.StopAsync(shutdownTimeout.Token);
            await consumer.WaitUntilAsync(s => s.Stopping);
            await shutdownTimeout.CancelAsync();
            await cancelled.Bounded();
            await stopping.WaitAsync(TestHost.Bound);
            await consumer.WaitUntilAsync(s => s.Workers == 0);
            Assert.Equal((0, 1), queue.Counts());
            Assert.Empty(first.Completed);
        }

        var second = new Probe();
        await using var secondHost = await TestHost.StartNewAsync(broker, s => s.AddSingleton(second).AddQueueConsumer<Job, ProbeHandler>("jobs"));
        await secondHost.Consumer("jobs").WaitUntilAsync(s => s.PendingReceives == 1);
        time.Advance(TimeSpan.FromSeconds(30));
        await secondHost.Consumer("jobs").WaitUntilAsync(_ => second.Completed.Count == 1);
        Assert.Equal(2, second.Calls.Single().Context.DeliveryAttempt);

        // The handler's completion is recorded before the consumer deletes the message; the next receive it parks
        // comes after the delete.
        await secondHost.Consumer("jobs").WaitUntilAsync(_ => queue.Counts() == (0, 0));
    }

    [Fact]
    public async Task Nothing_accepted_is_lost_when_a_host_stops_mid_stream()
    {
        const int Total = 60;
        using var broker = TestMessages.NewBroker(out _);
        var queue = broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        for (var i = 0; i < Total; i++)
        {
            await queue.SendJobAsync($"job-{i}");
        }

        var tenDone = TestMessages.NewSignal();
        var first = new Probe();
        first.OnHandle = (_, _, _) =>
        {
            if (first.Completed.Count >= 9)
            {
                tenDone.TrySetResult();
            }

            return default;
        };
        var firstHost = await TestHost.StartNewAsync(broker, s => s.AddSingleton(first).AddQueueConsumer<Job, ProbeHandler>("jobs", c =>
        {
            c.MaxConcurrency = 4;
            c.BatchSize = 3;
            c.ScaleUpBacklogPerWorker = 3;
        }));
        await using (firstHost)
        {
            var consumer = firstHost.Consumer("jobs");
            await tenDone.Bounded();
            await firstHost.StopAsync().WaitAsync(TestHost.Bound);
            Assert.Equal(0, consumer.Workers);
        }

        // A graceful stop leaves nothing in flight: the rest is visible for the next host at once.
        var (visible, inFlight) = queue.Counts();
        Assert.Equal(0, inFlight);
        Assert.Equal(Total - first.Completed.Count, visible);

        var second = new Probe();
        await using var secondHost = await TestHost.StartNewAsync(broker, s => s.AddSingleton(second).AddQueueConsumer<Job, ProbeHandler>("jobs"));
        await secondHost.Consumer("jobs").WaitUntilAsync(_ => first.Completed.Count + second.Completed.Count == Total);
        Assert.Equal(Enumerable.Range(0, Total).Select(i => $"job-{i}").Order(), first.Completed.Concat(second.Completed).Order());
    }
}
