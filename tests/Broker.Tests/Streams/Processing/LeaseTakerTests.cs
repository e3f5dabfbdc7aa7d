using Broker.Streams.Processing;
using Broker.Streams.Processing.Internal;

namespace Broker.Tests.Streams.Processing;

public sealed class LeaseTakerTests
{
    private static Lease Owned(string key, string? owner) => new(key) { LeaseOwner = owner };

    private static List<string> Choose(IReadOnlyList<Lease> leases, string[] held, string[] expired, int maxSteal = 1) =>
        LeaseTaker.Choose(leases, "me", held, lease => expired.Contains(lease.LeaseKey), maxSteal).Select(l => l.LeaseKey).ToList();

    [Fact]
    public void Expired_and_unowned_leases_are_taken_up_to_the_target_before_any_steal()
    {
        Lease[] leases = [Owned("s1", "other"), Owned("s2", "other"), Owned("s3", "dead"), Owned("s4", null)];

        // Live workers: me and other (dead's only lease is expired), so the target is 2 and both free leases are taken.
        Assert.Equal(["s3", "s4"], Choose(leases, [], ["s3"]));
    }

    [Fact]
    public void With_none_expired_a_worker_below_target_steals_at_most_the_limit_from_the_most_loaded()
    {
        Lease[] leases = [Owned("s1", "big"), Owned("s2", "big"), Owned("s3", "big"), Owned("s4", "big"), Owned("s5", "small")];

        // Target ceil(5/3) = 2; big is 2 over it.
        Assert.Equal(["s4"], Choose(leases, [], []));
        Assert.Equal(["s4", "s3"], Choose(leases, [], [], maxSteal: 5));
    }

    [Fact]
    public void A_worker_at_its_target_takes_nothing_and_finished_leases_do_not_count()
    {
        Lease[] leases = [Owned("s1", "me"), Owned("s2", "other"), new Lease("s0") { Checkpoint = SentinelCheckpoints.ShardEnd }];

        Assert.Empty(Choose(leases, ["s1"], []));

        // When other's only lease expires, other no longer counts as live: the target becomes 2 and its lease is taken.
        Assert.Equal(["s2"], Choose([Owned("s1", "me"), Owned("s2", "other")], ["s1"], ["s2"]));
    }
}
