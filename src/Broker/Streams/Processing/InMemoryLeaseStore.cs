namespace Broker.Streams.Processing;

/// <summary>
/// An <see cref="ILeaseStore"/> in memory, the default of <see cref="StreamProcessorOptions.LeaseStore"/>. Share one
/// instance between the <see cref="StreamProcessor"/>s of an application to have them split its shards.
/// </summary>
/// <remarks>
/// Every call takes one lock: leases are read and written a few times per <see cref="StreamProcessorOptions.FailoverTime"/>
/// and per checkpoint, a cold path where a lock is simpler to reason about than lock-free compare-and-swap. Calls complete
/// synchronously.
/// </remarks>
public sealed class InMemoryLeaseStore : ILeaseStore
{
    private readonly Lock gate = new();

    /// <summary>Leases by application name, then by lease key; guarded by <see cref="gate"/>.</summary>
    private readonly Dictionary<string, SortedDictionary<string, Lease>> tables = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ValueTask<bool> CreateLeaseIfNotExistsAsync(string applicationName, Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(applicationName);
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            if (!tables.TryGetValue(applicationName, out var table))
            {
                table = new SortedDictionary<string, Lease>(StringComparer.Ordinal);
                tables.Add(applicationName, table);
            }

            return ValueTask.FromResult(table.TryAdd(lease.LeaseKey, lease));
        }
    }

    /// <inheritdoc/>
    public ValueTask<Lease?> GetLeaseAsync(string applicationName, string leaseKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(applicationName);
        ArgumentNullException.ThrowIfNull(leaseKey);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            return ValueTask.FromResult(tables.TryGetValue(applicationName, out var table) ? table.GetValueOrDefault(leaseKey) : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<Lease>> ListLeasesAsync(string applicationName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(applicationName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            IReadOnlyList<Lease> leases = tables.TryGetValue(applicationName, out var table) ? [.. table.Values] : [];
            return ValueTask.FromResult(leases);
        }
    }

    /// <inheritdoc/>
    public ValueTask<Lease?> UpdateLeaseAsync(string applicationName, Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(applicationName);
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            if (!tables.TryGetValue(applicationName, out var table)
                || !table.TryGetValue(lease.LeaseKey, out var stored)
                || stored.LeaseCounter != lease.LeaseCounter)
            {
                return ValueTask.FromResult<Lease?>(null);
            }

            var updated = lease with { LeaseCounter = lease.LeaseCounter + 1 };
            table[lease.LeaseKey] = updated;
            return ValueTask.FromResult<Lease?>(updated);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteLeaseAsync(string applicationName, string leaseKey, long expectedLeaseCounter, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(applicationName);
        ArgumentNullException.ThrowIfNull(leaseKey);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            var deleted = tables.TryGetValue(applicationName, out var table)
                && table.TryGetValue(leaseKey, out var stored)
                && stored.LeaseCounter == expectedLeaseCounter
                && table.Remove(leaseKey);
            return ValueTask.FromResult(deleted);
        }
    }
}
