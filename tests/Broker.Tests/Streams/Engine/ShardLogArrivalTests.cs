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
}
