using System.Diagnostics;
using System.Diagnostics.Metrics;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Broker.Hosting.Tests.Consumers;

/// <summary>Trace context from the producer continues in the handler; the consumer's instruments count on the broker's clock.</summary>
public sealed class QueueConsumerTelemetryTests
{
    [Fact]
    public async Task Handler_runs_in_a_consumer_activity_whose_parent_is_the_traceparent_the_message_carries()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpanId = ActivitySpanId.CreateRandom();
        var traceParent = $"00-{traceId}-{parentSpanId}-01";
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Broker",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    lock (stopped)
                    {
                        stopped.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using var broker = TestMessages.NewBroker(out _);
        var queue = broker.CreateQueue("jobs");
        var seen = new TaskCompletionSource<Activity?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = new Probe
        {
            OnHandle = (_, _, _) =>
            {
                seen.TrySetResult(Activity.Current);
                return default;
            },
        };
        await using var host = await TestHost.StartNewAsync(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs"));

        await queue.SendJobAsync("traced", new Dictionary<string, MessageAttributeValue> { ["traceparent"] = MessageAttributeValue.FromString(traceParent) });
        var activity = await seen.Bounded();

        Assert.NotNull(activity);
        Assert.Equal(traceId, activity.TraceId);
        Assert.Equal(parentSpanId, activity.ParentSpanId);
        Assert.Equal(traceParent, activity.ParentId);
        Assert.Equal(ActivityKind.Consumer, activity.Kind);
        Assert.Equal("jobs process", activity.DisplayName);
        Assert.Equal(traceParent, probe.Calls.Single().Context.MessageAttributes["traceparent"].StringValue);
        await host.Consumer("jobs").WaitUntilAsync(s => s.PendingReceives == 1);
        lock (stopped)
        {
            Assert.Same(activity, Assert.Single(stopped));
        }
    }

    [Fact]
    public async Task Consumer_instruments_count_handled_messages_failures_and_handler_duration_on_the_brokers_clock()
    {
        using var broker = TestMessages.NewBroker(out var time);
        var queue = broker.CreateQueue("jobs");
        var entered = TestMessages.NewSignal();
        var gate = TestMessages.NewSignal();
        var probe = new Probe
        {
            OnHandle = async (job, _, _) =>
            {
                if (job.Name == "bad")
                {
                    throw new InvalidOperationException("bad");
                }

                entered.TrySetResult();
                await gate.Task;
            },
        };
        var host = TestHost.Create(broker, s => s.AddSingleton(probe).AddQueueConsumer<Job, ProbeHandler>("jobs", c => c.MaxConcurrency = 1));
        await using var hostScope = host;
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var handled = new MetricCollector<long>(meters, "Broker", "broker.consumer.messages_handled");
        using var failures = new MetricCollector<long>(meters, "Broker", "broker.consumer.handler_failures");
        using var duration = new MetricCollector<double>(meters, "Broker", "broker.consumer.handler_duration");
        await host.StartAsync();
        var consumer = host.Consumer("jobs");

        await queue.SendJobAsync("slow");
        await entered.Bounded();
        time.Advance(TimeSpan.FromSeconds(3));
        gate.SetResult();
        await consumer.WaitUntilAsync(s => probe.Completed.Count == 1 && s.PendingReceives == 1);
        await queue.SendJobAsync("bad");
        await consumer.WaitUntilAsync(s => s.ConsecutiveFailures == 1 && s.PendingReceives == 1);

        var handledOnce = Assert.Single(handled.GetMeasurementSnapshot());
        Assert.Equal(1, handledOnce.Value);
        Assert.Equal("jobs", handledOnce.Tags["consumer"]);
        var failedOnce = Assert.Single(failures.GetMeasurementSnapshot());
        Assert.Equal(1, failedOnce.Value);
        Assert.Equal("jobs", failedOnce.Tags["consumer"]);
        Assert.Equal([3.0, 0.0], duration.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.All(duration.GetMeasurementSnapshot(), m => Assert.Equal("jobs", m.Tags["consumer"]));
    }
}
