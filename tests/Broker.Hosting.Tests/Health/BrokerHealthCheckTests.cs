using Broker.Hosting.Tests.Consumers;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Broker.Hosting.Tests.Health;

/// <summary>The health check: consumers that keep failing, dead-letter queues that fill.</summary>
public sealed class BrokerHealthCheckTests
{
    [Fact]
    public async Task Healthy_when_consumers_succeed_and_dead_letter_queues_are_empty()
    {
        using var broker = TestMessages.NewBroker(out _);
        broker.CreateQueue("jobs-dlq");
        var queue = broker.CreateQueue("jobs", new QueueOptions { RedrivePolicy = new RedrivePolicy("jobs-dlq", 3) });
        var probe = new Probe();
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs"));
        await queue.SendJobAsync("a");
        await host.Consumer("jobs").WaitUntilAsync(_ => probe.Completed.Count == 1);

        var result = await CheckAsync(host.Services);
        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Empty(result.Data);
    }

    [Fact]
    public async Task Unhealthy_after_ConsecutiveFailureThreshold_failures_in_a_row_and_healthy_again_after_a_success()
    {
        using var broker = TestMessages.NewBroker(out _);
        var queue = broker.CreateQueue("jobs");
        var gate = TestMessages.NewSignal();
        var third = TestMessages.NewSignal();
        var probe = new Probe();
        probe.OnHandle = async (_, context, _) =>
        {
            if (context.DeliveryAttempt <= 2)
            {
                throw new InvalidOperationException("fails twice");
            }

            third.TrySetResult();
            await gate.Task;
        };
        await using var host = await TestHost.StartNewAsync(broker, s => s
            .AddSingleton(probe)
            .Configure<BrokerHealthCheckOptions>(o => o.ConsecutiveFailureThreshold = 2)
            .AddQueueConsumer<Job, ProbeHandler>("jobs", c => c.RetryDelay = _ => TimeSpan.Zero));
        var consumer = host.Consumer("jobs");

        await queue.SendJobAsync("a");
        await third.Bounded();
        Assert.Equal(2, consumer.ConsecutiveFailures);
        var unhealthy = await CheckAsync(host.Services);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Equal(2, unhealthy.Data["consumer:jobs"]);
        Assert.Contains("ProbeHandler on 'jobs' failed 2 deliveries in a row (threshold 2)", unhealthy.Description, StringComparison.Ordinal);

        gate.SetResult();
        await consumer.WaitUntilAsync(s => s.ConsecutiveFailures == 0);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host.Services)).Status);
    }

    [Fact]
    public async Task Failing_consumer_reports_the_registrations_failure_status()
    {
        using var broker = TestMessages.NewBroker(out _);
        var queue = broker.CreateQueue("jobs");
        var probe = new Probe { OnHandle = (_, _, _) => throw new InvalidOperationException("always") };
        await using var host = await TestHost.StartNewAsync(broker, s => s
            .AddSingleton(probe)
            .Configure<BrokerHealthCheckOptions>(o => o.ConsecutiveFailureThreshold = 1)
            .AddQueueConsumer<Job, ProbeHandler>("jobs"));
        await queue.SendJobAsync("a");
        await host.Consumer("jobs").WaitUntilAsync(s => s.ConsecutiveFailures == 1);

        var check = ActivatorUtilities.CreateInstance<BrokerHealthCheck>(host.Services);
        var registration = new HealthCheckRegistration("broker", check, HealthStatus.Degraded, tags: null);
        var result = await check.CheckHealthAsync(new HealthCheckContext { Registration = registration });
        Assert.Equal(HealthStatus.Degraded, result.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Degraded_when_a_dead_letter_queue_holds_more_than_DeadLetterThreshold(bool targetByArn)
    {
        using var broker = TestMessages.NewBroker(out _);
        var deadLetters = broker.CreateQueue("orders-dlq");
        broker.CreateQueue("orders", new QueueOptions { RedrivePolicy = new RedrivePolicy(targetByArn ? deadLetters.Arn : "orders-dlq", 3) });
        var busy = broker.CreateQueue("busy");
        await busy.SendJobAsync("not dead-lettered: busy is no dead-letter queue");
        await using var host = await TestHost.StartNewAsync(broker, s => s.Configure<BrokerHealthCheckOptions>(o => o.DeadLetterThreshold = 1));

        await deadLetters.SendJobAsync("one");
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host.Services)).Status);

        await deadLetters.SendJobAsync("two");
        var result = await CheckAsync(host.Services);
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal(2L, Assert.Single(result.Data).Value);
        Assert.Equal("dead-letter-queue:orders-dlq", result.Data.Keys.Single());
        Assert.Contains("'orders-dlq' holds 2 messages (threshold 1)", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Thresholds_out_of_range_are_rejected_naming_each_one()
    {
        using var broker = TestMessages.NewBroker(out _);
        await using var host = await TestHost.StartNewAsync(broker, s => s.Configure<BrokerHealthCheckOptions>(o =>
        {
            o.ConsecutiveFailureThreshold = 0;
            o.DeadLetterThreshold = -1;
        }));
        var error = Assert.Throws<OptionsValidationException>(() => ActivatorUtilities.CreateInstance<BrokerHealthCheck>(host.Services));
        Assert.Equal(
            ["BrokerHealthCheck:ConsecutiveFailureThreshold: must be at least 1; got 0", "BrokerHealthCheck:DeadLetterThreshold: must be 0 or more; got -1"],
            error.Failures);
    }

    /// <summary>Creates the check the way <c>AddCheck&lt;BrokerHealthCheck&gt;</c> does, and runs it.</summary>
    private static Task<HealthCheckResult> CheckAsync(IServiceProvider services) =>
        ActivatorUtilities.CreateInstance<BrokerHealthCheck>(services).CheckHealthAsync(new HealthCheckContext());
}
