namespace Broker.Streams.Processing.Internal;

/// <summary>
/// Chooses which leases a worker takes in one round, as the KCL's <c>DynamoDBLeaseTaker</c>: below its target
/// (ceil(unfinished leases / live workers)) it takes expired or unowned leases first, and only when there are none
/// steals at most <c>MaxLeasesToStealAtOneTime</c> from the most loaded worker. Finished (<c>SHARD_END</c>) leases
/// are neither counted nor taken.
/// </summary>
internal static class LeaseTaker
{
    /// <summary>The leases to take this round.</summary>
    /// <param name="leases">The whole lease table.</param>
    /// <param name="workerId">This worker.</param>
    /// <param name="held">The keys this worker holds and renews.</param>
    /// <param name="isExpired">Whether another worker's lease is expired.</param>
    /// <param name="maxLeasesToSteal">The most leases to steal in one round.</param>
    /// <returns>The leases to take, as listed (the caller updates them conditionally).</returns>
    public static IReadOnlyList<Lease> Choose(
        IReadOnlyList<Lease> leases, string workerId, IReadOnlyCollection<string> held, Func<Lease, bool> isExpired, int maxLeasesToSteal)
    {
        var unfinished = leases.Where(l => !l.IsShardEnd).ToList();
        var available = unfinished
            .Where(l => !held.Contains(l.LeaseKey)
                && (l.LeaseOwner is null || string.Equals(l.LeaseOwner, workerId, StringComparison.Ordinal) || isExpired(l)))
            .ToList();

        // Live workers: this one, and every owner of a lease that is not available.
        var leasesByWorker = new Dictionary<string, List<Lease>>(StringComparer.Ordinal) { [workerId] = [] };
        foreach (var lease in unfinished.Except(available))
        {
            var owner = lease.LeaseOwner!;
            if (!leasesByWorker.TryGetValue(owner, out var owned))
            {
                owned = [];
                leasesByWorker.Add(owner, owned);
            }

            owned.Add(lease);
        }

        var target = (unfinished.Count + leasesByWorker.Count - 1) / leasesByWorker.Count;
        var needed = target - held.Count;
        if (needed <= 0)
        {
            return [];
        }

        if (available.Count > 0)
        {
            return available.Take(needed).ToList();
        }

        var mostLoaded = leasesByWorker
            .Where(w => !string.Equals(w.Key, workerId, StringComparison.Ordinal))
            .OrderByDescending(w => w.Value.Count)
            .ThenBy(w => w.Key, StringComparer.Ordinal)
            .FirstOrDefault();
        if (mostLoaded.Value is null)
        {
            return [];
        }

        var overTarget = mostLoaded.Value.Count - target;
        var toSteal = overTarget > 0 ? Math.Min(needed, overTarget)
            : overTarget == 0 && needed > 1 ? 1 // KCL: steal one when two or more below a target the most loaded is at
            : 0;
        return mostLoaded.Value
            .OrderByDescending(l => l.LeaseKey, StringComparer.Ordinal)
            .Take(Math.Min(toSteal, maxLeasesToSteal))
            .ToList();
    }
}
