using Broker.StressTests.Checking;

namespace Broker.StressTests.CheckerTests;

public sealed class RedeliveryCheckerTests
{
    [Fact]
    public void A_redelivery_after_the_visibility_timeout_is_fine()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 10, visibility: 30).Receive("m1", 2, 40).Build();

        Assert.Empty(RedeliveryChecker.Check(history));
    }

    [Fact]
    public void A_redelivery_before_the_visibility_timeout_could_expire_is_an_early_duplicate()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 10, visibility: 30).Receive("m1", 2, 20).Build();

        var violation = Assert.Single(RedeliveryChecker.Check(history));
        Assert.Contains("early duplicate: message m1", violation, StringComparison.Ordinal);
        Assert.Contains("before 40.000s", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void Interval_semantics_give_a_receive_that_may_have_read_the_clock_late_the_benefit_of_the_doubt()
    {
        // The second receive started at 35 but may have read the clock as late as 41, after the deadline at 40.
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 10, visibility: 30).Batch("src", 35, 41, 30, ("m1", 2)).Build();

        Assert.Empty(RedeliveryChecker.Check(history));
    }

    [Fact]
    public void A_visibility_change_to_zero_allows_an_immediate_redelivery()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 10).Change("m1", 1, 15, 0).Receive("m1", 2, 16).Build();

        Assert.Empty(RedeliveryChecker.Check(history));
    }

    [Fact]
    public void Two_deliveries_with_the_same_receive_count_are_a_duplicate()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 10).Receive("m1", 1, 11).Build();

        var violation = Assert.Single(RedeliveryChecker.Check(history));
        Assert.Contains("duplicate delivery: message m1 was handed out twice with receive count 1", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_receive_after_a_delete_that_certainly_removed_the_message_is_reported()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 10, visibility: 30).Delete("m1", 1, 12).Receive("m1", 2, 50).Build();

        var violation = Assert.Single(RedeliveryChecker.Check(history));
        Assert.Contains("received after delete: message m1", violation, StringComparison.Ordinal);
        Assert.Contains("succeeded at [12.000s, 12.000s]", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stale_delete_after_the_visibility_ran_out_proves_nothing()
    {
        // On a standard queue a delete with an expired handle answers success even when the message was received again.
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 10, visibility: 30).Receive("m1", 2, 41).Delete("m1", 1, 42).Build();

        Assert.Empty(RedeliveryChecker.Check(history));
    }

    [Fact]
    public void A_skipped_receive_count_is_reported()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 10, visibility: 1).Receive("m1", 3, 20).Build();

        var violation = Assert.Single(RedeliveryChecker.Check(history));
        Assert.Contains("receive count jumped from 1 to 3", violation, StringComparison.Ordinal);
    }
}
