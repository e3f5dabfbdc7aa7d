using System.Diagnostics.Metrics;

namespace Broker.Tests.Telemetry;

/// <summary>
/// A meter factory of one test: its meters carry it as their scope, so a <c>MetricCollector</c> made from it sees this
/// test's broker only, whatever other tests running in parallel measure. Disposing it disposes its meters.
/// </summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> meters = [];

    public IReadOnlyList<Meter> Meters
    {
        get
        {
            lock (meters)
            {
                return [.. meters];
            }
        }
    }

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        lock (meters)
        {
            meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in Meters)
        {
            meter.Dispose();
        }
    }
}
