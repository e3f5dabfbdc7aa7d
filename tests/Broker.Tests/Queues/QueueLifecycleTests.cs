using System.Globalization;
using Broker.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Queues;

public sealed class QueueLifecycleTests : QueueFixture
{
    /// <summary>The fixture's fake clock starts at 2000-01-01T00:00:00Z.</summary>
    private const long FixtureStartEpochSeconds = 946_684_800;

    private static readonly string[] SettableAttributes =
    [
        QueueAttributeNames.VisibilityTimeout, QueueAttributeNames.DelaySeconds, QueueAttributeNames.MessageRetentionPeriod,
        QueueAttributeNames.MaximumMessageSize, QueueAttributeNames.ReceiveMessageWaitTimeSeconds,
    ];

    private static readonly string[] EveryStandardAttribute =
    [
        QueueAttributeNames.VisibilityTimeout, QueueAttributeNames.DelaySeconds, QueueAttributeNames.MessageRetentionPeriod,
        QueueAttributeNames.MaximumMessageSize, QueueAttributeNames.ReceiveMessageWaitTimeSeconds,
        QueueAttributeNames.ApproximateNumberOfMessages, QueueAttributeNames.ApproximateNumberOfMessagesNotVisible,
        QueueAttributeNames.ApproximateNumberOfMessagesDelayed, QueueAttributeNames.CreatedTimestamp,
        QueueAttributeNames.LastModifiedTimestamp, QueueAttributeNames.QueueArn,
    ];

    // ---------------------------------------------------------------- queue names

    [Theory]
    [InlineData("a")]
    [InlineData("Jobs_2024-Q1")]
    [InlineData("0123456789-_abcxyzABCXYZ")]
    public void Create_accepts_names_of_letters_digits_hyphens_and_underscores(string name)
    {
        var queue = Broker.CreateQueue(name);

        Assert.Equal(name, queue.Name);
        Assert.Same(queue, Broker.GetQueue(name));
    }

    [Fact]
    public void Create_accepts_a_name_of_exactly_80_characters()
    {
        var name = new string('q', 80);

        var queue = Broker.CreateQueue(name);

        Assert.Equal(name, queue.Name);
        Assert.Equal([name], Broker.ListQueues().QueueNames);
    }

