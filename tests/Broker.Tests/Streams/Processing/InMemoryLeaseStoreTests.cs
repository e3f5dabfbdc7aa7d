using Broker.Streams.Processing;

namespace Broker.Tests.Streams.Processing;

public sealed class InMemoryLeaseStoreTests
{
    private readonly InMemoryLeaseStore store = new();

    [Fact]
    public async Task Create_only_creates_a_lease_that_does_not_exist_and_applications_are_separate()
    {
        Assert.True(await store.CreateLeaseIfNotExistsAsync("app", new Lease("shard-1")));
        Assert.False(await store.CreateLeaseIfNotExistsAsync("app", new Lease("shard-1") { LeaseOwner = "w" }));
        Assert.True(await store.CreateLeaseIfNotExistsAsync("other", new Lease("shard-1") { LeaseOwner = "w" }));

        Assert.Null((await store.GetLeaseAsync("app", "shard-1"))!.LeaseOwner);
        Assert.Equal("w", (await store.GetLeaseAsync("other", "shard-1"))!.LeaseOwner);
        Assert.Null(await store.GetLeaseAsync("missing", "shard-1"));
    }

    [Fact]
    public async Task Update_succeeds_on_the_current_counter_raises_it_and_fails_on_a_stale_one()
    {
        await store.CreateLeaseIfNotExistsAsync("app", new Lease("shard-1"));
        var original = (await store.GetLeaseAsync("app", "shard-1"))!;

        var taken = await store.UpdateLeaseAsync("app", original with { LeaseOwner = "a" });
        Assert.NotNull(taken);
        Assert.Equal(1, taken.LeaseCounter);

        Assert.Null(await store.UpdateLeaseAsync("app", original with { LeaseOwner = "b" }));
        Assert.Equal("a", (await store.GetLeaseAsync("app", "shard-1"))!.LeaseOwner);
        Assert.Null(await store.UpdateLeaseAsync("app", new Lease("absent")));

        var renewed = await store.UpdateLeaseAsync("app", taken);
        Assert.Equal(2, renewed!.LeaseCounter);
    }

    [Fact]
    public async Task Delete_needs_the_current_counter_and_list_is_ordered_by_key()
    {
        await store.CreateLeaseIfNotExistsAsync("app", new Lease("shard-2"));
        await store.CreateLeaseIfNotExistsAsync("app", new Lease("shard-1"));
        var updated = await store.UpdateLeaseAsync("app", new Lease("shard-2"));

        Assert.Equal(["shard-1", "shard-2"], (await store.ListLeasesAsync("app")).Select(l => l.LeaseKey));
        Assert.False(await store.DeleteLeaseAsync("app", "shard-2", 0));
        Assert.True(await store.DeleteLeaseAsync("app", "shard-2", updated!.LeaseCounter));
        Assert.Equal(["shard-1"], (await store.ListLeasesAsync("app")).Select(l => l.LeaseKey));
        Assert.Empty(await store.ListLeasesAsync("none"));
    }
}
