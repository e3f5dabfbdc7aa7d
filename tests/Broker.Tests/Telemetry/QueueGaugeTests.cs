using Broker.Queues;

namespace Broker.Tests.Telemetry;

public sealed class QueueGaugeTests : TelemetryFixture
{
    [Fact]
    public async Task Gauges_report_each_queues_visible_in_flight_and_delayed_messages()
    {
        var visible = Collect<long>("broker.queue.messages_visible");
        var notVisible = Collect<long>("broker.queue.messages_not_visible");
        var delayed = Collect<long>("broker.queue.messages_delayed");
        var orders = Broker.CreateQueue("orders");
        var other = Broker.CreateQueue("other");
        await orders.SendAsync("a");
        await orders.SendAsync("b");
        await orders.SendAsync(new SendMessageRequest("later") { DelaySeconds = 60 });
        Assert.Single(await orders.ReceiveAsync(Take(1)));
        await other.SendAsync("c");

        Assert.Equal(1, Observe(visible, "orders"));
        Assert.Equal(1, Observe(notVisible, "orders"));
        Assert.Equal(1, Observe(delayed, "orders"));
        Assert.Equal(1, Observe(visible, "other"));
        Assert.Equal(0, Observe(notVisible, "other"));
        Assert.Equal(0, Observe(delayed, "other"));
    }

    [Fact]
    public async Task Gauges_follow_the_queue_as_it_changes()
    {
        var visible = Collect<long>("broker.queue.messages_visible");
        var delayed = Collect<long>("broker.queue.messages_delayed");
        var queue = Broker.CreateQueue("orders");
        await queue.SendAsync(new SendMessageRequest("later") { DelaySeconds = 60 });
        Assert.Equal(0, Observe(visible, "orders"));
        Assert.Equal(1, Observe(delayed, "orders"));

        Time.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal(1, Observe(visible, "orders"));
        Assert.Equal(0, Observe(delayed, "orders"));
    }

    [Fact]
    public void A_deleted_queue_is_no_longer_reported()
    {
        var visible = Collect<long>("broker.queue.messages_visible");
        Broker.CreateQueue("gone");
        Assert.Equal(0, Observe(visible, "gone"));

        Broker.DeleteQueue("gone");

        Assert.Null(Observe(visible, "gone"));
    }

    [Fact]
    public async Task The_oldest_message_age_gauge_reports_seconds_since_the_oldest_message_was_sent()
    {
        var age = Collect<double>("broker.queue.oldest_message_age");
        var queue = Broker.CreateQueue("orders");
        Assert.Equal(0.0, Observe(age, "orders"));
        await queue.SendAsync("old");
        Time.Advance(TimeSpan.FromSeconds(90));
        await queue.SendAsync("new");
        Time.Advance(TimeSpan.FromSeconds(1.5));

        Assert.Equal(91.5, Observe(age, "orders"));
    }
}