    public static TheoryData<string> InvalidNames => new()
    {
        string.Empty,
        new string('q', 81),
        "jobs/high",
        "jobs high",
        "jobs.high",
        "jobs.fifo",
        "j\u00F6bs",
        "jobs!",
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Create_refuses_an_invalid_name_with_InvalidParameterValue(string name)
    {
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue(name));
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue(name, new QueueOptions()));
        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue(name, new Dictionary<string, string>()));

        Assert.Empty(Broker.ListQueues().QueueNames);
    }

    [Fact]
    public async Task Queue_names_are_case_sensitive()
    {
        var lower = Broker.CreateQueue("jobs");
        var upper = Broker.CreateQueue("JOBS", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(5) });

        Assert.NotSame(lower, upper);
        Assert.Same(lower, Broker.GetQueue("jobs"));
        Assert.Same(upper, Broker.GetQueue("JOBS"));
        ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => Broker.GetQueue("Jobs"));
        Assert.False(Broker.TryGetQueue("Jobs", out _));

        await upper.SendAsync("m");
        Assert.Equal((0, 0, 0), Counts(lower));
        Assert.Equal((1, 0, 0), Counts(upper));
        Assert.Equal(TimeSpan.FromSeconds(30), lower.GetAttributes().Options.VisibilityTimeout);
    }

    // ---------------------------------------------------------------- CreateQueue idempotency

    [Fact]
    public async Task Create_is_idempotent_when_every_setting_matches()
    {
        var options = new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(90), Delay = TimeSpan.FromSeconds(5) };
        var first = Broker.CreateQueue("jobs", options);
        await first.SendAsync("kept");

        var second = Broker.CreateQueue("jobs", options with { });

        Assert.Same(first, second);
        Assert.Equal((0, 0, 1), Counts(second));
        Assert.Equal(["jobs"], Broker.ListQueues().QueueNames);
    }

    [Fact]
    public void Create_is_idempotent_when_the_request_repeats_the_defaults_explicitly()
    {
        var first = Broker.CreateQueue("jobs");

        var second = Broker.CreateQueue("jobs", new QueueOptions
        {
            VisibilityTimeout = TimeSpan.FromSeconds(30),
            Delay = TimeSpan.Zero,
            MessageRetentionPeriod = TimeSpan.FromSeconds(345_600),
            MaximumMessageSize = 1_048_576,
            ReceiveMessageWaitTime = TimeSpan.Zero,
        });

        Assert.Same(first, second);
    }

    [Fact]
    public void Create_with_attribute_names_is_idempotent_when_the_request_repeats_the_defaults()
    {
        var first = Broker.CreateQueue("jobs");

        var second = Broker.CreateQueue("jobs", new Dictionary<string, string>
        {
            [QueueAttributeNames.VisibilityTimeout] = "30",
            [QueueAttributeNames.DelaySeconds] = "0",
            [QueueAttributeNames.MessageRetentionPeriod] = "345600",
            [QueueAttributeNames.MaximumMessageSize] = "1048576",
            [QueueAttributeNames.ReceiveMessageWaitTimeSeconds] = "0",
        });
        var third = Broker.CreateQueue("jobs", new Dictionary<string, string>());

        Assert.Same(first, second);
        Assert.Same(first, third);
    }

    [Fact]
    public void Create_with_attribute_names_is_idempotent_when_they_match_the_options_it_was_created_with()
    {
        var first = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(60), MaximumMessageSize = 2048 });

        var second = Broker.CreateQueue("jobs", new Dictionary<string, string>
        {
            [QueueAttributeNames.VisibilityTimeout] = "60",
            [QueueAttributeNames.MaximumMessageSize] = "2048",
        });

        Assert.Same(first, second);
    }

    [Theory]
    [InlineData("VisibilityTimeout", "31")]
    [InlineData("DelaySeconds", "1")]
    [InlineData("MessageRetentionPeriod", "345599")]
    [InlineData("MaximumMessageSize", "1048575")]
    [InlineData("ReceiveMessageWaitTimeSeconds", "20")]
    public void Create_with_a_different_value_fails_with_QueueAlreadyExists_naming_the_attribute(string attribute, string value)
    {
        var existing = Broker.CreateQueue("jobs");

        var error = ThrowsBroker(
            BrokerErrorCodes.QueueAlreadyExists,
            () => Broker.CreateQueue("jobs", new Dictionary<string, string> { [attribute] = value }));
        Assert.Contains(attribute, error.Message, StringComparison.Ordinal);

        var typed = ThrowsBroker(BrokerErrorCodes.QueueAlreadyExists, () => Broker.CreateQueue("jobs", OptionsWith(attribute, long.Parse(value, CultureInfo.InvariantCulture))));
        Assert.Contains(attribute, typed.Message, StringComparison.Ordinal);

        // The existing queue kept its settings.
        Assert.Equal(new QueueOptions(), existing.GetAttributes().Options);
        Assert.Same(existing, Broker.GetQueue("jobs"));
    }

    [Fact]
    public void Create_with_defaults_fails_with_QueueAlreadyExists_when_the_queue_has_other_settings()
    {
        Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(60) });

        var error = ThrowsBroker(BrokerErrorCodes.QueueAlreadyExists, () => Broker.CreateQueue("jobs"));
        Assert.Contains("VisibilityTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_compares_against_the_current_attributes_after_SetAttributes()
    {
        var queue = Broker.CreateQueue("jobs");
        queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.DelaySeconds] = "10" });

        var error = ThrowsBroker(BrokerErrorCodes.QueueAlreadyExists, () => Broker.CreateQueue("jobs"));
        Assert.Contains("DelaySeconds", error.Message, StringComparison.Ordinal);
        Assert.Same(queue, Broker.CreateQueue("jobs", new QueueOptions { Delay = TimeSpan.FromSeconds(10) }));
    }

    [Fact]
    public void Options_are_the_current_settings_the_same_as_GetAttributes_gives()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(45) });
        Assert.Equal(TimeSpan.FromSeconds(45), queue.Options.VisibilityTimeout);

        queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.VisibilityTimeout] = "120", [QueueAttributeNames.DelaySeconds] = "3" });

        Assert.Equal(TimeSpan.FromSeconds(120), queue.Options.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), queue.Options.Delay);
        Assert.Equal(queue.GetAttributes().Options, queue.Options);
    }

    // ---------------------------------------------------------------- GetQueue / TryGetQueue / DeleteQueue

    [Fact]
    public void GetQueue_and_TryGetQueue_return_the_created_queue()
    {
        var created = Broker.CreateQueue("jobs");

        Assert.Same(created, Broker.GetQueue("jobs"));
        Assert.True(Broker.TryGetQueue("jobs", out var found));
        Assert.Same(created, found);
    }

    [Fact]
    public void GetQueue_of_an_unknown_name_fails_with_QueueDoesNotExist_and_TryGetQueue_returns_false()
    {
        Broker.CreateQueue("jobs");

        var error = ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => Broker.GetQueue("nope"));
        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
        Assert.False(Broker.TryGetQueue("nope", out var missing));
        Assert.Null(missing);
    }

    [Fact]
    public void DeleteQueue_of_an_unknown_name_fails_with_QueueDoesNotExist()
    {
        ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => Broker.DeleteQueue("nope"));
    }

    [Fact]
    public void DeleteQueue_twice_fails_the_second_time_with_QueueDoesNotExist()
    {
        Broker.CreateQueue("jobs");
        Broker.DeleteQueue("jobs");

        ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => Broker.DeleteQueue("jobs"));
    }

    [Fact]
    public void A_deleted_queue_is_gone_from_GetQueue_TryGetQueue_and_ListQueues()
    {
        Broker.CreateQueue("jobs");
        Broker.CreateQueue("other");

        Broker.DeleteQueue("jobs");

        ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => Broker.GetQueue("jobs"));
        Assert.False(Broker.TryGetQueue("jobs", out _));
        Assert.Equal(["other"], Broker.ListQueues().QueueNames);
    }

    [Fact]
    public async Task Every_operation_on_a_deleted_queue_object_fails_with_QueueDoesNotExist()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("a");
        await queue.SendAsync("b");
        var received = await ReceiveOne(queue);

        Broker.DeleteQueue("jobs");

        await ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => queue.SendAsync("c").AsTask());
        await ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => queue.SendBatchAsync([new SendMessageBatchEntry("e1", "c")]).AsTask());
        await ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => queue.ReceiveAsync(Take()).AsTask());
        await ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => queue.DeleteAsync(received.ReceiptHandle).AsTask());
        await ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => queue.DeleteBatchAsync([new DeleteMessageBatchEntry("e1", received.ReceiptHandle)]).AsTask());
        await ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => queue.ChangeVisibilityAsync(received.ReceiptHandle, TimeSpan.Zero).AsTask());
        await ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => queue.PurgeAsync().AsTask());
        ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => queue.GetAttributes());
        ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => queue.GetAttributes([QueueAttributeNames.All]));
        ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => _ = queue.Options);
        ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => queue.SetAttributes(new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(5) }));
        ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.VisibilityTimeout] = "5" }));
    }

    [Fact]
    public async Task A_queue_recreated_under_a_deleted_name_is_a_new_empty_queue_and_the_old_object_stays_deleted()
    {
        var old = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(60) });
        await old.SendAsync("gone");
        Broker.DeleteQueue("jobs");

        // A different setting is fine: the old queue no longer exists to conflict with.
        var fresh = Broker.CreateQueue("jobs");

        Assert.NotSame(old, fresh);
        Assert.Equal((0, 0, 0), Counts(fresh));
        Assert.Empty(await fresh.ReceiveAsync(Take()));
        ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => old.GetAttributes());
        await ThrowsBroker(BrokerErrorCodes.QueueDoesNotExist, () => old.SendAsync("x").AsTask());
        Assert.Equal((0, 0, 0), Counts(fresh));
    }

    // ---------------------------------------------------------------- QueueDeletedRecently

    [Fact]
    public void The_default_queue_deletion_cooldown_is_60_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), new BrokerOptions().QueueDeletionCooldown);
    }

    [Fact]
    public void Recreating_a_queue_within_60_seconds_of_deleting_it_fails_with_QueueDeletedRecently()
    {
        var clock = new FakeTimeProvider();
        using var broker = new MessageBroker(new BrokerOptions(), clock);
        broker.CreateQueue("jobs");
        broker.DeleteQueue("jobs");

        ThrowsBroker(BrokerErrorCodes.QueueDeletedRecently, () => broker.CreateQueue("jobs"));
        clock.Advance(TimeSpan.FromSeconds(59));
        ThrowsBroker(BrokerErrorCodes.QueueDeletedRecently, () => broker.CreateQueue("jobs"));
        clock.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
        ThrowsBroker(BrokerErrorCodes.QueueDeletedRecently, () => broker.CreateQueue("jobs", new Dictionary<string, string>()));

        // Nothing was created by the refused calls, and other names are unaffected.
        Assert.False(broker.TryGetQueue("jobs", out _));
        Assert.Equal("other", broker.CreateQueue("other").Name);
    }

    [Fact]
    public void Recreating_a_queue_60_seconds_after_deleting_it_succeeds()
    {
        var clock = new FakeTimeProvider();
        using var broker = new MessageBroker(new BrokerOptions(), clock);
        var old = broker.CreateQueue("jobs");
        broker.DeleteQueue("jobs");
        ThrowsBroker(BrokerErrorCodes.QueueDeletedRecently, () => broker.CreateQueue("jobs"));

        clock.Advance(TimeSpan.FromSeconds(60));

        var fresh = broker.CreateQueue("jobs");
        Assert.NotSame(old, fresh);
        Assert.Same(fresh, broker.GetQueue("jobs"));
    }

    [Fact]
    public async Task A_long_poll_waiting_on_a_queue_that_is_deleted_ends_with_QueueDoesNotExist()
    {
        var queue = Broker.CreateQueue("jobs");
        var pending = queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        Assert.False(pending.IsCompleted);

        Broker.DeleteQueue("jobs");

        // The real-time bound only keeps a broken build from hanging; the fake clock never moves here.
        var error = await Assert.ThrowsAsync<BrokerException>(() => pending.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(BrokerErrorCodes.QueueDoesNotExist, error.ErrorCode);
    }

    // ---------------------------------------------------------------- ListQueues

    [Fact]
    public void ListQueues_returns_names_in_ordinal_order()
    {
        string[] names = ["beta", "Beta", "alpha", "_under", "-dash", "9lives", "Alpha", "alpha-2", "alpha_2"];
        foreach (var name in names)
        {
            Broker.CreateQueue(name);
        }

        var result = Broker.ListQueues();

        // Ordinal: '-' < digits < upper case < '_' < lower case.
        Assert.Equal(["-dash", "9lives", "Alpha", "Beta", "_under", "alpha", "alpha-2", "alpha_2", "beta"], result.QueueNames);
        Assert.Null(result.NextToken);
    }

    [Fact]
    public void ListQueues_of_an_empty_broker_is_empty()
    {
        var result = Broker.ListQueues();

        Assert.Empty(result.QueueNames);
        Assert.Null(result.NextToken);
    }

    [Fact]
    public void ListQueues_filters_by_a_case_sensitive_prefix()
    {
        foreach (var name in new[] { "orders-1", "Orders-2", "orders-3", "ordersX", "order", "payments" })
        {
            Broker.CreateQueue(name);
        }

        Assert.Equal(["orders-1", "orders-3", "ordersX"], Broker.ListQueues(new ListQueuesRequest { QueueNamePrefix = "orders" }).QueueNames);
        Assert.Equal(["Orders-2"], Broker.ListQueues(new ListQueuesRequest { QueueNamePrefix = "Orders" }).QueueNames);
        Assert.Equal(["order", "orders-1", "orders-3", "ordersX"], Broker.ListQueues(new ListQueuesRequest { QueueNamePrefix = "order" }).QueueNames);
        Assert.Empty(Broker.ListQueues(new ListQueuesRequest { QueueNamePrefix = "ORDERS" }).QueueNames);
        Assert.Equal(6, Broker.ListQueues(new ListQueuesRequest { QueueNamePrefix = string.Empty }).QueueNames.Count);
    }

    [Fact]
    public void ListQueues_pages_through_every_name_with_MaxResults_and_NextToken()
    {
        var expected = Enumerable.Range(0, 7).Select(i => $"q{i:D2}").ToArray();
        foreach (var name in Enumerable.Reverse(expected))
        {
            Broker.CreateQueue(name);
        }

        var pages = new List<IReadOnlyList<string>>();
        string? token = null;
        do
        {
            var page = Broker.ListQueues(new ListQueuesRequest { MaxResults = 3, NextToken = token });
            Assert.InRange(page.QueueNames.Count, 1, 3);
            pages.Add(page.QueueNames);
            token = page.NextToken;
            Assert.True(pages.Count <= 7, "ListQueues kept returning a NextToken.");
        }
        while (token is not null);

        Assert.Equal(3, pages.Count);
        Assert.Equal(["q00", "q01", "q02"], pages[0]);
        Assert.Equal(["q03", "q04", "q05"], pages[1]);
        Assert.Equal(["q06"], pages[2]);
        Assert.Equal(expected, pages.SelectMany(p => p));
    }

    [Fact]
    public void ListQueues_pages_through_a_prefix_filter()
    {
        foreach (var name in new[] { "a1", "b1", "a2", "b2", "a3", "b3", "a4" })
        {
            Broker.CreateQueue(name);
        }

        var first = Broker.ListQueues(new ListQueuesRequest { QueueNamePrefix = "a", MaxResults = 2 });
        Assert.Equal(["a1", "a2"], first.QueueNames);
        Assert.NotNull(first.NextToken);
        var second = Broker.ListQueues(new ListQueuesRequest { QueueNamePrefix = "a", MaxResults = 2, NextToken = first.NextToken });
        Assert.Equal(["a3", "a4"], second.QueueNames);
        if (second.NextToken is not null)
        {
            Assert.Empty(Broker.ListQueues(new ListQueuesRequest { QueueNamePrefix = "a", MaxResults = 2, NextToken = second.NextToken }).QueueNames);
        }
    }

    [Fact]
    public void ListQueues_returns_at_most_1000_names_by_default()
    {
        for (var i = 0; i < 1001; i++)
        {
            Broker.CreateQueue($"q{i:D4}");
        }

        var first = Broker.ListQueues();
        Assert.Equal(1000, first.QueueNames.Count);
        Assert.Equal("q0999", first.QueueNames[^1]);
        Assert.NotNull(first.NextToken);

        var rest = Broker.ListQueues(new ListQueuesRequest { NextToken = first.NextToken });
        Assert.Equal(["q1000"], rest.QueueNames);
        Assert.Null(rest.NextToken);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public void ListQueues_with_MaxResults_outside_1_to_1000_fails_with_InvalidParameterValue(int maxResults)
    {
        Broker.CreateQueue("jobs");

        var error = ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.ListQueues(new ListQueuesRequest { MaxResults = maxResults }));
        Assert.Contains("MaxResults", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void ListQueues_accepts_MaxResults_of_1_and_1000(int maxResults)
    {
        Broker.CreateQueue("a");
        Broker.CreateQueue("b");

        var page = Broker.ListQueues(new ListQueuesRequest { MaxResults = maxResults });

        Assert.Equal(Math.Min(maxResults, 2), page.QueueNames.Count);
        Assert.Equal("a", page.QueueNames[0]);
    }

    [Theory]
    [InlineData("%%% not a token %%%")]
    [InlineData("Zm9v")] // well-formed base64 ("foo"), but never issued by this broker
    public void ListQueues_with_a_garbage_NextToken_fails_with_InvalidParameterValue(string token)
    {
        Broker.CreateQueue("jobs");
        Broker.CreateQueue("zebra");

        ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.ListQueues(new ListQueuesRequest { NextToken = token }));
    }

    // ---------------------------------------------------------------- attributes: defaults and reads

    [Fact]
    public void Default_attributes_equal_the_AWS_defaults()
    {
        var options = Broker.CreateQueue("jobs").GetAttributes().Options;

        Assert.Equal(TimeSpan.FromSeconds(30), options.VisibilityTimeout);
        Assert.Equal(TimeSpan.Zero, options.Delay);
        Assert.Equal(TimeSpan.FromSeconds(345_600), options.MessageRetentionPeriod);
        Assert.Equal(1_048_576, options.MaximumMessageSize);
        Assert.Equal(TimeSpan.Zero, options.ReceiveMessageWaitTime);
    }

    [Fact]
    public void Default_attributes_by_name_equal_the_AWS_defaults()
    {
        var attributes = Broker.CreateQueue("jobs").GetAttributes(SettableAttributes);

        Assert.Equal("30", attributes[QueueAttributeNames.VisibilityTimeout]);
        Assert.Equal("0", attributes[QueueAttributeNames.DelaySeconds]);
        Assert.Equal("345600", attributes[QueueAttributeNames.MessageRetentionPeriod]);
        Assert.Equal("1048576", attributes[QueueAttributeNames.MaximumMessageSize]);
        Assert.Equal("0", attributes[QueueAttributeNames.ReceiveMessageWaitTimeSeconds]);
    }

    [Fact]
    public async Task Typed_GetAttributes_reports_settings_counters_arn_and_timestamps()
    {
        Time.Advance(TimeSpan.FromSeconds(42));
        var createdAt = Time.GetUtcNow();
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(45), MaximumMessageSize = 4096 });
        await queue.SendAsync("visible-1");
        await queue.SendAsync("visible-2");
        await queue.SendAsync("in-flight");
        await queue.SendAsync(new SendMessageRequest("delayed") { DelaySeconds = 30 });
        await ReceiveOne(queue);

        var attributes = queue.GetAttributes();

        Assert.Equal(TimeSpan.FromSeconds(45), attributes.Options.VisibilityTimeout);
        Assert.Equal(4096, attributes.Options.MaximumMessageSize);
        Assert.Equal(2, attributes.ApproximateNumberOfMessages);
        Assert.Equal(1, attributes.ApproximateNumberOfMessagesNotVisible);
        Assert.Equal(1, attributes.ApproximateNumberOfMessagesDelayed);
        Assert.Equal("arn:aws:sqs:us-east-1:000000000000:jobs", attributes.QueueArn);
        Assert.Equal(attributes.QueueArn, queue.Arn);
        Assert.Equal(createdAt, attributes.CreatedTimestamp);
        Assert.Equal(createdAt, attributes.LastModifiedTimestamp);
    }

    [Fact]
    public void GetAttributes_by_name_with_no_names_returns_an_empty_map()
    {
        var queue = Broker.CreateQueue("jobs");

        Assert.Empty(queue.GetAttributes(Array.Empty<string>()));
    }

    [Fact]
    public void GetAttributes_by_name_returns_only_the_names_asked_for()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { Delay = TimeSpan.FromSeconds(7) });

        var attributes = queue.GetAttributes([QueueAttributeNames.DelaySeconds, QueueAttributeNames.QueueArn]);

        Assert.Equal(2, attributes.Count);
        Assert.Equal("7", attributes[QueueAttributeNames.DelaySeconds]);
        Assert.Equal("arn:aws:sqs:us-east-1:000000000000:jobs", attributes[QueueAttributeNames.QueueArn]);
    }

    [Fact]
    public async Task GetAttributes_All_returns_every_attribute_with_timestamps_in_epoch_seconds()
    {
        // 1.5 s past the fixture's start: a millisecond or tick timestamp would not equal the whole seconds.
        Time.Advance(TimeSpan.FromMilliseconds(1500));
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(45) });
        await queue.SendAsync("visible-1");
        await queue.SendAsync("visible-2");
        await queue.SendAsync("in-flight");
        await queue.SendAsync(new SendMessageRequest("delayed") { DelaySeconds = 30 });
        await ReceiveOne(queue);
        Time.Advance(TimeSpan.FromSeconds(10));
        queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.MaximumMessageSize] = "2048" });

        var all = queue.GetAttributes([QueueAttributeNames.All]);

        Assert.Equal(EveryStandardAttribute.Order(StringComparer.Ordinal), all.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("45", all[QueueAttributeNames.VisibilityTimeout]);
        Assert.Equal("0", all[QueueAttributeNames.DelaySeconds]);
        Assert.Equal("345600", all[QueueAttributeNames.MessageRetentionPeriod]);
        Assert.Equal("2048", all[QueueAttributeNames.MaximumMessageSize]);
        Assert.Equal("0", all[QueueAttributeNames.ReceiveMessageWaitTimeSeconds]);
        Assert.Equal("2", all[QueueAttributeNames.ApproximateNumberOfMessages]);
        Assert.Equal("1", all[QueueAttributeNames.ApproximateNumberOfMessagesNotVisible]);
        Assert.Equal("1", all[QueueAttributeNames.ApproximateNumberOfMessagesDelayed]);
        Assert.Equal((FixtureStartEpochSeconds + 1).ToString(CultureInfo.InvariantCulture), all[QueueAttributeNames.CreatedTimestamp]);
        Assert.Equal((FixtureStartEpochSeconds + 11).ToString(CultureInfo.InvariantCulture), all[QueueAttributeNames.LastModifiedTimestamp]);
        Assert.Equal("arn:aws:sqs:us-east-1:000000000000:jobs", all[QueueAttributeNames.QueueArn]);
    }

    [Fact]
    public void The_queue_arn_uses_the_brokers_region_and_account()
    {
        using var broker = new MessageBroker(new BrokerOptions { Region = "eu-west-2", AccountId = "123456789012" }, new FakeTimeProvider());
        var queue = broker.CreateQueue("jobs");

        Assert.Equal("arn:aws:sqs:eu-west-2:123456789012:jobs", queue.Arn);
        Assert.Equal("arn:aws:sqs:eu-west-2:123456789012:jobs", queue.GetAttributes([QueueAttributeNames.QueueArn])[QueueAttributeNames.QueueArn]);
    }

    [Theory]
    [InlineData("Bogus")]
    [InlineData("visibilitytimeout")]
    [InlineData("")]
    public void GetAttributes_with_an_unknown_name_fails_with_InvalidAttributeName(string name)
    {
        var queue = Broker.CreateQueue("jobs");

        ThrowsBroker(BrokerErrorCodes.InvalidAttributeName, () => queue.GetAttributes([name]));
        ThrowsBroker(BrokerErrorCodes.InvalidAttributeName, () => queue.GetAttributes([QueueAttributeNames.VisibilityTimeout, name]));
    }

    // ---------------------------------------------------------------- attribute ranges

    public static TheoryData<string, long> Boundaries => new()
    {
        { QueueAttributeNames.VisibilityTimeout, 0 },
        { QueueAttributeNames.VisibilityTimeout, 43_200 },
        { QueueAttributeNames.DelaySeconds, 0 },
        { QueueAttributeNames.DelaySeconds, 900 },
        { QueueAttributeNames.MessageRetentionPeriod, 60 },
        { QueueAttributeNames.MessageRetentionPeriod, 1_209_600 },
        { QueueAttributeNames.MaximumMessageSize, 1_024 },
        { QueueAttributeNames.MaximumMessageSize, 1_048_576 },
        { QueueAttributeNames.ReceiveMessageWaitTimeSeconds, 0 },
        { QueueAttributeNames.ReceiveMessageWaitTimeSeconds, 20 },
    };

    public static TheoryData<string, long> OnePastBoundaries => new()
    {
        { QueueAttributeNames.VisibilityTimeout, -1 },
        { QueueAttributeNames.VisibilityTimeout, 43_201 },
        { QueueAttributeNames.DelaySeconds, -1 },
        { QueueAttributeNames.DelaySeconds, 901 },
        { QueueAttributeNames.MessageRetentionPeriod, 59 },
        { QueueAttributeNames.MessageRetentionPeriod, 1_209_601 },
        { QueueAttributeNames.MaximumMessageSize, 1_023 },
        { QueueAttributeNames.MaximumMessageSize, 1_048_577 },
        { QueueAttributeNames.ReceiveMessageWaitTimeSeconds, -1 },
        { QueueAttributeNames.ReceiveMessageWaitTimeSeconds, 21 },
    };

    [Theory]
    [MemberData(nameof(Boundaries))]
    public void CreateQueue_with_options_accepts_each_boundary(string attribute, long value)
    {
        var queue = Broker.CreateQueue("jobs", OptionsWith(attribute, value));

        Assert.Equal(Text(value), Read(queue, attribute));
    }

    [Theory]
    [MemberData(nameof(Boundaries))]
    public void CreateQueue_with_attribute_names_accepts_each_boundary(string attribute, long value)
    {
        var queue = Broker.CreateQueue("jobs", new Dictionary<string, string> { [attribute] = Text(value) });

        Assert.Equal(Text(value), Read(queue, attribute));
    }

    [Theory]
    [MemberData(nameof(Boundaries))]
    public void SetAttributes_with_options_accepts_each_boundary(string attribute, long value)
    {
        var queue = Broker.CreateQueue("jobs");

        queue.SetAttributes(OptionsWith(attribute, value));

        Assert.Equal(Text(value), Read(queue, attribute));
    }

    [Theory]
    [MemberData(nameof(Boundaries))]
    public void SetAttributes_with_attribute_names_accepts_each_boundary(string attribute, long value)
    {
        var queue = Broker.CreateQueue("jobs");

        queue.SetAttributes(new Dictionary<string, string> { [attribute] = Text(value) });

        Assert.Equal(Text(value), Read(queue, attribute));
    }

    [Theory]
    [MemberData(nameof(OnePastBoundaries))]
    public void CreateQueue_with_options_refuses_one_past_each_boundary_with_InvalidAttributeValue(string attribute, long value)
    {
        var error = ThrowsBroker(BrokerErrorCodes.InvalidAttributeValue, () => Broker.CreateQueue("jobs", OptionsWith(attribute, value)));

        Assert.Contains(attribute, error.Message, StringComparison.Ordinal);
        Assert.False(Broker.TryGetQueue("jobs", out _));
    }

    [Theory]
    [MemberData(nameof(OnePastBoundaries))]
    public void CreateQueue_with_attribute_names_refuses_one_past_each_boundary_with_InvalidAttributeValue(string attribute, long value)
    {
        var error = ThrowsBroker(
            BrokerErrorCodes.InvalidAttributeValue,
            () => Broker.CreateQueue("jobs", new Dictionary<string, string> { [attribute] = Text(value) }));

        Assert.Contains(attribute, error.Message, StringComparison.Ordinal);
        Assert.False(Broker.TryGetQueue("jobs", out _));
    }

    [Theory]
    [MemberData(nameof(OnePastBoundaries))]
    public void SetAttributes_with_options_refuses_one_past_each_boundary_and_changes_nothing(string attribute, long value)
    {
        var queue = Broker.CreateQueue("jobs");
        var before = queue.GetAttributes([QueueAttributeNames.All]);
        Time.Advance(TimeSpan.FromSeconds(5));

        var error = ThrowsBroker(BrokerErrorCodes.InvalidAttributeValue, () => queue.SetAttributes(OptionsWith(attribute, value)));

        Assert.Contains(attribute, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, queue.GetAttributes([QueueAttributeNames.All]));
        Assert.Equal(new QueueOptions(), queue.GetAttributes().Options);
    }

    [Theory]
    [MemberData(nameof(OnePastBoundaries))]
    public void SetAttributes_with_attribute_names_refuses_one_past_each_boundary_and_changes_nothing(string attribute, long value)
    {
        var queue = Broker.CreateQueue("jobs");
        var before = queue.GetAttributes([QueueAttributeNames.All]);
        Time.Advance(TimeSpan.FromSeconds(5));

        var error = ThrowsBroker(
            BrokerErrorCodes.InvalidAttributeValue,
            () => queue.SetAttributes(new Dictionary<string, string> { [attribute] = Text(value) }));

        Assert.Contains(attribute, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, queue.GetAttributes([QueueAttributeNames.All]));
        Assert.Equal(new QueueOptions(), queue.GetAttributes().Options);
    }

    [Theory]
    [InlineData("VisibilityTimeout", 1500)]
    [InlineData("DelaySeconds", 500)]
    [InlineData("MessageRetentionPeriod", 60_500)]
    [InlineData("ReceiveMessageWaitTimeSeconds", 1)]
    public void Fractional_seconds_are_refused_with_InvalidAttributeValue(string attribute, int milliseconds)
    {
        var fractional = SecondsOptionWith(attribute, TimeSpan.FromMilliseconds(milliseconds));

        ThrowsBroker(BrokerErrorCodes.InvalidAttributeValue, () => Broker.CreateQueue("jobs", fractional));
        Assert.False(Broker.TryGetQueue("jobs", out _));

        var queue = Broker.CreateQueue("jobs");
        ThrowsBroker(BrokerErrorCodes.InvalidAttributeValue, () => queue.SetAttributes(fractional));
        Assert.Equal(new QueueOptions(), queue.GetAttributes().Options);
    }

    [Theory]
    [InlineData("VisibilityTimeout", "1.5")]
    [InlineData("DelaySeconds", "0.5")]
    [InlineData("MessageRetentionPeriod", "60.5")]
    [InlineData("MaximumMessageSize", "1024.5")]
    [InlineData("ReceiveMessageWaitTimeSeconds", "1.5")]
    [InlineData("VisibilityTimeout", "thirty")]
    [InlineData("DelaySeconds", "")]
    [InlineData("MessageRetentionPeriod", "4d")]
    [InlineData("MaximumMessageSize", "1MiB")]
    [InlineData("ReceiveMessageWaitTimeSeconds", "twenty")]
    public void Fractional_or_non_numeric_attribute_strings_are_refused_with_InvalidAttributeValue(string attribute, string value)
    {
        var attributes = new Dictionary<string, string> { [attribute] = value };

        var created = ThrowsBroker(BrokerErrorCodes.InvalidAttributeValue, () => Broker.CreateQueue("jobs", attributes));
        Assert.Contains(attribute, created.Message, StringComparison.Ordinal);
        Assert.False(Broker.TryGetQueue("jobs", out _));

        var queue = Broker.CreateQueue("jobs");
        var set = ThrowsBroker(BrokerErrorCodes.InvalidAttributeValue, () => queue.SetAttributes(attributes));
        Assert.Contains(attribute, set.Message, StringComparison.Ordinal);
        Assert.Equal(new QueueOptions(), queue.GetAttributes().Options);
    }

    [Fact]
    public void A_refused_SetAttributes_with_several_names_changes_none_of_them()
    {
        var queue = Broker.CreateQueue("jobs");
        var before = queue.GetAttributes([QueueAttributeNames.All]);
        Time.Advance(TimeSpan.FromSeconds(5));

        ThrowsBroker(BrokerErrorCodes.InvalidAttributeValue, () => queue.SetAttributes(new Dictionary<string, string>
        {
            [QueueAttributeNames.VisibilityTimeout] = "60",
            [QueueAttributeNames.DelaySeconds] = "901",
        }));
        ThrowsBroker(BrokerErrorCodes.InvalidAttributeName, () => queue.SetAttributes(new Dictionary<string, string>
        {
            [QueueAttributeNames.VisibilityTimeout] = "60",
            ["Bogus"] = "1",
        }));
        ThrowsBroker(BrokerErrorCodes.InvalidAttributeValue, () => queue.SetAttributes(new QueueOptions
        {
            VisibilityTimeout = TimeSpan.FromSeconds(60),
            MaximumMessageSize = 1023,
        }));

        Assert.Equal(before, queue.GetAttributes([QueueAttributeNames.All]));
    }

    [Fact]
    public void SetAttributes_with_attribute_names_keeps_the_attributes_it_does_not_name()
    {
        var queue = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(60), Delay = TimeSpan.FromSeconds(5) });

        queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.DelaySeconds] = "10" });

        var options = queue.GetAttributes().Options;
        Assert.Equal(TimeSpan.FromSeconds(60), options.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Delay);
    }

    // ---------------------------------------------------------------- timestamps

    [Fact]
    public void SetAttributes_updates_LastModifiedTimestamp_but_not_CreatedTimestamp()
    {
        var queue = Broker.CreateQueue("jobs");
        var created = Time.GetUtcNow();
        Time.Advance(TimeSpan.FromSeconds(100));

        queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.VisibilityTimeout] = "60" });

        var typed = queue.GetAttributes();
        Assert.Equal(created, typed.CreatedTimestamp);
        Assert.Equal(created.AddSeconds(100), typed.LastModifiedTimestamp);
        var byName = queue.GetAttributes([QueueAttributeNames.CreatedTimestamp, QueueAttributeNames.LastModifiedTimestamp]);
        Assert.Equal(Text(FixtureStartEpochSeconds), byName[QueueAttributeNames.CreatedTimestamp]);
        Assert.Equal(Text(FixtureStartEpochSeconds + 100), byName[QueueAttributeNames.LastModifiedTimestamp]);

        Time.Advance(TimeSpan.FromSeconds(50));
        queue.SetAttributes(queue.GetAttributes().Options with { Delay = TimeSpan.FromSeconds(1) });

        typed = queue.GetAttributes();
        Assert.Equal(created, typed.CreatedTimestamp);
        Assert.Equal(created.AddSeconds(150), typed.LastModifiedTimestamp);
    }

    [Fact]
    public async Task Sending_and_receiving_do_not_change_LastModifiedTimestamp()
    {
        var queue = Broker.CreateQueue("jobs");
        var created = Time.GetUtcNow();
        Time.Advance(TimeSpan.FromSeconds(100));

        await queue.SendAsync("m");
        var got = await ReceiveOne(queue);
        await queue.DeleteAsync(got.ReceiptHandle);

        Assert.Equal(created, queue.GetAttributes().LastModifiedTimestamp);
    }

    // ---------------------------------------------------------------- FIFO-only and read-only attributes

    [Theory]
    [InlineData("true")]
    [InlineData("TRUE")]
    public void FifoQueue_true_on_a_standard_queue_fails_with_InvalidAttributeName(string value)
    {
        var queue = Broker.CreateQueue("jobs");

        var set = ThrowsBroker(BrokerErrorCodes.InvalidAttributeName, () => queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.FifoQueue] = value }));
        Assert.Contains("FifoQueue", set.Message, StringComparison.Ordinal);

        // At creation FifoQueue makes a FIFO queue, whose name must end in .fifo.
        var created = ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => Broker.CreateQueue("other", new Dictionary<string, string> { [QueueAttributeNames.FifoQueue] = value }));
        Assert.Contains(".fifo", created.Message, StringComparison.Ordinal);
        Assert.False(Broker.TryGetQueue("other", out _));
    }

    [Theory]
    [InlineData("ContentBasedDeduplication", "true")]
    [InlineData("ContentBasedDeduplication", "false")]
    [InlineData("DeduplicationScope", "messageGroup")]
    [InlineData("DeduplicationScope", "queue")]
    [InlineData("FifoThroughputLimit", "perMessageGroupId")]
    [InlineData("FifoThroughputLimit", "perQueue")]
    public void A_FIFO_only_attribute_on_a_standard_queue_fails_with_InvalidAttributeName(string attribute, string value)
    {
        var queue = Broker.CreateQueue("jobs");
        var before = queue.GetAttributes([QueueAttributeNames.All]);

        var set = ThrowsBroker(BrokerErrorCodes.InvalidAttributeName, () => queue.SetAttributes(new Dictionary<string, string> { [attribute] = value }));
        Assert.Contains(attribute, set.Message, StringComparison.Ordinal);
        Assert.Equal(before, queue.GetAttributes([QueueAttributeNames.All]));

        var created = ThrowsBroker(BrokerErrorCodes.InvalidAttributeName, () => Broker.CreateQueue("other", new Dictionary<string, string> { [attribute] = value }));
        Assert.Contains(attribute, created.Message, StringComparison.Ordinal);
        Assert.False(Broker.TryGetQueue("other", out _));
    }

    [Theory]
    [InlineData("ApproximateNumberOfMessages", "0")]
    [InlineData("ApproximateNumberOfMessagesNotVisible", "0")]
    [InlineData("ApproximateNumberOfMessagesDelayed", "0")]
    [InlineData("QueueArn", "arn:aws:sqs:us-east-1:000000000000:jobs")]
    [InlineData("CreatedTimestamp", "946684800")]
    [InlineData("LastModifiedTimestamp", "946684800")]
    public void A_read_only_attribute_in_SetAttributes_fails_with_InvalidAttributeName(string attribute, string value)
    {
        var queue = Broker.CreateQueue("jobs");
        var before = queue.GetAttributes([QueueAttributeNames.All]);
        Time.Advance(TimeSpan.FromSeconds(5));

        var error = ThrowsBroker(BrokerErrorCodes.InvalidAttributeName, () => queue.SetAttributes(new Dictionary<string, string> { [attribute] = value }));

        Assert.Contains(attribute, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, queue.GetAttributes([QueueAttributeNames.All]));
    }

    [Theory]
    [InlineData("Bogus")]
    [InlineData("visibilitytimeout")]
    [InlineData("All")]
    public void An_unknown_attribute_in_SetAttributes_fails_with_InvalidAttributeName(string attribute)
    {
        var queue = Broker.CreateQueue("jobs");
        var before = queue.GetAttributes([QueueAttributeNames.All]);

        var set = ThrowsBroker(BrokerErrorCodes.InvalidAttributeName, () => queue.SetAttributes(new Dictionary<string, string> { [attribute] = "60" }));
        Assert.Contains(attribute, set.Message, StringComparison.Ordinal);
        Assert.Equal(before, queue.GetAttributes([QueueAttributeNames.All]));

        ThrowsBroker(BrokerErrorCodes.InvalidAttributeName, () => Broker.CreateQueue("other", new Dictionary<string, string> { [attribute] = "60" }));
        Assert.False(Broker.TryGetQueue("other", out _));
    }

    // ---------------------------------------------------------------- setting changes and messages

    [Fact]
    public async Task A_delay_change_applies_to_later_sends_only()
    {
        var queue = Broker.CreateQueue("jobs");
        await queue.SendAsync("before");

        queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.DelaySeconds] = "60" });

        Assert.Equal((1, 0, 0), Counts(queue));
        await queue.SendAsync("after");
        Assert.Equal((1, 0, 1), Counts(queue));
        Assert.Equal("1", queue.GetAttributes([QueueAttributeNames.ApproximateNumberOfMessagesDelayed])[QueueAttributeNames.ApproximateNumberOfMessagesDelayed]);

        var first = await ReceiveOne(queue);
        Assert.Equal("before", first.GetBodyAsString());
        await queue.DeleteAsync(first.ReceiptHandle);
        Assert.Empty(await queue.ReceiveAsync(Take()));

        Time.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromTicks(1));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Time.Advance(TimeSpan.FromTicks(1));
        var second = await ReceiveOne(queue);
        Assert.Equal("after", second.GetBodyAsString());
    }

    [Fact]
    public async Task A_lowered_MaximumMessageSize_refuses_larger_bodies_with_InvalidParameterValue()
    {
        var queue = Broker.CreateQueue("jobs");
        var large = new string('x', 1025);
        await queue.SendAsync(large);

        queue.SetAttributes(new Dictionary<string, string> { [QueueAttributeNames.MaximumMessageSize] = "1024" });

        var error = await ThrowsBroker(BrokerErrorCodes.InvalidParameterValue, () => queue.SendAsync(large).AsTask());
        Assert.Contains("shorter than 1024 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, 0, 0), Counts(queue));

        await queue.SendAsync(new string('x', 1024));
        Assert.Equal((2, 0, 0), Counts(queue));
    }

    // ---------------------------------------------------------------- helpers

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Read(IMessageQueue queue, string attribute) => queue.GetAttributes([attribute])[attribute];

    private static QueueOptions OptionsWith(string attribute, long value) =>
        attribute == QueueAttributeNames.MaximumMessageSize
            ? new QueueOptions { MaximumMessageSize = checked((int)value) }
            : SecondsOptionWith(attribute, TimeSpan.FromSeconds(value));

    private static QueueOptions SecondsOptionWith(string attribute, TimeSpan value) => attribute switch
    {
        QueueAttributeNames.VisibilityTimeout => new QueueOptions { VisibilityTimeout = value },
        QueueAttributeNames.DelaySeconds => new QueueOptions { Delay = value },
        QueueAttributeNames.MessageRetentionPeriod => new QueueOptions { MessageRetentionPeriod = value },
        QueueAttributeNames.ReceiveMessageWaitTimeSeconds => new QueueOptions { ReceiveMessageWaitTime = value },
        _ => throw new ArgumentOutOfRangeException(nameof(attribute), attribute, "Not a duration attribute."),
    };
}
