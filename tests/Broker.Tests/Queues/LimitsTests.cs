using Broker.Queues;

namespace Broker.Tests.Queues;

public sealed class LimitsTests : QueueFixture
{
    /// <summary>A safety bound on waits for an operation that should already be finishing; never a timing assumption.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private const int InFlightLimit = 120_000;

    private static string Body(int bytes) => new('x', bytes);

    /// <summary>Sends 120,000 messages in batches of 10 and receives them all with a 1-hour visibility timeout.</summary>
    private static async Task<IReadOnlyList<ReceivedMessage>> FillInFlight(IMessageQueue queue)
    {
        var ids = Enumerable.Range(0, 10).Select(i => $"e{i}").ToArray();
        for (var batch = 0; batch < InFlightLimit / 10; batch++)
        {
            var result = await queue.SendBatchAsync(ids.Select(id => new SendMessageBatchEntry(id, "m")).ToList());
            Assert.Empty(result.Failed);
        }

        var received = new List<ReceivedMessage>(InFlightLimit);
        for (var round = 0; round < InFlightLimit / 10; round++)
        {
            var got = await queue.ReceiveAsync(Take(10, TimeSpan.FromHours(1)));
            Assert.Equal(10, got.Count);
            received.AddRange(got);
        }

        Assert.Equal((0, InFlightLimit, 0), Counts(queue));
        return received;
    }

    // ---- The in-flight limit ----

    [Fact]
    public async Task Short_poll_with_120000_messages_in_flight_fails_with_OverLimit_until_one_is_deleted()
    {
        var queue = Broker.CreateQueue("jobs");
        var inFlight = await FillInFlight(queue);
        await queue.SendAsync("one more");

        await ThrowsBroker(BrokerErrorCodes.OverLimit, () => queue.ReceiveAsync(Take(10)).AsTask());
        Assert.Equal((1, InFlightLimit, 0), Counts(queue));

        await queue.DeleteAsync(inFlight[0].ReceiptHandle);

        var got = Assert.Single(await queue.ReceiveAsync(Take(10)));
        Assert.Equal("one more", got.GetBodyAsString());
        Assert.Equal((0, InFlightLimit, 0), Counts(queue));
    }

    [Fact]
    public async Task Long_poll_with_120000_messages_in_flight_does_not_fail_and_returns_empty_when_its_wait_ends()
    {
        var queue = Broker.CreateQueue("jobs");
        await FillInFlight(queue);
        await queue.SendAsync("one more");

        var pending = queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        Time.Advance(TimeSpan.FromSeconds(20) - TimeSpan.FromTicks(1));
        Assert.False(pending.IsCompleted);
        Time.Advance(TimeSpan.FromTicks(1));

        Assert.Empty(await pending.WaitAsync(Bound));
        Assert.Equal((1, InFlightLimit, 0), Counts(queue));
    }

    [Fact]
    public async Task Long_poll_with_120000_messages_in_flight_returns_a_visible_message_once_a_delete_frees_room()
    {
        var queue = Broker.CreateQueue("jobs");
        var inFlight = await FillInFlight(queue);
        await queue.SendAsync("one more");
        var pending = queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        Assert.False(pending.IsCompleted);

        await queue.DeleteAsync(inFlight[0].ReceiptHandle);

        // The clock does not move: the message is available now, so the long poll must not sit out its 20 s.
        var got = Assert.Single(await pending.WaitAsync(Bound));
        Assert.Equal("one more", got.GetBodyAsString());
    }

    // ---- Depth and byte caps ----

