using Broker.Streams.Internal;

namespace Broker.Tests.Streams.Engine;

/// <summary>A record never arrives in a shard before the shard exists, whenever its put read the clock.</summary>
public sealed class ShardLogArrivalTests
{
    private static readonly PartitionKeyInfo Key = new("k", 0, 1);

    [Fact]
    public void A_put_that_read_the_clock_before_a_reshard_arrives_in_the_child_no_earlier_than_the_child_was_created()
    {
        // A put reads the clock (900), a reshard creates the child at 1,000, and the put is routed to the child: its
        // record must not look older than the parent's last record, or the child would expire (and drop out of
        // ListShards) while its parent is still listed.
        var child = new ShardLog(arrivalFloorMs: 1_000);
        var single = child.TryReserve();
        child.Complete(single, new ArraySegment<byte>([1]), key: null, arrivalMs: 900);
        var range = child.TryReserve(2);
        child.Fill(range, new ArraySegment<byte>([2]), Key);
        child.Fill(range + 1, new ArraySegment<byte>([3]), Key);
        child.CompleteRange(range, 2, arrivalMs: 950);
        child.Complete(child.TryReserve(), new ArraySegment<byte>([4]), key: null, arrivalMs: 1_200);

        var view = child.Snapshot();
        Assert.Equal([1_000L, 1_000L, 1_000L, 1_200L], Enumerable.Range(0, 4).Select(p => view.ArrivalMs(p)));
    }

    [Fact]
    public void A_closed_shard_stays_readable_while_any_of_its_records_is_within_retention_whatever_their_order()
    {
        // Two producers on one shard: the first read the clock later (2,000) but reserved the earlier position, so the
        // last position holds the older arrival (1,000). The shard used to expire by the last position's arrival,
        // taking the younger record with it (a consumer found the shard gone and skipped it).
        const long Retention = 10_000;
        var shard = new StreamShard(0, 0, UInt128.MaxValue, null, null, createdAtMs: 0);
        var first = shard.Log.TryReserve();
        var second = shard.Log.TryReserve();
        shard.Log.Complete(first, new ArraySegment<byte>([1]), Key, arrivalMs: 2_000);
        shard.Log.Complete(second, new ArraySegment<byte>([2]), Key, arrivalMs: 1_000);
        shard.Close([], nowMs: 2_000);

        Assert.False(shard.IsExpired(1_000 + Retention, Retention)); // the record that arrived at 2,000 is still readable
        Assert.True(shard.IsExpired(2_000 + Retention, Retention));
    }
}
