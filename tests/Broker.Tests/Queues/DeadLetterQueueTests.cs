using Broker.Queues;

namespace Broker.Tests.Queues;

public sealed class DeadLetterQueueTests : QueueFixture
{
    private static readonly ReceiveRequest All = new()
    {
        MaxNumberOfMessages = 10,
        WaitTime = TimeSpan.Zero,
        MessageAttributeNames = ["All"],
        MessageSystemAttributeNames = ["All"],
    };

    private (IMessageQueue Source, IMessageQueue DeadLetters) CreatePair(int maxReceiveCount, TimeSpan? visibility = null)
    {
        var dlq = Broker.CreateQueue("jobs-dlq");
        var source = Broker.CreateQueue("jobs", new QueueOptions
        {
            VisibilityTimeout = visibility ?? TimeSpan.Zero,
            RedrivePolicy = new RedrivePolicy("jobs-dlq", maxReceiveCount),
        });
        return (source, dlq);
    }

    [Fact]
    public void The_default_max_receive_count_is_ten()
    {
        Assert.Equal(10, new RedrivePolicy("dlq").MaxReceiveCount);
    }

    [Fact]
    public async Task With_max_receive_count_one_the_second_receive_moves_the_message_and_returns_nothing()
    {
        var (source, dlq) = CreatePair(maxReceiveCount: 1);
        await source.SendAsync("poison");

        Assert.Single(await source.ReceiveAsync(Take()));
        Assert.Empty(await source.ReceiveAsync(Take()));

        Assert.Equal((0, 0, 0), Counts(source));
        Assert.Equal((1, 0, 0), Counts(dlq));
    }

    [Fact]
    public async Task The_message_is_moved_only_after_max_receive_count_receives()
    {
        var (source, dlq) = CreatePair(maxReceiveCount: 10);
        await source.SendAsync("m");

        for (var i = 1; i <= 10; i++)
        {
            Assert.Equal(i, (await ReceiveOne(source)).ApproximateReceiveCount);
        }

        Assert.Equal((0, 0, 0), Counts(dlq));
        Assert.Empty(await source.ReceiveAsync(Take()));
        Assert.Equal((1, 0, 0), Counts(dlq));
    }

    [Fact]
    public async Task A_visibility_expiry_alone_does_not_move_the_message()
    {
        var (source, dlq) = CreatePair(maxReceiveCount: 1, visibility: TimeSpan.FromSeconds(30));
        await source.SendAsync("m");
        await ReceiveOne(source);

        Time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal((1, 0, 0), Counts(source));
        Assert.Equal((0, 0, 0), Counts(dlq));
    }

