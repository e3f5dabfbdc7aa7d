using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Broker.Hosting.Tests.Consumers;

/// <summary>Registration: options are validated when the consumer is added, the queue when the host starts.</summary>
public sealed class QueueConsumerRegistrationTests
{
    [Fact]
    public void Options_out_of_range_fail_the_registration_naming_each_one()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<OptionsValidationException>(() => services.AddQueueConsumer<Job, ProbeHandler>("jobs", c =>
        {
            c.MaxConcurrency = 0;
            c.MinConcurrency = -1;
            c.BatchSize = 11;
            c.WaitTime = TimeSpan.Zero;
            c.VisibilityTimeout = TimeSpan.FromSeconds(1.5);
            c.HandlerTimeout = TimeSpan.Zero;
            c.ScaleUpBacklogPerWorker = 0;
            c.ScaleUpAge = TimeSpan.Zero;
            c.ScaleInterval = TimeSpan.Zero;
        }));

        Assert.Equal(
            ["MaxConcurrency", "MinConcurrency", "BatchSize", "WaitTime", "VisibilityTimeout", "HandlerTimeout", "ScaleUpBacklogPerWorker", "ScaleUpAge", "ScaleInterval"],
            error.Failures.Select(f => f.Split(':')[2]));
        Assert.All(error.Failures, f => Assert.StartsWith("QueueConsumers:jobs:", f, StringComparison.Ordinal));
        Assert.Contains("QueueConsumers:jobs:BatchSize: must be from 1 to 10 (SQS's MaxNumberOfMessages); got 11", error.Failures);
        Assert.Empty(services);
    }

    [Fact]
    public void MinConcurrency_above_MaxConcurrency_is_rejected()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddQueueConsumer<Job, ProbeHandler>("jobs", c =>
        {
            c.MinConcurrency = 5;
            c.MaxConcurrency = 4;
        }));
        Assert.Equal("QueueConsumers:jobs:MinConcurrency: must be from 0 to MaxConcurrency (4); got 5", Assert.Single(error.Failures));
    }

    [Fact]
    public void Defaults_and_the_documented_edges_are_accepted()
    {
        var services = new ServiceCollection()
            .AddQueueConsumer<Job, ProbeHandler>("a")
            .AddQueueBatchConsumer<Job, ProbeBatchHandler>("b", c =>
            {
                c.MinConcurrency = 1000;
                c.MaxConcurrency = 1000;
                c.BatchSize = 1;
                c.WaitTime = TimeSpan.FromSeconds(20);
                c.VisibilityTimeout = TimeSpan.FromHours(12);
                c.HandlerTimeout = TimeSpan.FromHours(12);
            });
        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(IHostedService)));
    }

    [Fact]
    public async Task Options_changed_after_registration_do_not_reach_the_consumer()
    {
        using var broker = TestMessages.NewBroker(out _);
        var queue = broker.CreateQueue("jobs");
        var probe = new Probe();
        QueueConsumerOptions? captured = null;
        var host = TestHost.Create(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs", c => captured = c));
        await using var hostScope = host;
        captured!.BatchSize = 50; // a receive would fail with InvalidParameterValue
        await host.StartAsync();

        await queue.SendJobAsync("a");
        await host.Consumer("jobs").WaitUntilAsync(s => probe.Completed.Count == 1 && s.PendingReceives == 1);
    }

    [Fact]
    public void An_empty_queue_name_is_rejected() =>
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddQueueConsumer<Job, ProbeHandler>(" "));

    [Fact]
    public async Task Host_start_fails_when_the_queue_does_not_exist()
    {
        using var broker = TestMessages.NewBroker(out _);
        using var host = TestHost.Build(broker, s => s.AddSingleton(new Probe()).AddQueueConsumer<Job, ProbeHandler>("missing"));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("queue 'missing' does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddQueue(\"missing\")", error.Message, StringComparison.Ordinal);
    }
}
