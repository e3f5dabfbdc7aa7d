using System.Collections.Concurrent;
using Broker.Streams.Processing;

namespace Broker.Hosting.Tests.StreamConsumers;

/// <summary>An in-memory lease store that signals when a shard's lease is released (stored with no owner).</summary>
public sealed class ReleaseSignals : ILeaseStore
{
    private readonly InMemoryLeaseStore store = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> released = new(StringComparer.Ordinal);

    public Task WhenReleasedAsync(string shardId) => Signal(shardId).Task;

    public ValueTask<bool> CreateLeaseIfNotExistsAsync(string applicationName, Lease lease, CancellationToken cancellationToken = default) =>
        store.CreateLeaseIfNotExistsAsync(applicationName, lease, cancellationToken);

    public ValueTask<Lease?> GetLeaseAsync(string applicationName, string leaseKey, CancellationToken cancellationToken = default) =>
        store.GetLeaseAsync(applicationName, leaseKey, cancellationToken);

    public ValueTask<IReadOnlyList<Lease>> ListLeasesAsync(string applicationName, CancellationToken cancellationToken = default) =>
        store.ListLeasesAsync(applicationName, cancellationToken);

    public async ValueTask<Lease?> UpdateLeaseAsync(string applicationName, Lease lease, CancellationToken cancellationToken = default)
    {
        var stored = await store.UpdateLeaseAsync(applicationName, lease, cancellationToken);
        if (stored is { LeaseOwner: null })
        {
            Signal(stored.LeaseKey).TrySetResult();
        }

        return stored;
    }

    public ValueTask<bool> DeleteLeaseAsync(string applicationName, string leaseKey, long expectedLeaseCounter, CancellationToken cancellationToken = default) =>
        store.DeleteLeaseAsync(applicationName, leaseKey, expectedLeaseCounter, cancellationToken);

    private TaskCompletionSource Signal(string shardId) =>
        released.GetOrAdd(shardId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
