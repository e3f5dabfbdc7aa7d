using System.Threading.Channels;
using Broker.Queues;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Telemetry;

/// <summary>
/// A broker on a fake clock (2000-01-01 UTC) whose meter comes from a factory of this test's own, and helpers to
/// collect and sum its measurements.
/// </summary>
public abstract class TelemetryFixture : BrokerAssertions, IDisposable
{
    /// <summary>The longest a test waits for a signal from another thread; never a timing assertion.</summary>
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly List<IDisposable> collectors = [];

    protected TelemetryFixture()
    {
        Time = new TimerClock();
        Meters = new TestMeterFactory();
        Broker = new MessageBroker(
            new BrokerOptions { QueueDeletionCooldown = TimeSpan.Zero, PurgeCooldown = TimeSpan.Zero, MeterFactory = Meters },
            Time);
    }

    protected TimerClock Time { get; }

    internal TestMeterFactory Meters { get; }

    protected MessageBroker Broker { get; }

    /// <summary>A collector of one of this broker's instruments.</summary>
    protected MetricCollector<T> Collect<T>(string instrument)
        where T : struct
    {
        var collector = new MetricCollector<T>(Meters, "Broker", instrument);
        collectors.Add(collector);
        return collector;
    }

    protected static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);

    /// <summary>The sum of the measurements whose tags are exactly <paramref name="tags"/>.</summary>
    protected static long Total(MetricCollector<long> collector, params KeyValuePair<string, object?>[] tags) =>
        collector.GetMeasurementSnapshot().Where(m => m.MatchesTags(tags)).Sum(static m => m.Value);

    /// <summary>The sum of every measurement, whatever its tags.</summary>
    protected static long Total(MetricCollector<long> collector) => collector.GetMeasurementSnapshot().Sum(static m => m.Value);

    /// <summary>What an observable gauge reports now for one queue; null when it reports nothing for it.</summary>
    protected static T? Observe<T>(MetricCollector<T> gauge, string queue)
        where T : struct
    {
        gauge.Clear();
        gauge.RecordObservableInstruments();
        var found = gauge.GetMeasurementSnapshot().Where(m => m.MatchesTags(Tag("queue", queue))).ToList();
        return found.Count == 0 ? null : Assert.Single(found).Value;
    }

    protected static ReceiveRequest Take(int max = 10, TimeSpan? visibility = null) =>
        new() { MaxNumberOfMessages = max, VisibilityTimeout = visibility, WaitTime = TimeSpan.Zero };

    public void Dispose()
    {
        foreach (var collector in collectors)
        {
            collector.Dispose();
        }

        Broker.Dispose();
        Meters.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A <see cref="FakeTimeProvider"/> that reports every timer a topic schedules (a delivery retry), so a test can wait
    /// until a failed delivery's retry is scheduled before it advances the clock.
    /// </summary>
    protected sealed class TimerClock : FakeTimeProvider
    {
        private readonly Channel<TimeSpan> retries = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (state?.GetType().Namespace?.StartsWith("Broker.Topics", StringComparison.Ordinal) == true)
            {
                retries.Writer.TryWrite(dueTime);
            }

            return timer;
        }

        /// <summary>The delay of the next retry a topic schedules, waiting for it within <see cref="Bound"/>.</summary>
        public async Task<TimeSpan> NextRetryScheduled() => await retries.Reader.ReadAsync().AsTask().WaitAsync(Bound);
    }
}
