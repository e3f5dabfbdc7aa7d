using System.Diagnostics.Metrics;

namespace Broker.Tests.Topics;

/// <summary>
/// Adds up one broker's <c>broker.subscription.notifications_delivered</c> measurements as they are made: deliveries
/// that reached their queue or whose handler returned, of every topic of the broker.
/// </summary>
internal sealed class DeliveredNotifications : IDisposable
{
    private readonly MeterListener listener = new();
    private long count;

    public DeliveredNotifications(MessageBroker broker)
    {
        var meter = broker.Metrics.Meter;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name == "broker.subscription.notifications_delivered")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref count, value));
        listener.Start();
    }

    public long Count => Interlocked.Read(ref count);

    public void Dispose() => listener.Dispose();
}
