using Broker.StressTests.Checking;

namespace Broker.StressTests.CheckerTests;

public sealed class FifoOrderCheckerTests
{
    private static QueueHistoryBuilder TwoInGroup() => new QueueHistoryBuilder(fifo: true).Send("m1", 1, "g", 1).Send("m2", 2, "g", 2);

    [Fact]
    public void A_group_delivered_in_order_is_fine()
    {
        var history = TwoInGroup().Receive("m1", 1, 10).Delete("m1", 1, 11).Receive("m2", 1, 12).Delete("m2", 1, 13).Build();

        Assert.Empty(FifoOrderChecker.Check(history));
    }

    [Fact]
    public void A_receive_that_overtakes_an_earlier_message_still_in_flight_is_reported()
    {
        // m2 is handed out while m1 is in flight (the group is locked) and m1 is deleted afterwards.
        var history = TwoInGroup().Receive("m1", 1, 10).Receive("m2", 1, 12).Delete("m1", 1, 13).Build();

        var violation = Assert.Single(FifoOrderChecker.Check(history));
        Assert.Contains("group g: receive #1 from src at [12.000s, 12.000s]", violation, StringComparison.Ordinal);
        Assert.Contains("while the earlier message m1 (#0) was still in the queue", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_receive_that_skips_an_earlier_message_received_later_is_reported()
    {
        var history = TwoInGroup().Receive("m2", 1, 10).Receive("m1", 1, 50).Build();

        var violation = Assert.Single(FifoOrderChecker.Check(history));
        Assert.Contains("returned message m2 (#1 in the group) while the earlier message m1 (#0)", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_that_returns_a_group_out_of_order_is_reported()
    {
        var history = TwoInGroup().Batch(10, 30, ("m2", 1), ("m1", 1)).Build();

        var violation = Assert.Single(FifoOrderChecker.Check(history));
        Assert.Contains("returned message m1 (#0) after the later message m2 (#1)", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_may_take_a_message_again_whose_first_receipt_expired_during_the_call()
    {
        var history = TwoInGroup().Batch("src", 10, 50, 1, ("m1", 1), ("m2", 1), ("m1", 2)).Build();

        Assert.Empty(FifoOrderChecker.Check(history));
    }

    [Fact]
    public void Sequence_numbers_that_contradict_real_time_are_reported()
    {
        var history = new QueueHistoryBuilder(fifo: true).Send("m1", 1, "g", 5).Send("m2", 2, "g", 3).Build();

        var violation = Assert.Single(FifoOrderChecker.Check(history));
        Assert.Contains("group g: message m1 got sequence number 00000000000000000005 at [1.000s, 1.000s], before message m2", violation, StringComparison.Ordinal);
    }
}
