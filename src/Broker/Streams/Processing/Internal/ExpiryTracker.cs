namespace Broker.Streams.Processing.Internal;

/// <summary>
/// Remembers when this worker last saw each lease's counter change, on the broker's clock: a lease whose counter has not
/// changed for the failover time is expired (KCL: <c>lastCounterIncrementNanos</c>). Used by the scheduler loop only.
/// </summary>
internal sealed class ExpiryTracker
{
    private readonly Dictionary<string, (long Counter, DateTimeOffset SeenAt)> lastChange = new(StringComparer.Ordinal);

    /// <summary>Records the counters of a fresh listing of the lease table.</summary>
    /// <param name="leases">Every lease.</param>
    /// <param name="now">The broker's time.</param>
    public void Observe(IReadOnlyList<Lease> leases, DateTimeOffset now)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lease in leases)
        {
            present.Add(lease.LeaseKey);
            if (!lastChange.TryGetValue(lease.LeaseKey, out var seen) || seen.Counter != lease.LeaseCounter)
            {
                lastChange[lease.LeaseKey] = (lease.LeaseCounter, now);
            }
        }

        foreach (var key in lastChange.Keys.Where(k => !present.Contains(k)).ToList())
        {
            lastChange.Remove(key);
        }
    }

    /// <summary>Whether the lease's counter has stayed the same for longer than <paramref name="failoverTime"/>.</summary>
    /// <param name="lease">A lease seen by the last <see cref="Observe"/>.</param>
    /// <param name="now">The broker's time.</param>
    /// <param name="failoverTime">The failover time.</param>
    /// <returns>Whether it is expired.</returns>
    public bool IsExpired(Lease lease, DateTimeOffset now, TimeSpan failoverTime) =>
        lastChange.TryGetValue(lease.LeaseKey, out var seen) && seen.Counter == lease.LeaseCounter && now - seen.SeenAt > failoverTime;
}
