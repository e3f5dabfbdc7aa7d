using Broker.StressTests.Checking;
using Broker.StressTests.History;

namespace Broker.StressTests.CheckerTests;

public sealed class StreamCheckerTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private static PutEvent Put(string key, long serial, string shard, long seq, double at) =>
        new(key, serial, shard, seq.ToString(System.Globalization.CultureInfo.InvariantCulture), Stamp.Seconds(at, at));

    private static ReadEvent Read(int consumer, long order, string shard, double at, bool atEnd, params PutEvent[] records) =>
        new(consumer, order, shard, [.. records.Select(p => new ReadRecord(p.SequenceNumber, p.Key, p.Data))], atEnd, false, Stamp.Seconds(at, at));

    private static StreamHistorySnapshot History(PutEvent[] puts, params ReadEvent[] reads) => new(Retention, puts, reads, [], TimeSpan.FromSeconds(1000));

    [Fact]
    public void A_shard_read_whole_and_in_order_is_fine()
    {
        PutEvent[] puts = [Put("a", 1, "s0", 10, 1), Put("a", 2, "s0", 11, 2)];

        var history = History(puts, Read(0, 0, "s0", 5, false, puts[0]), Read(0, 1, "s0", 6, true, puts[1]));

        Assert.Empty(ShardLogChecker.Check(history));
        Assert.Empty(PartitionKeyOrderChecker.Check(history));
    }

    [Fact]
    public void A_read_that_jumps_over_a_record_within_retention_is_a_gap_naming_shard_record_and_times()
    {
        PutEvent[] puts = [Put("a", 1, "s0", 10, 1), Put("a", 2, "s0", 11, 2), Put("a", 3, "s0", 12, 3)];

        var history = History(puts, Read(0, 0, "s0", 5, false, puts[0]), Read(0, 1, "s0", 6, true, puts[2]));

        // (a|2 is also reported lost: no consumer read it.)
        Assert.Contains(
            ShardLogChecker.Check(history),
            v => v.StartsWith("gap: consumer 0 skipped a|2 (s0 11, put at [2.000s, 2.000s]): its read at [6.000s, 6.000s] went from 10 to 12", StringComparison.Ordinal));
    }

    [Fact]
    public void A_record_skipped_after_it_could_have_expired_is_not_a_gap()
    {
        PutEvent[] puts = [Put("a", 1, "s0", 10, 1), Put("a", 2, "s0", 11, 2)];
        var late = Retention.TotalSeconds + 2;

        var history = History(puts, Read(0, 0, "s0", late, true, puts[1])) with { End = TimeSpan.FromSeconds(late) };

        Assert.Empty(ShardLogChecker.Check(history));
    }

    [Fact]
    public void A_consumer_that_reaches_the_end_of_a_shard_without_its_last_record_is_reported()
    {
        PutEvent[] puts = [Put("a", 1, "s0", 10, 1), Put("a", 2, "s0", 11, 2)];

        var history = History(puts, Read(0, 0, "s0", 5, true, puts[0]), Read(1, 0, "s0", 5, false, puts[0], puts[1]));

        var violation = Assert.Single(ShardLogChecker.Check(history));
        Assert.Contains("skipped a|2 (s0 11", violation, StringComparison.Ordinal);
        Assert.Contains("reached the end after 10", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_no_put_returned_is_a_phantom()
    {
        PutEvent[] puts = [Put("a", 1, "s0", 10, 1)];

        var history = History(puts, Read(0, 0, "s0", 5, false, puts[0], Put("a", 9, "s0", 11, 0)));

        Assert.Contains(ShardLogChecker.Check(history), v => v.StartsWith("phantom: consumer 0 read a|9 as 11 from shard s0", StringComparison.Ordinal));
    }

    [Fact]
    public void Sequence_numbers_that_go_backwards_in_real_time_are_reported()
    {
        PutEvent[] puts = [Put("a", 1, "s0", 11, 1), Put("a", 2, "s0", 10, 2)];

        var history = History(puts, Read(0, 0, "s0", 5, false, puts[1], puts[0]));

        Assert.Contains(ShardLogChecker.Check(history), v => v.StartsWith("shard s0: put a|1 got 11 at [1.000s, 1.000s], yet put a|2", StringComparison.Ordinal));
    }

    [Fact]
    public void A_record_read_by_no_consumer_while_within_retention_is_lost()
    {
        PutEvent[] puts = [Put("a", 1, "s0", 10, 1)];

        var violation = Assert.Single(ShardLogChecker.Check(History(puts)));
        Assert.Contains("lost: record a|1 (s0 10, put at [1.000s, 1.000s]) was read by no consumer", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_read_out_of_put_order_across_a_reshard_is_reported()
    {
        // a|2 went to the child s1 and a|1 stayed in the parent s0, yet the consumer read the child first.
        PutEvent[] puts = [Put("a", 1, "s0", 10, 1), Put("a", 2, "s1", 20, 2)];

        var history = History(puts, Read(0, 0, "s1", 5, false, puts[1]), Read(0, 1, "s0", 6, true, puts[0]));

        var violation = Assert.Single(PartitionKeyOrderChecker.Check(history));
        Assert.Contains("key a: consumer 0 read a|1 from s0 (10) at [6.000s, 6.000s] after a|2 from s1 (20)", violation, StringComparison.Ordinal);
    }
}
