using Broker.Queues;

namespace Broker.Tests.Queues;

public sealed class MessageMoveTaskTests : QueueFixture
{
    private static readonly ReceiveRequest All = new()
    {
        MaxNumberOfMessages = 10,
        WaitTime = TimeSpan.Zero,
        VisibilityTimeout = TimeSpan.FromMinutes(5),
        MessageAttributeNames = ["All"],
        MessageSystemAttributeNames = ["All"],
    };

    /// <summary>A source with maxReceiveCount 1 and <paramref name="count"/> messages already moved to its dead-letter queue.</summary>
    private async Task<(IMessageQueue Source, IMessageQueue DeadLetters)> DeadLettered(int count, string source = "jobs")
    {
        var dlq = Broker.TryGetQueue("dlq", out var existing) ? existing : Broker.CreateQueue("dlq");
        var queue = Broker.CreateQueue(source, new QueueOptions { VisibilityTimeout = TimeSpan.Zero, RedrivePolicy = new RedrivePolicy("dlq", 1) });
        for (var i = 0; i < count; i++)
        {
            await queue.SendAsync(new SendMessageRequest($"{source}-{i}")
            {
                MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["n"] = MessageAttributeValue.FromNumber(i) },
            });
        }

        // With visibility 0 and maxReceiveCount 1, the first receive delivers and the second moves.
        while (Counts(queue).Visible > 0)
        {
            await queue.ReceiveAsync(Take(10));
        }

