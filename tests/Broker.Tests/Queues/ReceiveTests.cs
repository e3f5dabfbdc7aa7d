using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Tests.Queues;

public sealed class ReceiveTests : QueueFixture
{
    /// <summary>A safety bound on waits for an operation that should already be finishing; never a timing assumption.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);


    private static ReceiveRequest LongPoll(int max = 10, TimeSpan? visibility = null) =>
        new() { MaxNumberOfMessages = max, VisibilityTimeout = visibility, WaitTime = TimeSpan.FromSeconds(20) };

    // ---- Parameter validation ----

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public async Task MaxNumberOfMessages_outside_1_to_10_fails_with_InvalidParameterValue(int max)
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");

        var error = await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.ReceiveAsync(Take(max)).AsTask());

        Assert.Contains("Must be between 1 and 10", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(21)]
    public async Task WaitTime_outside_0_to_20_seconds_fails_with_InvalidParameterValue(int seconds)
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");

        await ThrowsBroker(
            BrokerErrorCodes.InvalidParameterValue,
            () => queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.FromSeconds(seconds) }).AsTask());

        Assert.Equal((1, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task VisibilityTimeout_above_43200_seconds_fails_with_InvalidParameterValue()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");

        await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.ReceiveAsync(Take(1, TimeSpan.FromSeconds(43_201))).AsTask());

        Assert.Equal((1, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Fractional_VisibilityTimeout_fails_with_InvalidParameterValue()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");

        await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.ReceiveAsync(Take(1, TimeSpan.FromSeconds(1.5))).AsTask());

        Assert.Equal((1, 0, 0), Counts(queue));
    }

    // ---- How many messages ----

    [Fact]
    public async Task Receive_returns_at_most_MaxNumberOfMessages_and_every_message_exactly_once()
    {
        var queue = Broker.CreateQueue("jobs");
        var sent = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 25; i++)
        {
            sent.Add((await queue.SendAsync($"m{i}")).MessageId);
        }

        var received = new List<string>();
        for (var round = 0; round < 100 && received.Count < 25; round++)
        {
            var got = await queue.ReceiveAsync(Take(3, TimeSpan.FromHours(1)));
            Assert.InRange(got.Count, 0, 3);
            received.AddRange(got.Select(m => m.MessageId));
        }

        Assert.Equal(25, received.Count);
        Assert.Equal(25, received.Distinct(StringComparer.Ordinal).Count());
        Assert.True(sent.SetEquals(received));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Assert.Equal((0, 25, 0), Counts(queue));
    }

    [Fact]
    public async Task Default_request_returns_one_message()
    {
        var queue = Broker.CreateQueue("jobs");
        for (var i = 0; i < 3; i++)
        {
            await queue.SendAsync($"m{i}");
        }

        var got = await queue.ReceiveAsync();

        Assert.Single(got);
        Assert.Equal((2, 1, 0), Counts(queue));
    }

    // ---- Long polling ----

    [Fact]
    public async Task Long_poll_waits_until_a_send_and_returns_that_message()
    {
        var queue = Broker.CreateQueue("jobs");
        var pending = queue.ReceiveAsync(LongPoll()).AsTask();
        Assert.False(pending.IsCompleted);

        var sent = await queue.SendAsync("hello");

        var got = Assert.Single(await pending.WaitAsync(Bound));
        Assert.Equal(sent.MessageId, got.MessageId);
        Assert.Equal("hello", got.GetBodyAsString());
        Assert.Equal((0, 1, 0), Counts(queue));
    }

    [Fact]
    public async Task Long_poll_that_finds_the_queue_empty_looks_again_a_few_times_before_it_parks()
    {
        var queue = Broker.CreateQueue("jobs");
        var looks = 0;
        ((MessageQueue)queue).Spinning = () => looks++;

        var pending = queue.ReceiveAsync(LongPoll()).AsTask();

        // The looks all happen within the call: it returns a pending receive once they found nothing.
        Assert.False(pending.IsCompleted);
        Assert.Equal(MessageQueue.SpinRounds, looks);
        Assert.Equal(Environment.ProcessorCount > 1 ? 10 : 0, looks); // none on one core, where it would only hold back the sender

        await queue.SendAsync("later");
        Assert.Equal("later", Assert.Single(await pending.WaitAsync(Bound)).GetBodyAsString());
        Assert.Equal(MessageQueue.SpinRounds, looks); // a parked receive is woken by the send, not by more looks
    }

    [Fact]
    public async Task Long_poll_takes_a_message_sent_while_it_looks_again_without_parking()
    {
        var queue = Broker.CreateQueue("jobs");
        var looks = 0;
        ((MessageQueue)queue).Spinning = () =>
        {
            if (++looks == 3)
            {
                // Stands for another thread's send landing between two looks.
                Assert.True(queue.SendAsync("meanwhile").AsTask().IsCompletedSuccessfully);
            }
        };

        var receive = queue.ReceiveAsync(LongPoll()).AsTask();

        if (MessageQueue.SpinRounds < 3)
        {
            Assert.False(receive.IsCompleted); // one core: no looks, so the receive parked
            return;
        }

        // Completed within the call, at the look after the send: no waiter was registered and nothing had to wake one.
        Assert.True(receive.IsCompletedSuccessfully);
        Assert.Equal(3, looks);
        Assert.Equal("meanwhile", Assert.Single(await receive).GetBodyAsString());
        Assert.Equal((0, 1, 0), Counts(queue));
    }

    [Fact]
    public async Task Short_poll_that_finds_the_queue_empty_returns_at_once_without_looking_again()
    {
        var queue = Broker.CreateQueue("jobs");
        var looks = 0;
        ((MessageQueue)queue).Spinning = () => looks++;

        Assert.Empty(await queue.ReceiveAsync(Take()));

        Assert.Equal(0, looks);
    }

    [Fact]
    public async Task Long_poll_of_a_FIFO_queue_takes_a_message_sent_while_it_looks_again()
    {
        var queue = Broker.CreateQueue("jobs.fifo", new QueueOptions { FifoQueue = true });
        var looks = 0;
        ((MessageQueue)queue).Spinning = () =>
        {
            if (++looks == 1)
            {
                Assert.True(queue.SendAsync(new SendMessageRequest("first") { MessageGroupId = "g", MessageDeduplicationId = "1" }).AsTask().IsCompletedSuccessfully);
            }
        };

        var receive = queue.ReceiveAsync(LongPoll()).AsTask();

        if (MessageQueue.SpinRounds == 0)
        {
            Assert.False(receive.IsCompleted);
            return;
        }

        Assert.True(receive.IsCompletedSuccessfully);
        Assert.Equal("first", Assert.Single(await receive).GetBodyAsString());
    }

    [Fact]
    public async Task Long_poll_returns_as_soon_as_one_message_is_available_without_filling_the_batch()
    {
        var queue = Broker.CreateQueue("jobs");
        var pending = queue.ReceiveAsync(LongPoll(max: 10)).AsTask();
        Assert.False(pending.IsCompleted);

        await queue.SendAsync("only");

        // The clock does not move: the receive may not wait for more messages or for the 20 s to end.
        var got = await pending.WaitAsync(Bound);
        Assert.Equal("only", Assert.Single(got).GetBodyAsString());
    }

    [Fact]
    public async Task Long_poll_is_woken_when_a_delayed_message_becomes_visible()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync(new SendMessageRequest("later") { DelaySeconds = 5 });
        var pending = queue.ReceiveAsync(LongPoll()).AsTask();

        Time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(pending.IsCompleted);

        Time.Advance(TimeSpan.FromTicks(1));
        var got = await pending.WaitAsync(Bound);
        Assert.Equal("later", Assert.Single(got).GetBodyAsString());
    }

    [Fact]
    public async Task Long_poll_is_woken_when_a_received_message_visibility_expires()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");
        var first = await ReceiveOne(queue, TimeSpan.FromSeconds(5));
        var pending = queue.ReceiveAsync(LongPoll()).AsTask();

        Time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(pending.IsCompleted);

        Time.Advance(TimeSpan.FromTicks(1));
        var again = Assert.Single(await pending.WaitAsync(Bound));
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(2, again.ApproximateReceiveCount);
    }

    [Fact]
    public async Task Long_poll_with_nothing_returns_empty_only_when_the_wait_ends()
    {
        var queue = Broker.CreateQueue("jobs");
        var pending = queue.ReceiveAsync(LongPoll()).AsTask();

        Time.Advance(TimeSpan.FromSeconds(19));
        Assert.False(pending.IsCompleted);

        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(await pending.WaitAsync(Bound));
    }

    [Fact]
    public async Task Queue_ReceiveMessageWaitTime_applies_when_the_request_has_no_WaitTime()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { ReceiveMessageWaitTime = TimeSpan.FromSeconds(10) });
        var pending = queue.ReceiveAsync(new ReceiveRequest()).AsTask();
        Assert.False(pending.IsCompleted);

        Time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.False(pending.IsCompleted);

        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Empty(await pending.WaitAsync(Bound));
    }

    [Fact]
    public async Task Queue_ReceiveMessageWaitTime_long_poll_is_completed_by_a_send()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { ReceiveMessageWaitTime = TimeSpan.FromSeconds(20) });
        var pending = queue.ReceiveAsync().AsTask();
        Assert.False(pending.IsCompleted);

        await queue.SendAsync("m");

        Assert.Equal("m", Assert.Single(await pending.WaitAsync(Bound)).GetBodyAsString());
    }

    [Fact]
    public async Task Cancelling_a_long_poll_throws_OperationCanceledException_and_leaves_the_queue_unchanged()
    {
        var queue = Broker.CreateQueue("jobs");
        using var cts = new CancellationTokenSource();
        var pending = queue.ReceiveAsync(LongPoll(), cts.Token).AsTask();
        Assert.False(pending.IsCompleted);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Bound));
        Assert.Equal((0, 0, 0), Counts(queue));

        // The cancelled poll neither swallows the next wake-up nor the next message.
        var next = queue.ReceiveAsync(LongPoll()).AsTask();
        Assert.False(next.IsCompleted);
        await queue.SendAsync("after");
        var got = Assert.Single(await next.WaitAsync(Bound));
        Assert.Equal("after", got.GetBodyAsString());
        Assert.Equal(1, got.ApproximateReceiveCount);
    }

    // ---- System attributes ----

    [Fact]
    public async Task System_attributes_are_not_returned_unless_asked_for()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");

        var got = await ReceiveOne(queue);

        Assert.Empty(got.Attributes);
    }

    [Fact]
    public async Task All_system_attributes_carry_epoch_millisecond_timestamps_and_the_first_receive_stays_the_first()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");
        var all = new[] { MessageSystemAttributeNames.All };

        // The fake clock starts at 2000-01-01T00:00:00Z = 946,684,800,000 ms after the Unix epoch.
        const string SentMs = "946684800000";
        const string FirstReceiveMs = "946684805000";

        Time.Advance(TimeSpan.FromSeconds(5));
        var first = Assert.Single(await queue.ReceiveAsync(new ReceiveRequest
        {
            VisibilityTimeout = TimeSpan.FromSeconds(10), WaitTime = TimeSpan.Zero, MessageSystemAttributeNames = all,
        }));

        Assert.Equal("1", first.Attributes[MessageSystemAttributeNames.ApproximateReceiveCount]);
        Assert.Equal(SentMs, first.Attributes[MessageSystemAttributeNames.SentTimestamp]);
        Assert.Equal(FirstReceiveMs, first.Attributes[MessageSystemAttributeNames.ApproximateFirstReceiveTimestamp]);
        Assert.Equal("000000000000", first.Attributes[MessageSystemAttributeNames.SenderId]);

        Time.Advance(TimeSpan.FromSeconds(10));
        var second = Assert.Single(await queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.Zero, MessageSystemAttributeNames = all }));

        Assert.Equal("2", second.Attributes[MessageSystemAttributeNames.ApproximateReceiveCount]);
        Assert.Equal(SentMs, second.Attributes[MessageSystemAttributeNames.SentTimestamp]);
        Assert.Equal(FirstReceiveMs, second.Attributes[MessageSystemAttributeNames.ApproximateFirstReceiveTimestamp]);
        Assert.Equal("000000000000", second.Attributes[MessageSystemAttributeNames.SenderId]);
    }

    [Fact]
    public async Task Asking_for_one_system_attribute_returns_only_that_one()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");

        var got = Assert.Single(await queue.ReceiveAsync(new ReceiveRequest
        {
            WaitTime = TimeSpan.Zero, MessageSystemAttributeNames = [MessageSystemAttributeNames.ApproximateReceiveCount],
        }));

        var only = Assert.Single(got.Attributes);
        Assert.Equal(MessageSystemAttributeNames.ApproximateReceiveCount, only.Key);
        Assert.Equal("1", only.Value);
    }

    [Fact]
    public async Task Unknown_system_attribute_name_fails_with_InvalidAttributeName()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("m");

        await ThrowsBroker(
            BrokerErrorCodes.InvalidAttributeName,
            () => queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.Zero, MessageSystemAttributeNames = ["NoSuchAttribute"] }).AsTask());

        Assert.Equal((1, 0, 0), Counts(queue));
    }

    // ---- Message attributes ----

    private static async Task SendWithAttributes(IMessageQueue queue) =>
        await queue.SendAsync(new SendMessageRequest("order")
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["order.id"] = MessageAttributeValue.FromString("42"),
                ["order.total"] = MessageAttributeValue.FromNumber(1999),
                ["orders"] = MessageAttributeValue.FromString("many"),
                ["customer"] = MessageAttributeValue.FromString("ada"),
            },
        });

    private static async Task<ReceivedMessage> ReceiveWithAttributes(IMessageQueue queue, params string[] names) =>
        Assert.Single(await queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.Zero, MessageAttributeNames = names }));

    [Fact]
    public async Task Message_attributes_are_not_returned_unless_asked_for()
    {
        var queue = Broker.CreateQueue("jobs");
        await SendWithAttributes(queue);

        var got = await ReceiveOne(queue);

        Assert.Empty(got.MessageAttributes);
        Assert.Null(got.MD5OfMessageAttributes);
    }

    [Fact]
    public async Task Named_message_attributes_return_just_those()
    {
        var queue = Broker.CreateQueue("jobs");
        await SendWithAttributes(queue);

        var got = await ReceiveWithAttributes(queue, "customer", "order.id");

        Assert.Equal(["customer", "order.id"], got.MessageAttributes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("ada", got.MessageAttributes["customer"].StringValue);
        Assert.Equal("42", got.MessageAttributes["order.id"].StringValue);
    }

    [Theory]
    [InlineData("All")]
    [InlineData(".*")]
    public async Task All_or_dot_star_returns_every_message_attribute(string selector)
    {
        var queue = Broker.CreateQueue("jobs");
        await SendWithAttributes(queue);

        var got = await ReceiveWithAttributes(queue, selector);

        Assert.Equal(["customer", "order.id", "order.total", "orders"], got.MessageAttributes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("1999", got.MessageAttributes["order.total"].StringValue);
        Assert.Equal("Number", got.MessageAttributes["order.total"].DataType);
    }

    [Fact]
    public async Task Prefix_selector_returns_only_attributes_under_that_prefix()
    {
        var queue = Broker.CreateQueue("jobs");
        await SendWithAttributes(queue);

        var got = await ReceiveWithAttributes(queue, "order.*");

        Assert.Equal(["order.id", "order.total"], got.MessageAttributes.Keys.Order(StringComparer.Ordinal));
    }
}
