namespace Broker.Streams.Processing;

/// <summary>
/// An <see cref="ILeaseStore"/> in memory, the default of <see cref="StreamProcessorOptions.LeaseStore"/>. Share one
/// instance between the <see cref="StreamProcessor"/>s of an application to have them split its shards.
/// <see cref="MessageBroker.LeaseStore"/> is one too, and a durable broker's journals every change of it.
/// </summary>
/// <remarks>
/// Every call takes one lock: leases are read and written a few times per <see cref="StreamProcessorOptions.FailoverTime"/>
/// and per checkpoint, a cold path where a lock is simpler to reason about than lock-free compare-and-swap. Calls complete
/// synchronously, except, in a durable broker's store, changes, which complete when their journal record is as durable
/// as the broker's policy says.
/// </remarks>
public sealed class InMemoryLeaseStore : ILeaseStore
{
    private readonly Lock gate = new();

    /// <summary>Leases by application name, then by lease key; guarded by <see cref="gate"/>.</summary>
    private readonly Dictionary<string, SortedDictionary<string, Lease>> tables = new(StringComparer.Ordinal);

    /// <summary>A durable broker's journal, which records every change (appended under the lock, so in order); or null.</summary>
    private readonly Durability.Internal.DurableStore? journal;

    /// <summary>Creates an empty lease store.</summary>
    public InMemoryLeaseStore()
    {
    }

    /// <summary>A durable broker's lease store: the tables its journal held, and every change journaled.</summary>
    internal InMemoryLeaseStore(Durability.Internal.DurableStore journal, IReadOnlyDictionary<string, SortedDictionary<string, Lease>> recovered)
    {
        this.journal = journal;
        foreach (var (application, table) in recovered)
        {
            tables[application] = new SortedDictionary<string, Lease>(table, StringComparer.Ordinal);
        }
    }

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

            if (!table.TryAdd(lease.LeaseKey, lease))
            {
                return ValueTask.FromResult(false);
            }

            return journal is null ? ValueTask.FromResult(true) : Journaled(journal.LeaseSaved(applicationName, lease), true);
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
            return journal is null ? ValueTask.FromResult<Lease?>(updated) : Journaled<Lease?>(journal.LeaseSaved(applicationName, updated), updated);
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
            return journal is null || !deleted ? ValueTask.FromResult(deleted) : Journaled(journal.LeaseDeleted(applicationName, leaseKey), true);
        }
    }

    /// <summary>The result of a change, once its journal record (appended under the lock) is durable; awaited outside the lock.</summary>
    private static ValueTask<T> Journaled<T>(ValueTask append, T result)
    {
        return append.IsCompletedSuccessfully ? ValueTask.FromResult(result) : AwaitAsync(append, result);

        static async ValueTask<T> AwaitAsync(ValueTask append, T result)
        {
            await append.ConfigureAwait(false);
            return result;
        }
    }
}
