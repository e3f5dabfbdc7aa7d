using System.Diagnostics.Metrics;

namespace Broker.Hosting.Internal;

/// <summary>
/// The hosting layer's instruments on the Meter named "Broker": created through the host's <see cref="IMeterFactory"/>
/// when DI has one (so each host, and each test, sees only its own measurements), else on a meter of its own.
/// Every instrument carries the tag <c>consumer</c>: the queue, topic or stream the consumer reads.
/// </summary>
internal sealed class HostingMetrics : IDisposable
{
    public const string ConsumerTag = "consumer";

    private readonly Meter meter;
    private readonly bool ownsMeter;

    public HostingMetrics(IMeterFactory? meterFactory = null)
    {
        ownsMeter = meterFactory is null;
        meter = meterFactory?.Create(new MeterOptions(BrokerTracing.SourceName)) ?? new Meter(BrokerTracing.SourceName);
        MessagesHandled = meter.CreateCounter<long>(
            "broker.consumer.messages_handled", "{message}", "Messages (or stream records) a hosted handler completed.");
        HandlerFailures = meter.CreateCounter<long>(
            "broker.consumer.handler_failures", "{message}", "Handler invocations that threw or timed out.");
        DeserializationFailures = meter.CreateCounter<long>(
            "broker.consumer.deserialization_failures", "{message}", "Message bodies that could not be deserialized into the handler's type.");
        Concurrency = meter.CreateUpDownCounter<long>(
            "broker.consumer.concurrency", "{worker}", "Workers a hosted consumer runs right now.");
        HandlerDuration = meter.CreateHistogram<double>(
            "broker.consumer.handler_duration", "s", "How long handler invocations took, on the broker's clock.");
    }

    /// <summary>Messages (or stream records) a hosted handler completed.</summary>
    public Counter<long> MessagesHandled { get; }

    /// <summary>Handler invocations that threw or timed out.</summary>
    public Counter<long> HandlerFailures { get; }

    /// <summary>Bodies that could not be deserialized.</summary>
    public Counter<long> DeserializationFailures { get; }

    /// <summary>Workers running now, per consumer.</summary>
    public UpDownCounter<long> Concurrency { get; }

    /// <summary>Handler duration in seconds.</summary>
    public Histogram<double> HandlerDuration { get; }

    public static KeyValuePair<string, object?> Consumer(string name) => new(ConsumerTag, name);

    public void Dispose()
    {
        if (ownsMeter)
        {
            meter.Dispose();
        }
    }
}
