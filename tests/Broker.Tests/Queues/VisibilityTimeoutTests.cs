using Broker.Queues;

namespace Broker.Tests.Queues;

public sealed class VisibilityTimeoutTests : QueueFixture
{
    [Fact]
    public async Task Receive_hides_message_until_visibility_timeout_expires()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await queue.SendAsync("hello");

        var first = await ReceiveOne(queue);
        Assert.Equal(1, first.ApproximateReceiveCount);
        Assert.Equal((0, 1, 0), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Empty(await queue.ReceiveAsync(Take()));

        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal((1, 0, 0), Counts(queue));
        var second = await ReceiveOne(queue);
        Assert.Equal(2, second.ApproximateReceiveCount);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.NotEqual(first.ReceiptHandle, second.ReceiptHandle);
        Assert.Equal("hello", second.GetBodyAsString());
    }

    [Fact]
    public async Task Per_request_visibility_timeout_applies_only_to_that_receive()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await queue.SendAsync("m");

        await ReceiveOne(queue, TimeSpan.FromSeconds(5));
        Time.Advance(TimeSpan.FromSeconds(5));
        await ReceiveOne(queue);
        Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Change_visibility_counts_the_new_timeout_from_the_call()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(60) });
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue);

        Time.Advance(TimeSpan.FromSeconds(15));
        await queue.ChangeVisibilityAsync(got.ReceiptHandle, TimeSpan.FromSeconds(10));

        Time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Single(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Change_visibility_to_zero_makes_the_message_visible_at_once()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue);

        await queue.ChangeVisibilityAsync(got.ReceiptHandle, TimeSpan.Zero);

        Assert.Equal((1, 0, 0), Counts(queue));
        var again = await ReceiveOne(queue);
        Assert.Equal(2, again.ApproximateReceiveCount);
    }

    [Fact]
    public async Task Change_visibility_is_not_persisted_to_the_next_receive()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue);
        await queue.ChangeVisibilityAsync(got.ReceiptHandle, TimeSpan.FromSeconds(300));
        Time.Advance(TimeSpan.FromSeconds(300));

        await ReceiveOne(queue);
        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Extending_visibility_beyond_twelve_hours_from_the_receive_fails_and_changes_nothing()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue);

        Time.Advance(TimeSpan.FromSeconds(10));
        var error = await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.ChangeVisibilityAsync(got.ReceiptHandle, TimeSpan.FromHours(12)).AsTask());
        Assert.Contains("43200", error.Message, StringComparison.Ordinal);

        // The old timeout still holds...
        Time.Advance(TimeSpan.FromSeconds(20));
        var again = await ReceiveOne(queue);

        // ... and the budget restarts with each receive: 43,190 s fit now, 43,201 do not.
        await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.ChangeVisibilityAsync(again.ReceiptHandle, TimeSpan.FromSeconds(43_201)).AsTask());
        await queue.ChangeVisibilityAsync(again.ReceiptHandle, TimeSpan.FromSeconds(43_190));
        Time.Advance(TimeSpan.FromSeconds(43_189));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Extensions_do_not_reset_the_twelve_hour_budget()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue);

        await queue.ChangeVisibilityAsync(got.ReceiptHandle, TimeSpan.FromHours(6));
        Time.Advance(TimeSpan.FromHours(5));
        await queue.ChangeVisibilityAsync(got.ReceiptHandle, TimeSpan.FromHours(7));
        Time.Advance(TimeSpan.FromHours(1));
        await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.ChangeVisibilityAsync(got.ReceiptHandle, TimeSpan.FromHours(6) + TimeSpan.FromSeconds(1)).AsTask());
    }

    [Fact]
    public async Task Change_visibility_with_a_stale_handle_of_a_message_not_received_since_is_a_no_op()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue);
        Time.Advance(TimeSpan.FromSeconds(30));

        await queue.ChangeVisibilityAsync(got.ReceiptHandle, TimeSpan.FromSeconds(600));

        // It did not re-hide the visible message.
        Assert.Equal((1, 0, 0), Counts(queue));
        Assert.Single(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Change_visibility_of_a_deleted_message_fails_with_InvalidParameterValue()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue);
        await queue.DeleteAsync(got.ReceiptHandle);

        var error = await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.ChangeVisibilityAsync(got.ReceiptHandle, TimeSpan.FromSeconds(10)).AsTask());
        Assert.Contains("does not exist or is not available", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(43_201)]
    public async Task Change_visibility_out_of_range_fails(int seconds)
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue);
        await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.ChangeVisibilityAsync(got.ReceiptHandle, TimeSpan.FromSeconds(seconds)).AsTask());
        Assert.Equal((0, 1, 0), Counts(queue));
    }

    [Fact]
    public async Task Receive_with_zero_visibility_leaves_the_message_visible()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");
        var got = await ReceiveOne(queue, TimeSpan.Zero);
        Assert.Equal((1, 0, 0), Counts(queue));
        var again = await ReceiveOne(queue, TimeSpan.Zero);
        Assert.Equal(got.MessageId, again.MessageId);
        Assert.Equal(2, again.ApproximateReceiveCount);
    }
}
