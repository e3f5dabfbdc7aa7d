using Broker.StressTests.Checking;

namespace Broker.StressTests.CheckerTests;

public sealed class DeadLetterCheckerTests
{
    private const string Dlq = QueueHistoryBuilder.DeadLetter;

    private static QueueHistoryBuilder ThreeReceives() =>
        new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 2, 1).Receive("m1", 2, 4, 1).Receive("m1", 3, 6, 1);

    [Fact]
    public void A_message_moved_after_max_receive_count_receives_and_received_once_from_the_dead_letter_queue_is_fine()
    {
        var history = ThreeReceives().Receive("m1", 4, 10, 1, Dlq).Receive("m1", 5, 12, 1, Dlq).Build();

        Assert.Empty(DeadLetterChecker.Check(history));
    }

    [Fact]
    public void A_message_that_arrives_in_the_dead_letter_queue_twice_is_reported_with_both_receives()
    {
        var history = ThreeReceives().Receive("m1", 4, 10, 30, Dlq).Receive("m1", 4, 11, 30, Dlq).Build();

        var violation = Assert.Single(DeadLetterChecker.Check(history));
        Assert.Contains("dead-lettered twice: message m1", violation, StringComparison.Ordinal);
        Assert.Contains("at [11.000s, 11.000s]", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_moved_before_it_used_up_its_receives_is_reported()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 2, 1).Receive("m1", 2, 10, 1, Dlq).Build();

        var violation = Assert.Single(DeadLetterChecker.Check(history));
        Assert.Contains("dead-lettered early: message m1 arrived in dlq after 1 receives, maxReceiveCount is 3", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_that_hands_a_message_out_past_max_receive_count_is_reported()
    {
        var history = ThreeReceives().Receive("m1", 4, 8, 1).Build();

        var violation = Assert.Single(DeadLetterChecker.Check(history));
        Assert.Contains("not dead-lettered: message m1 was handed out by the source 4 times", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_seen_in_the_source_after_the_dead_letter_queue_is_reported()
    {
        var history = new QueueHistoryBuilder().Send("m1", 1).Receive("m1", 1, 2, 1).Receive("m1", 2, 4, 1)
            .Receive("m1", 4, 10, 1, Dlq).Receive("m1", 3, 20, 1).Build();

        Assert.Contains(DeadLetterChecker.Check(history), v => v.StartsWith("back from the dead: message m1", StringComparison.Ordinal));
    }
}
