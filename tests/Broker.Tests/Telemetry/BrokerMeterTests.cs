using System.Diagnostics.Metrics;
using Broker.Queues;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Telemetry;

/// <summary>Where the broker's meter comes from and who disposes it.</summary>
public sealed class BrokerMeterTests
{
    /// <summary>Listens to one meter's instruments and notes those whose meter was disposed.</summary>
    private sealed class CompletionListener : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly List<string> completed = [];

        public CompletionListener(Meter meter)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.MeasurementsCompleted = (instrument, _) =>
            {
                lock (completed)
                {
                    completed.Add(instrument.Name);
                }
            };
            listener.Start();
        }

        public IReadOnlyList<string> Completed
        {
            get
            {
                lock (completed)
                {
                    return [.. completed];
                }
            }
        }

        public void Dispose() => listener.Dispose();
    }

    [Fact]
    public async Task A_broker_without_a_meter_factory_counts_on_a_Broker_meter_of_its_own()
    {
        using var broker = new MessageBroker(new BrokerOptions(), new FakeTimeProvider());
        using var sent = new MetricCollector<long>(broker.Metrics.Meter, "broker.queue.messages_sent");

        await broker.CreateQueue("orders").SendAsync("m");

        Assert.Equal("Broker", broker.Metrics.Meter.Name);
        Assert.Null(broker.Metrics.Meter.Scope);
        Assert.Equal(1, Assert.Single(sent.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public async Task Each_broker_has_its_own_instruments()
    {
        using var first = new MessageBroker(new BrokerOptions(), new FakeTimeProvider());
        using var second = new MessageBroker(new BrokerOptions(), new FakeTimeProvider());
        using var sent = new MetricCollector<long>(first.Metrics.Meter, "broker.queue.messages_sent");

        await second.CreateQueue("orders").SendAsync("not mine");
        await first.CreateQueue("orders").SendAsync("mine");

        Assert.NotSame(first.Metrics.Meter, second.Metrics.Meter);
        Assert.Equal(1, Assert.Single(sent.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public void A_broker_creates_its_meter_through_the_factory_it_is_given()
    {
        using var factory = new TestMeterFactory();
        using var broker = new MessageBroker(new BrokerOptions { MeterFactory = factory });

        var meter = Assert.Single(factory.Meters);
        Assert.Same(meter, broker.Metrics.Meter);
        Assert.Equal("Broker", meter.Name);
        Assert.Same(factory, meter.Scope);
    }

    [Fact]
    public void Disposing_a_broker_disposes_the_meter_it_created()
    {
        var broker = new MessageBroker(new BrokerOptions(), new FakeTimeProvider());
        using var listener = new CompletionListener(broker.Metrics.Meter);
        Assert.True(broker.Metrics.MessagesSent.Enabled);

        broker.Dispose();

        Assert.Contains("broker.queue.messages_sent", listener.Completed);
        Assert.Contains("broker.queue.messages_visible", listener.Completed);
        Assert.False(broker.Metrics.MessagesSent.Enabled);
    }

    [Fact]
    public void Disposing_a_broker_leaves_a_meter_from_a_factory_to_the_factory()
    {
        using var factory = new TestMeterFactory();
        var broker = new MessageBroker(new BrokerOptions { MeterFactory = factory }, new FakeTimeProvider());
        using var listener = new CompletionListener(broker.Metrics.Meter);

        broker.Dispose();
        Assert.Empty(listener.Completed);

        factory.Dispose();
        Assert.Contains("broker.queue.messages_sent", listener.Completed);
    }

    [Fact]
    public async Task The_gauges_of_a_disposed_broker_report_nothing_on_a_meter_that_outlives_it()
    {
        using var factory = new TestMeterFactory();
        var broker = new MessageBroker(new BrokerOptions { MeterFactory = factory }, new FakeTimeProvider());
        using var visible = new MetricCollector<long>(factory, "Broker", "broker.queue.messages_visible");
        await broker.CreateQueue("orders").SendAsync(new SendMessageRequest("m"));
        visible.RecordObservableInstruments();
        Assert.Equal(1, Assert.Single(visible.GetMeasurementSnapshot(clear: true)).Value);

        broker.Dispose();
        visible.RecordObservableInstruments();

        Assert.Empty(visible.GetMeasurementSnapshot());
    }
}
