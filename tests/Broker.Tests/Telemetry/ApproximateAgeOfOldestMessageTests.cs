using Broker.Queues;

namespace Broker.Tests.Telemetry;

/// <summary>QueueAttributes.ApproximateAgeOfOldestMessage with CloudWatch's rules.</summary>
public sealed class ApproximateAgeOfOldestMessageTests : TelemetryFixture
{
    private static TimeSpan Age(IMessageQueue queue) => queue.GetAttributes().ApproximateAgeOfOldestMessage;

    [Fact]
    public async Task The_age_is_zero_for_an_empty_queue_and_after_its_last_message_is_deleted()
    {
        var queue = Broker.CreateQueue("orders");
        Assert.Equal(TimeSpan.Zero, Age(queue));
        await queue.SendAsync("m");
        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), Age(queue));

        await queue.DeleteAsync(Assert.Single(await queue.ReceiveAsync(Take())));

        Assert.Equal(TimeSpan.Zero, Age(queue));
    }

    [Fact]
    public async Task The_age_is_that_of_the_oldest_message_not_yet_deleted()
    {
        var queue = Broker.CreateQueue("orders");
        await queue.SendAsync("first");
        Time.Advance(TimeSpan.FromSeconds(30));
        await queue.SendAsync("second");
        Time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(TimeSpan.FromSeconds(45), Age(queue));

        var first = Assert.Single(await queue.ReceiveAsync(Take(1)));
        Assert.Equal("first", first.GetBodyAsString());
        await queue.DeleteAsync(first);

        Assert.Equal(TimeSpan.FromSeconds(15), Age(queue));
    }

    [Fact]
    public async Task A_message_in_flight_or_back_from_its_visibility_timeout_counts_from_its_original_send()
    {
        var queue = Broker.CreateQueue("orders");
        await queue.SendAsync("m");
        Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Single(await queue.ReceiveAsync(Take(visibility: TimeSpan.FromSeconds(30))));
        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(15), Age(queue));

        Time.Advance(TimeSpan.FromSeconds(25));

        Assert.Equal(1, queue.GetAttributes().ApproximateNumberOfMessages);
        Assert.Equal(TimeSpan.FromSeconds(40), Age(queue));
    }

    [Fact]
    public async Task A_delayed_message_counts_only_once_its_delay_ends()
    {
        var queue = Broker.CreateQueue("orders");
        await queue.SendAsync(new SendMessageRequest("later") { DelaySeconds = 60 });
        Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(TimeSpan.Zero, Age(queue));

        Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(60), Age(queue));
    }

    [Fact]
    public async Task A_message_received_three_times_is_left_out_as_a_poison_pill()
    {
        var queue = Broker.CreateQueue("orders");
        await queue.SendAsync("poison");
        Time.Advance(TimeSpan.FromSeconds(100));
        for (var receive = 1; receive <= 2; receive++)
        {
            Assert.Single(await queue.ReceiveAsync(Take(visibility: TimeSpan.FromSeconds(1))));
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(TimeSpan.FromSeconds(102), Age(queue));
        await queue.SendAsync("healthy");
        Time.Advance(TimeSpan.FromSeconds(3));
        var third = Assert.Single(await queue.ReceiveAsync(Take(1, TimeSpan.FromSeconds(1))));
        Assert.Equal("poison", third.GetBodyAsString());

        Assert.Equal(TimeSpan.FromSeconds(3), Age(queue));
    }

    [Fact]
    public async Task A_dead_lettered_message_counts_from_its_move_into_the_dead_letter_queue()
    {
        var dlq = Broker.CreateQueue("orders-dlq");
        var queue = Broker.CreateQueue("orders", new QueueOptions { RedrivePolicy = new RedrivePolicy("orders-dlq", MaxReceiveCount: 3) });
        await queue.SendAsync("poison");
        for (var receive = 1; receive <= 3; receive++)
        {
            Assert.Single(await queue.ReceiveAsync(Take(visibility: TimeSpan.FromSeconds(10))));
            Time.Advance(TimeSpan.FromSeconds(10));
        }

        Time.Advance(TimeSpan.FromSeconds(70));
        Assert.Empty(await queue.ReceiveAsync(Take())); // the fourth receive moves it
        Time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(1, dlq.GetAttributes().ApproximateNumberOfMessages);
        Assert.Equal(TimeSpan.FromSeconds(5), Age(dlq));
        Assert.Equal(TimeSpan.Zero, Age(queue));
    }

    [Fact]
    public async Task A_fifo_queue_reports_the_age_of_its_oldest_message()
    {
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true });
        await queue.SendAsync(new SendMessageRequest("a") { MessageGroupId = "g1" });
        Time.Advance(TimeSpan.FromSeconds(20));
        await queue.SendAsync(new SendMessageRequest("b") { MessageGroupId = "g2" });
        Time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(TimeSpan.FromSeconds(22), Age(queue));
    }
}