    [Fact]
    public async Task Send_to_a_full_queue_in_Fail_mode_fails_with_OverLimit_and_enqueues_nothing()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { MaximumDepth = 2, FullMode = QueueFullMode.Fail });
        await queue.SendAsync("a");
        await queue.SendAsync("b");

        var error = await ThrowsBroker(BrokerErrorCodes.OverLimit, () => queue.SendAsync("c").AsTask());

        Assert.False(error.SenderFault);
        Assert.Equal((2, 0, 0), Counts(queue));
        Assert.DoesNotContain("c", (await ReceiveAll(queue)).Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task In_flight_and_delayed_messages_count_toward_MaximumDepth()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { MaximumDepth = 2, FullMode = QueueFullMode.Fail });
        await queue.SendAsync("a");
        await ReceiveOne(queue);
        await queue.SendAsync(new SendMessageRequest("b") { DelaySeconds = 10 });
        Assert.Equal((0, 1, 1), Counts(queue));

        await ThrowsBroker(BrokerErrorCodes.OverLimit, () => queue.SendAsync("c").AsTask());

        Assert.Equal((0, 1, 1), Counts(queue));
    }

    [Fact]
    public async Task Delete_makes_room_in_a_full_queue_in_Fail_mode()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { MaximumDepth = 2, FullMode = QueueFullMode.Fail });
        await queue.SendAsync("a");
        await queue.SendAsync("b");
        await ThrowsBroker(BrokerErrorCodes.OverLimit, () => queue.SendAsync("c").AsTask());

        var got = await ReceiveOne(queue);
        await ThrowsBroker(BrokerErrorCodes.OverLimit, () => queue.SendAsync("c").AsTask());
        await queue.DeleteAsync(got.ReceiptHandle);

        await queue.SendAsync("c");
        Assert.Equal((2, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Send_to_a_full_queue_in_Wait_mode_completes_once_a_message_is_deleted()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { MaximumDepth = 2 });
        Assert.Equal(QueueFullMode.Wait, queue.GetAttributes().Options.FullMode);
        await queue.SendAsync("a");
        await queue.SendAsync("b");

        var pending = queue.SendAsync("c").AsTask();
        Assert.False(pending.IsCompleted);
        var got = await ReceiveOne(queue);
        Assert.False(pending.IsCompleted);
        Assert.Equal((1, 1, 0), Counts(queue));

        await queue.DeleteAsync(got.ReceiptHandle);

        var sent = await pending.WaitAsync(Bound);
        Assert.Equal((2, 0, 0), Counts(queue));
        Assert.Contains(sent.MessageId, (await ReceiveAll(queue)).Select(m => m.MessageId));
    }

    [Fact]
    public async Task Cancelling_a_waiting_send_throws_OperationCanceledException_and_enqueues_nothing()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { MaximumDepth = 2 });
        await queue.SendAsync("a");
        await queue.SendAsync("b");
        using var cts = new CancellationTokenSource();
        var pending = queue.SendAsync("c", cts.Token).AsTask();
        Assert.False(pending.IsCompleted);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Bound));
        Assert.Equal((2, 0, 0), Counts(queue));

        // Room made later is not taken by the cancelled send.
        var got = await ReceiveOne(queue);
        await queue.DeleteAsync(got.ReceiptHandle);
        Assert.Equal((1, 0, 0), Counts(queue));
        Assert.DoesNotContain("c", (await ReceiveAll(queue)).Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public async Task Send_beyond_MaximumBytes_in_Fail_mode_fails_with_OverLimit()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { MaximumBytes = 2048, FullMode = QueueFullMode.Fail });
        await queue.SendAsync(Body(1000));
        await queue.SendAsync(Body(1000));

        await ThrowsBroker(BrokerErrorCodes.OverLimit, () => queue.SendAsync(Body(1000)).AsTask());

        Assert.Equal((2, 0, 0), Counts(queue));

        // A smaller message that fits still goes in.
        await queue.SendAsync(Body(48));
        Assert.Equal((3, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Send_beyond_MaximumBytes_in_Wait_mode_waits_until_a_delete_makes_room()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { MaximumBytes = 2048 });
        await queue.SendAsync(Body(1000));
        await queue.SendAsync(Body(1000));

        var pending = queue.SendAsync(Body(1000)).AsTask();
        Assert.False(pending.IsCompleted);

        var got = await ReceiveOne(queue);
        await queue.DeleteAsync(got.ReceiptHandle);

        await pending.WaitAsync(Bound);
        Assert.Equal((2, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Message_larger_than_MaximumBytes_fails_with_OverLimit_even_in_Wait_mode()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { MaximumBytes = 2048, FullMode = QueueFullMode.Wait });

        await ThrowsBroker(BrokerErrorCodes.OverLimit, () => queue.SendAsync(Body(3000)).AsTask().WaitAsync(Bound));

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Purge_releases_waiting_senders()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { MaximumDepth = 1 });
        await queue.SendAsync("a");
        var pending = queue.SendAsync("b").AsTask();
        Assert.False(pending.IsCompleted);

        await queue.PurgeAsync();

        // The send completes. Whether its message survives the purge that released it is not promised: as on SQS,
        // a message sent while a purge runs may be purged too. Either way "a" is gone and the cap still holds.
        await pending.WaitAsync(Bound);
        var left = await ReceiveAll(queue);
        Assert.DoesNotContain("a", left.Select(m => m.GetBodyAsString()));
        Assert.InRange(left.Count, 0, 1);
    }

    // ---- Exact counters ----

    [Fact]
    public async Task Counters_are_exact_through_sends_delays_receives_deletes_visibility_and_expiry()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions
        {
            VisibilityTimeout = TimeSpan.FromSeconds(30),
            MessageRetentionPeriod = TimeSpan.FromSeconds(60),
        });

        await queue.SendAsync("a");
        await queue.SendAsync("b");
        await queue.SendAsync("c");
        await queue.SendAsync(new SendMessageRequest("d") { DelaySeconds = 10 });
        await queue.SendAsync(new SendMessageRequest("e") { DelaySeconds = 20 });
        Assert.Equal((3, 0, 2), Counts(queue));

        var two = await queue.ReceiveAsync(Take(2));
        Assert.Equal(2, two.Count);
        Assert.Equal((1, 2, 2), Counts(queue));

        await queue.DeleteAsync(two[0].ReceiptHandle);
        Assert.Equal((1, 1, 2), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(10));                     // t = 10: d's delay ends
        Assert.Equal((2, 1, 1), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(10));                     // t = 20: e's delay ends
        Assert.Equal((3, 1, 0), Counts(queue));

        var three = await queue.ReceiveAsync(Take(10, TimeSpan.FromSeconds(5)));
        Assert.Equal(3, three.Count);
        Assert.Equal((0, 4, 0), Counts(queue));

        await queue.ChangeVisibilityAsync(three[0].ReceiptHandle, TimeSpan.Zero);
        Assert.Equal((1, 3, 0), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(5));                      // t = 25: the 5 s receipts end
        Assert.Equal((3, 1, 0), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(5));                      // t = 30: the 30 s receipt ends
        Assert.Equal((4, 0, 0), Counts(queue));

        await ReceiveOne(queue, TimeSpan.FromMinutes(10));
        Assert.Equal((3, 1, 0), Counts(queue));

        await queue.SendAsync("f");
        await queue.SendAsync(new SendMessageRequest("g") { DelaySeconds = 40 });
        Assert.Equal((4, 1, 1), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1)); // just before t = 60
        Assert.Equal((4, 1, 1), Counts(queue));

        Time.Advance(TimeSpan.FromTicks(1));                        // t = 60: everything sent at 0 expires, in flight or not
        Assert.Equal((1, 0, 1), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(10));                     // t = 70: g's delay ends
        Assert.Equal((2, 0, 0), Counts(queue));

        Time.Advance(TimeSpan.FromSeconds(20));                     // t = 90: f and g expire
        Assert.Equal((0, 0, 0), Counts(queue));
    }
}