    [Fact]
    public async Task The_moved_message_keeps_its_id_body_attributes_sent_time_and_receive_count_and_names_its_source()
    {
        var (source, dlq) = CreatePair(maxReceiveCount: 1);
        var sent = await source.SendAsync(new SendMessageRequest("poison")
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["kind"] = MessageAttributeValue.FromString("video") },
        });
        var sentAt = Time.GetUtcNow();
        Time.Advance(TimeSpan.FromSeconds(5));
        var first = await ReceiveOne(source);
        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(await source.ReceiveAsync(Take()));

        var moved = Assert.Single(await dlq.ReceiveAsync(All));

        Assert.Equal(sent.MessageId, moved.MessageId);
        Assert.Equal("poison", moved.GetBodyAsString());
        Assert.Equal("video", moved.MessageAttributes["kind"].StringValue);
        Assert.Equal(sent.MD5OfMessageAttributes, moved.MD5OfMessageAttributes);
        Assert.Equal(sentAt, moved.SentTimestamp);
        Assert.Equal(first.ApproximateFirstReceiveTimestamp, moved.ApproximateFirstReceiveTimestamp);
        Assert.Equal(2, moved.ApproximateReceiveCount);
        Assert.Equal("2", moved.Attributes[MessageSystemAttributeNames.ApproximateReceiveCount]);
        Assert.Equal(source.Arn, moved.Attributes[MessageSystemAttributeNames.DeadLetterQueueSourceArn]);
    }

    [Fact]
    public async Task A_message_that_was_never_dead_lettered_has_no_source_arn()
    {
        var queue = Broker.CreateQueue("plain");
        await queue.SendAsync("m");
        var got = Assert.Single(await queue.ReceiveAsync(All));
        Assert.False(got.Attributes.ContainsKey(MessageSystemAttributeNames.DeadLetterQueueSourceArn));
    }

    [Fact]
    public async Task Retention_in_a_standard_dead_letter_queue_counts_from_the_original_send()
    {
        var dlq = Broker.CreateQueue("dlq", new QueueOptions { MessageRetentionPeriod = TimeSpan.FromDays(2) });
        var source = Broker.CreateQueue("src", new QueueOptions { VisibilityTimeout = TimeSpan.Zero, RedrivePolicy = new RedrivePolicy("dlq", 1) });
        await source.SendAsync("m");
        await ReceiveOne(source);
        Time.Advance(TimeSpan.FromDays(1));
        Assert.Empty(await source.ReceiveAsync(Take()));
        Assert.Equal((1, 0, 0), Counts(dlq));

        Time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromTicks(1));
        Assert.Equal((1, 0, 0), Counts(dlq));
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal((0, 0, 0), Counts(dlq));
    }

    [Fact]
    public async Task Dead_letter_queues_chain()
    {
        Broker.CreateQueue("q3");
        // The receive count carries over, so q2 needs a higher limit than q1 to deliver the message at all.
        var q2 = Broker.CreateQueue("q2", new QueueOptions { VisibilityTimeout = TimeSpan.Zero, RedrivePolicy = new RedrivePolicy("q3", 2) });
        var q1 = Broker.CreateQueue("q1", new QueueOptions { VisibilityTimeout = TimeSpan.Zero, RedrivePolicy = new RedrivePolicy("q2", 1) });
        await q1.SendAsync("m");

        await ReceiveOne(q1);
        Assert.Empty(await q1.ReceiveAsync(Take()));
        Assert.Equal(2, (await ReceiveOne(q2)).ApproximateReceiveCount);
        Assert.Empty(await q2.ReceiveAsync(Take()));

        var last = Assert.Single(await Broker.GetQueue("q3").ReceiveAsync(All));
        Assert.Equal(3, last.ApproximateReceiveCount);
        Assert.Equal(q2.Arn, last.Attributes[MessageSystemAttributeNames.DeadLetterQueueSourceArn]);
    }

    [Fact]
    public async Task When_the_dead_letter_queue_is_gone_the_message_stays_and_is_delivered()
    {
        var (source, _) = CreatePair(maxReceiveCount: 1);
        await source.SendAsync("m");
        await ReceiveOne(source);
        Broker.DeleteQueue("jobs-dlq");

        var again = await ReceiveOne(source);

        Assert.Equal(2, again.ApproximateReceiveCount);
    }

    [Fact]
    public async Task Without_a_redrive_policy_messages_are_received_any_number_of_times()
    {
        var queue = Broker.CreateQueue("plain", new QueueOptions { VisibilityTimeout = TimeSpan.Zero });
        await queue.SendAsync("m");
        for (var i = 1; i <= 50; i++)
        {
            Assert.Equal(i, (await ReceiveOne(queue)).ApproximateReceiveCount);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void Max_receive_count_outside_1_to_1000_is_refused(int maxReceiveCount)
    {
        Broker.CreateQueue("dlq");
        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue("src", new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq", maxReceiveCount) }));
        Assert.Contains("maxReceiveCount", error.Message, StringComparison.Ordinal);
        Assert.False(Broker.TryGetQueue("src", out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void Max_receive_count_at_the_bounds_is_accepted(int maxReceiveCount)
    {
        Broker.CreateQueue("dlq");
        var queue = Broker.CreateQueue("src", new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq", maxReceiveCount) });
        Assert.Equal(maxReceiveCount, queue.GetAttributes().Options.RedrivePolicy!.MaxReceiveCount);
    }

    [Fact]
    public void The_target_must_exist()
    {
        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue("src", new QueueOptions { RedrivePolicy = new RedrivePolicy("missing") }));
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_queue_cannot_be_its_own_dead_letter_queue()
    {
        var queue = Broker.CreateQueue("src");
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.SetAttributes(queue.GetAttributes().Options with { RedrivePolicy = new RedrivePolicy("src") }));
        Assert.Null(queue.GetAttributes().Options.RedrivePolicy);
    }

    [Fact]
    public void The_target_may_be_named_by_arn_in_the_same_account_and_region_only()
    {
        var dlq = Broker.CreateQueue("dlq");
        Broker.CreateQueue("src", new QueueOptions { RedrivePolicy = new RedrivePolicy(dlq.Arn) });
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue("other", new QueueOptions { RedrivePolicy = new RedrivePolicy("arn:aws:sqs:eu-west-1:123456789012:dlq") }));
        Assert.Equal(["src"], Broker.ListDeadLetterSourceQueues("dlq").QueueNames);
    }

    [Fact]
    public void A_deny_all_redrive_allow_policy_refuses_every_source()
    {
        Broker.CreateQueue("dlq", new QueueOptions { RedriveAllowPolicy = RedriveAllowPolicy.DenyAll });
        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue("src", new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq") }));
        Assert.Contains("RedriveAllowPolicy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_by_queue_redrive_allow_policy_admits_only_the_named_sources()
    {
        var dlq = Broker.CreateQueue("dlq", new QueueOptions { RedriveAllowPolicy = RedriveAllowPolicy.ByQueue("arn:aws:sqs:us-east-1:000000000000:good", "also-good") });
        Broker.CreateQueue("good", new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq") });
        Broker.CreateQueue("also-good", new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq") });
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue("bad", new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq") }));
        Assert.Equal(["also-good", "good"], Broker.ListDeadLetterSourceQueues(dlq.Name).QueueNames);
    }

    [Fact]
    public void Redrive_allow_policy_source_lists_are_checked()
    {
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue("a", new QueueOptions { RedriveAllowPolicy = RedriveAllowPolicy.ByQueue() }));
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue("b", new QueueOptions { RedriveAllowPolicy = RedriveAllowPolicy.ByQueue([.. Enumerable.Range(0, 11).Select(i => $"q{i}")]) }));
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue("c", new QueueOptions { RedriveAllowPolicy = new RedriveAllowPolicy { SourceQueueArns = ["q"] } }));
        Broker.CreateQueue("d", new QueueOptions { RedriveAllowPolicy = RedriveAllowPolicy.ByQueue([.. Enumerable.Range(0, 10).Select(i => $"q{i}")]) });
    }

    [Fact]
    public void Redrive_policies_are_readable_and_settable_by_their_sqs_names()
    {
        Broker.CreateQueue("dlq");
        var queue = Broker.CreateQueue("src");

        queue.SetAttributes(new Dictionary<string, string>
        {
            ["RedrivePolicy"] = """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"3"}""",
        });
        Assert.Equal(3, queue.GetAttributes().Options.RedrivePolicy!.MaxReceiveCount);
        Assert.Equal(
            """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":3}""",
            queue.GetAttributes(["RedrivePolicy"])["RedrivePolicy"]);

        queue.SetAttributes(new Dictionary<string, string> { ["RedrivePolicy"] = """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":7}""" });
        Assert.Equal(7, queue.GetAttributes().Options.RedrivePolicy!.MaxReceiveCount);

        queue.SetAttributes(new Dictionary<string, string> { ["RedrivePolicy"] = string.Empty });
        Assert.Null(queue.GetAttributes().Options.RedrivePolicy);
        Assert.False(queue.GetAttributes(["All"]).ContainsKey("RedrivePolicy"));
        Assert.Empty(Broker.ListDeadLetterSourceQueues("dlq").QueueNames);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"}""")]
    [InlineData("""{"maxReceiveCount":3}""")]
    [InlineData("[]")]
    public void A_malformed_redrive_policy_is_refused_and_changes_nothing(string value)
    {
        Broker.CreateQueue("dlq");
        var queue = Broker.CreateQueue("src");
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.SetAttributes(new Dictionary<string, string> { ["RedrivePolicy"] = value }));
        Assert.Null(queue.GetAttributes().Options.RedrivePolicy);
    }

    [Fact]
    public void The_redrive_allow_policy_reads_and_writes_as_sqs_json()
    {
        var queue = Broker.CreateQueue("dlq");
        queue.SetAttributes(new Dictionary<string, string> { ["RedriveAllowPolicy"] = """{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:000000000000:src"]}""" });

        Assert.Equal(RedrivePermission.ByQueue, queue.GetAttributes().Options.RedriveAllowPolicy.RedrivePermission);
        Assert.Equal("""{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:000000000000:src"]}""", queue.GetAttributes(["RedriveAllowPolicy"])["RedriveAllowPolicy"]);
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.SetAttributes(new Dictionary<string, string> { ["RedriveAllowPolicy"] = """{"redrivePermission":"sometimes"}""" }));
    }

    [Fact]
    public void Create_is_idempotent_only_with_the_same_redrive_policy()
    {
        Broker.CreateQueue("dlq");
        var options = new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq", 5) };
        var queue = Broker.CreateQueue("src", options);

        Assert.Same(queue, Broker.CreateQueue("src", new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq", 5) }));
        var error = ThrowsBroker(BrokerErrorCodes.QueueAlreadyExists, () => Broker.CreateQueue("src", new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq", 6) }));
        Assert.Contains("RedrivePolicy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Listing_dead_letter_sources_of_a_missing_queue_fails_and_pages_like_list_queues()
    {
        ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => Broker.ListDeadLetterSourceQueues("missing"));
        Broker.CreateQueue("dlq");
        foreach (var name in new[] { "c", "a", "b" })
        {
            Broker.CreateQueue(name, new QueueOptions { RedrivePolicy = new RedrivePolicy("dlq") });
        }

        var first = Broker.ListDeadLetterSourceQueues("dlq", maxResults: 2);
        var second = Broker.ListDeadLetterSourceQueues("dlq", maxResults: 2, nextToken: first.NextToken);

        Assert.Equal(["a", "b"], first.QueueNames);
        Assert.Equal(["c"], second.QueueNames);
        Assert.Null(second.NextToken);
    }
}
