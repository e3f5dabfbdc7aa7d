namespace Broker.Streams.Processing;

/// <summary>
/// The table of <see cref="Lease"/> rows that the <see cref="StreamProcessor"/>s of one application share (the KCL
/// keeps it in a DynamoDB table named after the application). Every write is conditional, so workers that race for
/// the same lease never both win. Implement it over a database to coordinate processes; the default,
/// <see cref="InMemoryLeaseStore"/>, coordinates processors within one process.
/// </summary>
public interface ILeaseStore
{
    /// <summary>Creates a lease unless the application already has one with that key (DynamoDB: a put with <c>attribute_not_exists</c>).</summary>
    /// <param name="applicationName">The application whose table holds the lease.</param>
    /// <param name="lease">The lease, stored as given.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when it was created, <see langword="false"/> when one existed.</returns>
    ValueTask<bool> CreateLeaseIfNotExistsAsync(string applicationName, Lease lease, CancellationToken cancellationToken = default);

    /// <summary>The lease with that key, if any.</summary>
    /// <param name="applicationName">The application whose table holds the lease.</param>
    /// <param name="leaseKey">The shard id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The lease, or <see langword="null"/>.</returns>
    ValueTask<Lease?> GetLeaseAsync(string applicationName, string leaseKey, CancellationToken cancellationToken = default);

    /// <summary>Every lease of the application, in ordinal order of their keys.</summary>
    /// <param name="applicationName">The application whose table to list.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A snapshot of the leases.</returns>
    ValueTask<IReadOnlyList<Lease>> ListLeasesAsync(string applicationName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces a lease if its stored <see cref="Lease.LeaseCounter"/> still equals <paramref name="lease"/>'s, storing it
    /// with the counter raised by one (DynamoDB: a conditional update that adds 1 to <c>leaseCounter</c>).
    /// </summary>
    /// <param name="applicationName">The application whose table holds the lease.</param>
    /// <param name="lease">The new values; its <see cref="Lease.LeaseCounter"/> is the counter the caller last saw.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored lease (with the new counter), or <see langword="null"/> when the counter was stale or the lease is gone.</returns>
    ValueTask<Lease?> UpdateLeaseAsync(string applicationName, Lease lease, CancellationToken cancellationToken = default);

    /// <summary>Deletes a lease if its stored counter still equals <paramref name="expectedLeaseCounter"/>.</summary>
    /// <param name="applicationName">The application whose table holds the lease.</param>
    /// <param name="leaseKey">The shard id.</param>
    /// <param name="expectedLeaseCounter">The counter the caller last saw.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when it was deleted; <see langword="false"/> when the counter was stale or the lease is gone.</returns>
    ValueTask<bool> DeleteLeaseAsync(string applicationName, string leaseKey, long expectedLeaseCounter, CancellationToken cancellationToken = default);
}
