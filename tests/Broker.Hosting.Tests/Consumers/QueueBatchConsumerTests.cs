using System.Diagnostics.Metrics;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Broker.Hosting.Tests.Consumers;

/// <summary>Batch handlers: Lambda's ReportBatchItemFailures semantics.</summary>
public sealed class QueueBatchConsumerTests
{
    [Fact]
    public async Task Batch_partial_failure_deletes_the_others_and_the_failed_ones_return()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        var ids = new List<string>();
        foreach (var name in new[] { "a", "b", "c", "d", "e" })
        {
            ids.Add(await queue.SendJobAsync(name));
        }

        var probe = new Probe();
        probe.OnBatch = (items, _) => ValueTask.FromResult(items[0].Context.DeliveryAttempt == 1
            ? BatchHandlerResult.Failed(items.Where(i => i.Message.Name is "b" or "d").Select(i => i.Context.MessageId))
            : BatchHandlerResult.Success);
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueBatchConsumer<Job, ProbeBatchHandler>(
            "jobs", c => c.MaxConcurrency = 1));
        var consumer = host.Consumer("jobs");

        await consumer.WaitUntilAsync(s => probe.Batches.Count == 1 && s.PendingReceives == 1);
        Assert.Equal(["a", "b", "c", "d", "e"], probe.Batches.Single().Select(i => i.Message.Name).Order());
        Assert.Equal((0, 2), queue.Counts());
        Assert.Equal(1, consumer.ConsecutiveFailures);

        time.Advance(TimeSpan.FromSeconds(30));
        await consumer.WaitUntilAsync(s => probe.Batches.Count == 2 && s.PendingReceives == 1);
        var retried = probe.Batches.Last();
        Assert.Equal(["b", "d"], retried.Select(i => i.Message.Name).Order());
        Assert.All(retried, i => Assert.Equal(2, i.Context.DeliveryAttempt));
        Assert.Equal((0, 0), queue.Counts());
        Assert.Equal(0, consumer.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_throwing_batch_handler_fails_the_whole_batch()
    {
        using var broker = TestMessages.NewBroker(out _);
        var queue = broker.CreateQueue("jobs");
        for (var i = 0; i < 3; i++)
        {
            await queue.SendJobAsync($"job-{i}");
        }

        var probe = new Probe { OnBatch = (_, _) => throw new InvalidOperationException("boom") };
        var host = TestHost.Create(broker, s => s.AddSingleton(probe).AddQueueBatchConsumer<Job, ProbeBatchHandler>("jobs", c => c.MaxConcurrency = 1));
        await using var hostScope = host;
        using var failures = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Broker", "broker.consumer.handler_failures");
        await host.StartAsync();

        await host.Consumer("jobs").WaitUntilAsync(s => s.ConsecutiveFailures == 1 && s.PendingReceives == 1);
        Assert.Equal((0, 3), queue.Counts());
        Assert.Equal(3, failures.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task A_batch_result_naming_a_message_not_in_the_batch_fails_the_whole_batch()
    {
        using var broker = TestMessages.NewBroker(out _);
        var queue = broker.CreateQueue("jobs");
        await queue.SendJobAsync("a");
        await queue.SendJobAsync("b");
        var probe = new Probe { OnBatch = (_, _) => ValueTask.FromResult(BatchHandlerResult.Failed(["not-a-message-of-this-batch"])) };
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueBatchConsumer<Job, ProbeBatchHandler>(
            "jobs", c => c.MaxConcurrency = 1));

        await host.Consumer("jobs").WaitUntilAsync(s => s.ConsecutiveFailures == 1 && s.PendingReceives == 1);
        Assert.Equal((0, 2), queue.Counts());
    }

    [Fact]
    public async Task An_undeserializable_body_is_left_out_of_the_batch_and_the_rest_is_handled()
    {
        using var broker = TestMessages.NewBroker(out _);
        var queue = broker.CreateQueue("jobs");
        await queue.SendJobAsync("a");
        await queue.SendAsync(new SendMessageRequest("{ not json"));
        await queue.SendJobAsync("b");
        var probe = new Probe();
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueBatchConsumer<Job, ProbeBatchHandler>(
            "jobs", c => c.MaxConcurrency = 1));

        await host.Consumer("jobs").WaitUntilAsync(s => probe.Batches.Count == 1 && s.PendingReceives == 1);
        Assert.Equal(["a", "b"], probe.Batches.Single().Select(i => i.Message.Name).Order());
        Assert.Equal((0, 1), queue.Counts());
        Assert.Equal(0, host.Consumer("jobs").ConsecutiveFailures);
    }
}