        Assert.Equal((0, 0, 0), Counts(queue));
        return (queue, dlq);
    }

    [Fact]
    public async Task Without_a_destination_each_message_goes_back_to_its_own_source_as_a_new_message()
    {
        var (jobs, dlq) = await DeadLettered(3, "jobs");
        var (other, _) = await DeadLettered(2, "other");
        Assert.Equal((5, 0, 0), Counts(dlq));
        var original = Assert.Single(await dlq.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 1, VisibilityTimeout = TimeSpan.Zero, MessageSystemAttributeNames = ["All"] }));
        Time.Advance(TimeSpan.FromSeconds(1));

        var handle = Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = dlq.Arn });

        Assert.Equal((0, 0, 0), Counts(dlq));
        var back = (await jobs.ReceiveAsync(All)).Concat(await other.ReceiveAsync(All)).ToList();
        Assert.Equal(5, back.Count);
        Assert.Equal(3, back.Count(m => m.GetBodyAsString().StartsWith("jobs-", StringComparison.Ordinal)));
        Assert.All(back, m => Assert.Equal(1, m.ApproximateReceiveCount));
        Assert.All(back, m => Assert.False(m.Attributes.ContainsKey(MessageSystemAttributeNames.DeadLetterQueueSourceArn)));
        Assert.All(back, m => Assert.True(m.MessageAttributes.ContainsKey("n")));
        Assert.DoesNotContain(back, m => m.MessageId == original.MessageId);
        Assert.All(back, m => Assert.Equal(Time.GetUtcNow(), m.SentTimestamp));

        var info = Assert.Single(Broker.ListMessageMoveTasks(dlq.Arn));
        Assert.Equal(MessageMoveTaskStatus.Completed, info.Status);
        Assert.Equal(5, info.ApproximateNumberOfMessagesMoved);
        Assert.Equal(5, info.ApproximateNumberOfMessagesToMove);
        Assert.Null(info.TaskHandle);
        Assert.False(string.IsNullOrEmpty(handle));
    }

    [Fact]
    public async Task With_a_destination_every_message_goes_there()
    {
        var (jobs, dlq) = await DeadLettered(3);
        var elsewhere = Broker.CreateQueue("elsewhere");

        Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "dlq", DestinationArn = elsewhere.Arn });

        Assert.Equal((3, 0, 0), Counts(elsewhere));
        Assert.Equal((0, 0, 0), Counts(jobs));
        Assert.Equal(elsewhere.Arn, Broker.ListMessageMoveTasks("dlq")[0].DestinationArn);
    }

    [Fact]
    public async Task The_rate_limit_moves_that_many_messages_each_second_of_the_brokers_clock()
    {
        var (jobs, dlq) = await DeadLettered(7);

        var handle = Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "dlq", MaxNumberOfMessagesPerSecond = 3 });
        Assert.Equal(3, Counts(jobs).Visible);
        var running = Assert.Single(Broker.ListMessageMoveTasks("dlq"));
        Assert.Equal(MessageMoveTaskStatus.Running, running.Status);
        Assert.Equal(handle, running.TaskHandle);
        Assert.Equal(3, running.ApproximateNumberOfMessagesMoved);

        Time.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
        Assert.Equal(3, Counts(jobs).Visible);
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(6, Counts(jobs).Visible);
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((7, 0, 0), Counts(jobs));
        Assert.Equal((0, 0, 0), Counts(dlq));
        Assert.Equal(MessageMoveTaskStatus.Completed, Broker.ListMessageMoveTasks("dlq")[0].Status);
    }

    [Fact]
    public async Task Cancelling_stops_the_task_and_leaves_moved_messages_where_they_went()
    {
        var (jobs, dlq) = await DeadLettered(5);
        var handle = Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "dlq", MaxNumberOfMessagesPerSecond = 2 });

        Assert.Equal(2, Broker.CancelMessageMoveTask(handle));
        Time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal((2, 0, 0), Counts(jobs));
        Assert.Equal((3, 0, 0), Counts(dlq));
        Assert.Equal(MessageMoveTaskStatus.Cancelled, Broker.ListMessageMoveTasks("dlq")[0].Status);
        var error = ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => Broker.CancelMessageMoveTask(handle));
        Assert.Contains("Task does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_one_task_may_run_per_source()
    {
        await DeadLettered(5);
        Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "dlq", MaxNumberOfMessagesPerSecond = 1 });

        var error = ThrowsBroker(BrokerErrorCodes.UnsupportedOperation, () => Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "dlq" }));
        Assert.Contains("Only one active task", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_destination_deleted_mid_task_fails_it_and_loses_nothing()
    {
        var (_, dlq) = await DeadLettered(4);
        Broker.CreateQueue("elsewhere");
        Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "dlq", DestinationArn = "elsewhere", MaxNumberOfMessagesPerSecond = 1 });

        Broker.DeleteQueue("elsewhere");
        Time.Advance(TimeSpan.FromSeconds(1));

        var info = Broker.ListMessageMoveTasks("dlq")[0];
        Assert.Equal(MessageMoveTaskStatus.Failed, info.Status);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", info.FailureReason);
        Assert.Equal((3, 0, 0), Counts(dlq));
    }

    [Fact]
    public async Task A_message_whose_source_queue_is_gone_stays_in_the_dead_letter_queue_and_fails_the_task()
    {
        var (_, dlq) = await DeadLettered(2);
        Broker.CreateQueue("still-a-source", new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq") });
        Broker.DeleteQueue("jobs");

        Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "dlq" });

        Assert.Equal(MessageMoveTaskStatus.Failed, Broker.ListMessageMoveTasks("dlq")[0].Status);
        Assert.Equal((2, 0, 0), Counts(dlq));
    }

    [Fact]
    public async Task A_fifo_message_put_back_after_a_failed_move_is_received_again_under_its_own_id()
    {
        var dlq = Broker.CreateQueue("dlq.fifo", new QueueOptions { FifoQueue = true });
        Broker.CreateQueue("source.fifo", new QueueOptions { FifoQueue = true, RedrivePolicy = new RedrivePolicy("dlq.fifo") });
        var sent = await dlq.SendAsync(new SendMessageRequest("stranded") { MessageGroupId = "g", MessageDeduplicationId = "d1" }); // no source to go back to

        Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "dlq.fifo" });
        Assert.Equal(MessageMoveTaskStatus.Failed, Broker.ListMessageMoveTasks("dlq.fifo")[0].Status);

        // Off this thread and bounded: the put-back message must not tie its group's stack into a loop.
        var got = await Task.Run(async () => await dlq.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([("stranded", sent.MessageId)], got.Select(m => (m.GetBodyAsString(), m.MessageId)));
        await dlq.DeleteAsync(got[0]);
        await dlq.SendAsync(new SendMessageRequest("next") { MessageGroupId = "g", MessageDeduplicationId = "d2" });
        var next = await Task.Run(async () => await dlq.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["next"], next.Select(m => m.GetBodyAsString()));
    }

    [Fact]
    public void The_source_must_exist_and_be_a_dead_letter_queue()
    {
        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "missing" }));
        Broker.CreateQueue("plain");
        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "plain" }));
        Assert.Equal("Source queue must be configured as a Dead Letter Queue.", error.Message);
    }

    [Fact]
    public async Task The_destination_must_exist()
    {
        await DeadLettered(1);
        var error = ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "dlq", DestinationArn = "missing" }));
        Assert.Contains("DestinationArn", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(501)]
    public async Task The_rate_must_be_between_1_and_500(int rate)
    {
        await DeadLettered(1);
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "dlq", MaxNumberOfMessagesPerSecond = rate }));
    }

    [Fact]
    public async Task Listing_returns_the_most_recent_tasks_first_up_to_ten()
    {
        var (jobs, dlq) = await DeadLettered(0);
        for (var i = 0; i < 12; i++)
        {
            Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "dlq" });
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Single(Broker.ListMessageMoveTasks("dlq"));
        var tasks = Broker.ListMessageMoveTasks("dlq", maxResults: 10);
        Assert.Equal(10, tasks.Count);
        Assert.True(tasks.Zip(tasks.Skip(1)).All(pair => pair.First.StartedTimestamp > pair.Second.StartedTimestamp));
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.ListMessageMoveTasks("dlq", maxResults: 11));
        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => Broker.ListMessageMoveTasks("missing"));
        GC.KeepAlive(jobs);
        GC.KeepAlive(dlq);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a handle")]
    public void A_malformed_task_handle_is_refused(string handle)
    {
        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CancelMessageMoveTask(handle));
        Assert.Equal("Value for parameter TaskHandle is invalid.", error.Message);
    }
}
