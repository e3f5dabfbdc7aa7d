using Broker.StressTests.Checking;

namespace Broker.StressTests.CheckerTests;

public sealed class NothingLostCheckerTests
{
    [Fact]
    public void A_message_that_was_received_and_deleted_is_not_lost()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 2).Delete("m1", 1, 3).Build();

        Assert.Empty(NothingLostChecker.Check(history));
    }

    [Fact]
    public void An_accepted_message_never_received_is_reported_lost_with_its_id_and_send_time()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Build();

        var violation = Assert.Single(NothingLostChecker.Check(history));
        Assert.Contains("lost: message m1", violation, StringComparison.Ordinal);
        Assert.Contains("[1.000s, 1.000s]", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_whose_last_receipt_was_never_deleted_is_reported_lost_naming_that_receive()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 2).Delete("m1", 1, 3, ok: false).Receive("m1", 2, 40).Build();

        var violation = Assert.Single(NothingLostChecker.Check(history));
        Assert.Contains("message m1", violation, StringComparison.Ordinal);
        Assert.Contains("receive #2 from src at [40.000s, 40.000s]", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_delete_of_the_last_receipt_does_not_account_for_the_message()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 2).Delete("m1", 1, 50, ok: false).Build();

        var violation = Assert.Single(NothingLostChecker.Check(history));
        Assert.Contains("only deleted unsuccessfully at [50.000s, 50.000s]", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_purge_that_ended_after_the_send_began_explains_a_missing_message()
    {
        var history = new QueueHistoryBuilder().Send("m1", 5).Purge(4, 6).Build();

        Assert.Empty(NothingLostChecker.Check(history));
    }

    [Fact]
    public void A_purge_that_ended_before_the_send_does_not_explain_a_missing_message()
    {
        var history = new QueueHistoryBuilder().Send("m1", 5).Purge(3, 4).Build();

        Assert.Single(NothingLostChecker.Check(history));
    }

    [Fact]
    public void A_message_that_used_up_its_receives_may_have_been_purged_from_the_dead_letter_queue()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 2, 1).Receive("m1", 2, 4, 1).Receive("m1", 3, 6, 1)
            .Purge(8, 9, QueueHistoryBuilder.DeadLetter).Build();

        Assert.Empty(NothingLostChecker.Check(history));
    }

    [Fact]
    public void A_message_past_its_retention_at_the_end_is_not_lost()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Build(end: TimeSpan.FromDays(5).TotalSeconds);

        Assert.Empty(NothingLostChecker.Check(history));
    }
}
