using System.Diagnostics.Metrics;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Broker.Hosting.Tests.Consumers;

/// <summary>What a hosted queue consumer does with each message: delete, retry, dead-letter, poison, timeout, visibility.</summary>
public sealed class QueueConsumerHandlingTests
{
    [Fact]
    public async Task Consumer_deletes_message_after_handler_succeeds()
    {
        using var broker = TestMessages.NewBroker(out _);
        var queue = broker.CreateQueue("jobs");
        var probe = new Probe();
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs"));

        var id = await queue.SendJobAsync("a");
        await host.Consumer("jobs").WaitUntilAsync(s => probe.Completed.Count == 1 && s.PendingReceives == 1);

        Assert.Equal((0, 0), queue.Counts());
        var (job, context) = Assert.Single(probe.Calls);
        Assert.Equal(new Job("a"), job);
        Assert.Equal(id, context.MessageId);
        Assert.Equal("jobs", context.Source);
        Assert.Equal(1, context.DeliveryAttempt);
        Assert.Equal(id, context.QueueMessage?.MessageId);
    }

    [Fact]
    public async Task Failed_message_reappears_after_its_visibility_timeout_and_is_dead_lettered_after_MaxReceiveCount()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var deadLetters = broker.CreateQueue("jobs-dlq");
        var queue = broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30), RedrivePolicy = new RedrivePolicy("jobs-dlq", 2) });
        var probe = new Probe { OnHandle = (_, _, _) => throw new InvalidOperationException("boom") };
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs"));
        var consumer = host.Consumer("jobs");

        var id = await queue.SendJobAsync("a");
        await consumer.WaitUntilAsync(s => s.ConsecutiveFailures == 1 && s.PendingReceives == 1);
        Assert.Equal((0, 1), queue.Counts());

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal((0, 1), queue.Counts());
        time.Advance(TimeSpan.FromSeconds(1));
        await consumer.WaitUntilAsync(s => s.ConsecutiveFailures == 2 && s.PendingReceives == 1);
        Assert.Equal([1, 2], probe.Calls.Select(c => c.Context.DeliveryAttempt));

        // The receive that would deliver it a third time moves it to the dead-letter queue instead.
        time.Advance(TimeSpan.FromSeconds(30));
        var dead = await deadLetters.ReceiveOneAsync();
        Assert.Equal(id, dead.MessageId);
        Assert.Equal(2, probe.Calls.Count);
        Assert.Equal((0, 0), queue.Counts());
    }

    [Fact]
    public async Task Failed_message_returns_after_the_RetryDelay_instead_of_the_visibility_timeout()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromMinutes(5) });
        var probe = new Probe();
        probe.OnHandle = (_, context, _) => context.DeliveryAttempt == 1 ? throw new InvalidOperationException("first") : default;
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>(
            "jobs", c => c.RetryDelay = attempt => TimeSpan.FromSeconds(5 * attempt)));
        var consumer = host.Consumer("jobs");

        await queue.SendJobAsync("a");
        await consumer.WaitUntilAsync(s => s.ConsecutiveFailures == 1 && s.PendingReceives == 1);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal((0, 1), queue.Counts());

        time.Advance(TimeSpan.FromSeconds(1));
        await consumer.WaitUntilAsync(s => probe.Completed.Count == 1 && s.PendingReceives == 1);
        Assert.Equal(2, probe.Calls.Last().Context.DeliveryAttempt);
        Assert.Equal((0, 0), queue.Counts());
    }

    [Fact]
    public async Task Poison_message_is_counted_not_deleted_dead_lettered_and_the_worker_keeps_going()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var deadLetters = broker.CreateQueue("jobs-dlq");
        var queue = broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30), RedrivePolicy = new RedrivePolicy("jobs-dlq", 2) });
        var probe = new Probe();
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>(
            "jobs", c => c.MaxConcurrency = 1));
        var consumer = host.Consumer("jobs");
        using var failures = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Broker", "broker.consumer.deserialization_failures");

        await queue.SendAsync(new SendMessageRequest("not json"));
        await consumer.WaitUntilAsync(s => s.ConsecutiveFailures == 1 && s.PendingReceives == 1);
        Assert.Empty(probe.Calls);
        Assert.Equal((0, 1), queue.Counts());
        var measurement = Assert.Single(failures.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal("jobs", measurement.Tags["consumer"]);

        time.Advance(TimeSpan.FromSeconds(30));
        await consumer.WaitUntilAsync(s => s.ConsecutiveFailures == 2 && s.PendingReceives == 1);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("not json", (await deadLetters.ReceiveOneAsync()).GetBodyAsString());
        Assert.Equal(2, failures.GetMeasurementSnapshot().Sum(m => m.Value));

        await queue.SendJobAsync("ok");
        await consumer.WaitUntilAsync(s => probe.Completed.Count == 1 && s.PendingReceives == 1);
        Assert.Equal(["ok"], probe.Completed);
        Assert.Equal(0, consumer.ConsecutiveFailures);
    }

    [Fact]
    public async Task Handler_timeout_cancels_the_handler_and_counts_as_a_failure_even_when_it_returns()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs");
        var entered = TestMessages.NewSignal();
        var cancelled = TestMessages.NewSignal();
        var probe = new Probe
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
                    cancelled.TrySetResult(); // and return normally: still a timeout
                }
            },
        };
        var host = TestHost.Create(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs", c => c.HandlerTimeout = TimeSpan.FromSeconds(10)));
        await using var hostScope = host;
        using var failures = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Broker", "broker.consumer.handler_failures");
        using var handled = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Broker", "broker.consumer.messages_handled");
        await host.StartAsync();

        await queue.SendJobAsync("slow");
        await entered.Bounded();
        time.Advance(TimeSpan.FromSeconds(10));
        await cancelled.Bounded();
        await host.Consumer("jobs").WaitUntilAsync(s => s.ConsecutiveFailures == 1 && s.PendingReceives == 1);

        Assert.Equal((0, 1), queue.Counts());
        Assert.Equal(1, failures.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Empty(handled.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Visibility_is_extended_while_a_long_handler_runs()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(10) });
        var entered = TestMessages.NewSignal();
        var gate = TestMessages.NewSignal();
        var probe = new Probe
        {
            OnHandle = async (_, _, _) =>
            {
                entered.TrySetResult();
                await gate.Task;
            },
        };
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs", c => c.MaxConcurrency = 1));

        await queue.SendJobAsync("long");
        await entered.Bounded();
        for (var second = 0; second < 45; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // Well past the 10 s timeout, the message is still hidden: nobody else could receive it.
        Assert.Equal((0, 1), queue.Counts());
        gate.SetResult();
        await host.Consumer("jobs").WaitUntilAsync(s => probe.Completed.Count == 1 && s.PendingReceives == 1);
        Assert.Single(probe.Calls);
        Assert.Equal((0, 0), queue.Counts());
    }

    [Fact]
    public async Task A_worker_keeps_extending_visibility_for_every_receive_not_only_its_first()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(10) });
        var entered = TestMessages.NewSignal();
        var gate = TestMessages.NewSignal();
        var probe = new Probe
        {
            OnHandle = async (job, _, _) =>
            {
                if (job.Name == "long")
                {
                    entered.TrySetResult();
                    await gate.Task;
                }
            },
        };
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs", c => c.MaxConcurrency = 1));
        var consumer = host.Consumer("jobs");

        // The worker's first receive ends (handled and deleted) and the same worker long-polls again.
        await queue.SendJobAsync("quick");
        await consumer.WaitUntilAsync(s => probe.Completed.Count == 1 && s.PendingReceives == 1);

        // Its next receive is held as long as its handler runs, well past the 10 s timeout.
        await queue.SendJobAsync("long");
        await entered.Bounded();
        for (var second = 0; second < 45; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal((0, 1), queue.Counts());
        gate.SetResult();
        await consumer.WaitUntilAsync(s => probe.Completed.Count == 2 && s.PendingReceives == 1);
        Assert.Equal(2, probe.Calls.Count);
        Assert.Equal((0, 0), queue.Counts());
    }

    [Fact]
    public async Task A_handlers_own_visibility_extension_is_not_shortened_by_the_consumer()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(10) });
        var extended = TestMessages.NewSignal();
        var gate = TestMessages.NewSignal();
        var probe = new Probe
        {
            OnHandle = async (_, context, token) =>
            {
                await context.ExtendVisibilityAsync(TimeSpan.FromMinutes(10), token);
                extended.TrySetResult();
                await gate.Task;
                throw new InvalidOperationException("fails after extending");
            },
        };
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>(
            "jobs", c => c.MaxConcurrency = 1));
        var consumer = host.Consumer("jobs");

        await queue.SendJobAsync("a");
        await extended.Bounded();
        time.Advance(TimeSpan.FromSeconds(5)); // the consumer's own extension tick
        gate.SetResult();
        await consumer.WaitUntilAsync(s => s.ConsecutiveFailures == 1 && s.PendingReceives == 1);

        // The failed message stays hidden for the handler's 10 minutes, not the consumer's 10 seconds.
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal((0, 1), queue.Counts());
        Assert.Single(probe.Calls);
    }

    [Fact]
    public async Task Fifo_consumer_stops_a_batch_at_a_failure_so_the_group_keeps_its_order()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true, VisibilityTimeout = TimeSpan.FromSeconds(30) });
        foreach (var name in new[] { "1", "2", "3" })
        {
            await queue.SendAsync(new SendMessageRequest($$"""{"name":"{{name}}"}""") { MessageGroupId = "g" });
        }

        var probe = new Probe();
        probe.OnHandle = (job, context, _) => job.Name == "2" && context.DeliveryAttempt == 1 ? throw new InvalidOperationException("2 fails once") : default;
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>(
            "jobs.fifo", c => c.MaxConcurrency = 1));
        var consumer = host.Consumer("jobs.fifo");

        await consumer.WaitUntilAsync(s => s.ConsecutiveFailures == 1 && s.PendingReceives == 1);
        Assert.Equal(["1", "2"], probe.Calls.Select(c => c.Job.Name));

        time.Advance(TimeSpan.FromSeconds(30));
        await consumer.WaitUntilAsync(s => probe.Completed.Count == 3 && s.PendingReceives == 1);
        Assert.Equal(["1", "2", "2", "3"], probe.Calls.Select(c => c.Job.Name));
        Assert.Equal((0, 0), queue.Counts());
    }

    [Fact]
    public async Task Each_message_gets_its_own_scope_which_is_disposed_after_the_handler()
    {
        using var broker = TestMessages.NewBroker(out _);
        var queue = broker.CreateQueue("jobs");
        var probe = new Probe();
        var resources = new System.Collections.Concurrent.ConcurrentQueue<ScopedResource>();
        probe.OnHandle = (_, context, _) =>
        {
            resources.Enqueue(context.Services.GetRequiredService<ScopedResource>());
            return default;
        };
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddScoped<ScopedResource>().AddQueueConsumer<Job, ProbeHandler>("jobs"));

        await queue.SendJobAsync("a");
        await queue.SendJobAsync("b");
        await host.Consumer("jobs").WaitUntilAsync(s => probe.Completed.Count == 2 && s.PendingReceives == 1);

        Assert.Equal(2, resources.Distinct().Count());
        Assert.All(resources, r => Assert.True(r.Disposed));
    }

    [Fact]
    public async Task Two_consumers_with_the_same_handler_type_on_different_queues_both_run()
    {
        using var broker = TestMessages.NewBroker(out _);
        var first = broker.CreateQueue("first");
        var second = broker.CreateQueue("second");
        var probe = new Probe();
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe)
            .AddQueueConsumer<Job, ProbeHandler>("first")
            .AddQueueConsumer<Job, ProbeHandler>("second"));
        await first.SendJobAsync("a");
        await second.SendJobAsync("b");
        await host.Consumer("first").WaitUntilAsync(s => probe.Completed.Contains("a") && s.PendingReceives == 1);
        await host.Consumer("second").WaitUntilAsync(s => probe.Completed.Contains("b") && s.PendingReceives == 1);
        Assert.Equal(["first", "second"], probe.Calls.Select(c => c.Context.Source).Order());
    }

    private sealed class ScopedResource : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
