using Broker.Queues;
using Broker.Topics;

namespace Broker.Tests.Topics;

public sealed class PublishBatchTests : TopicFixture
{
    private static PublishBatchEntry[] Entries(int count) => [.. Enumerable.Range(0, count).Select(i => new PublishBatchEntry($"e{i}", $"m{i}"))];

    private static Task<BrokerException> BatchFails(ITopic topic, IReadOnlyList<PublishBatchEntry> entries, string code) =>
        ThrowsBroker(code, async () => await topic.PublishBatchAsync(entries));

    [Fact]
    public async Task A_batch_of_ten_is_published_in_entry_order_and_delivered()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(queue);

        var result = await topic.PublishBatchAsync(Entries(10));

        Assert.Empty(result.Failed);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"e{i}"), result.Successful.Select(s => s.Id));
        Assert.Equal(10, result.Successful.Select(s => s.MessageId).Distinct().Count());
        var envelopes = (await Drain(queue)).Select(Envelope).ToDictionary(e => e.GetProperty("MessageId").GetString()!, e => e.GetProperty("Message").GetString());
        Assert.All(result.Successful, s => Assert.Equal("m" + s.Id[1..], envelopes[s.MessageId]));
    }

    [Fact]
    public async Task A_batch_of_one_is_published()
    {
        var topic = Broker.CreateTopic("t");

        var result = await topic.PublishBatchAsync(Entries(1));

        Assert.Equal("e0", Assert.Single(result.Successful).Id);
    }

    [Fact]
    public async Task An_empty_batch_is_rejected()
    {
        var topic = Broker.CreateTopic("t");

        await BatchFails(topic, [], BrokerErrorCodes.EmptyBatchRequest);
    }

    [Fact]
    public async Task A_batch_of_eleven_is_rejected_and_nothing_is_published()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(queue);

        await BatchFails(topic, Entries(11), BrokerErrorCodes.TooManyEntriesInBatchRequest);

        Assert.Empty(await Drain(queue));
    }

    [Fact]
    public async Task Repeated_entry_ids_are_rejected_and_nothing_is_published()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(queue);

        await BatchFails(topic, [new("same", "a"), new("other", "b"), new("same", "c")], BrokerErrorCodes.BatchEntryIdsNotDistinct);

        Assert.Empty(await Drain(queue));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("has.dot")]
    public async Task An_entry_id_outside_letters_digits_hyphen_and_underscore_is_rejected(string id)
    {
        var topic = Broker.CreateTopic("t");

        await BatchFails(topic, [new("ok", "a"), new(id, "b")], BrokerErrorCodes.InvalidBatchEntryId);
    }

    [Fact]
    public async Task An_entry_id_may_have_80_characters()
    {
        var topic = Broker.CreateTopic("t");
        var id = "Az09-_" + new string('x', 74);

        var result = await topic.PublishBatchAsync([new(id, "a")]);

        Assert.Equal(id, Assert.Single(result.Successful).Id);
    }

    [Fact]
    public async Task An_entry_id_of_81_characters_is_rejected_with_sns_message()
    {
        var topic = Broker.CreateTopic("t");
        var id = new string('x', 81);

        var error = await BatchFails(topic, [new(id, "a")], BrokerErrorCodes.InvalidBatchEntryId);

        Assert.Equal($"The Id of a batch entry in the batch request is too long: {id}", error.Message);
    }

    [Fact]
    public async Task A_batch_over_256_kib_in_all_is_rejected_and_nothing_is_published()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(queue);
        var half = new string('x', 131_072);

        await BatchFails(topic, [new("a", half), new("b", half), new("c", "x")], BrokerErrorCodes.BatchRequestTooLong);

        Assert.Empty(await Drain(queue));
    }

    [Fact]
    public async Task A_batch_of_exactly_256_kib_is_published()
    {
        var topic = Broker.CreateTopic("t");
        var half = new string('x', 131_072);

        var result = await topic.PublishBatchAsync([new("a", half), new("b", half)]);

        Assert.Equal(2, result.Successful.Count);
    }

    [Fact]
    public async Task Invalid_entries_fail_alone_with_their_reasons_and_the_others_are_published()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        var result = await topic.PublishBatchAsync(
        [
            new("first", "one"),
            new("empty", ""),
            new("second", "two"),
            new("badAttribute", "three") { MessageAttributes = new Dictionary<string, MessageAttributeValue> { [".dot"] = MessageAttributeValue.FromString("v") } },
            new("dedup", "four") { MessageDeduplicationId = "not on a standard topic" },
            new("third", "five"),
        ]);

        Assert.Equal(["first", "second", "third"], result.Successful.Select(s => s.Id));
        Assert.Equal(["empty", "badAttribute", "dedup"], result.Failed.Select(f => f.Id));
        Assert.Equal(BrokerErrorCodes.InvalidParameter, result.Failed[0].Code);
        Assert.Equal("Invalid parameter: Empty message", result.Failed[0].Message);
        Assert.Equal(BrokerErrorCodes.ParameterValueInvalid, result.Failed[1].Code);
        Assert.Equal(BrokerErrorCodes.InvalidParameter, result.Failed[2].Code);
        Assert.All(result.Failed, f => Assert.True(f.SenderFault));
        Assert.Equal(["five", "one", "two"], (await DrainBodies(queue)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_fifo_batch_takes_increasing_sequence_numbers_in_entry_order()
    {
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true });
        var queue = Broker.CreateQueue("q.fifo", new QueueOptions { FifoQueue = true });
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });
        var entries = Enumerable.Range(0, 10).Select(i => new PublishBatchEntry($"e{i}", $"m{i}") { MessageGroupId = "g", MessageDeduplicationId = $"d{i}" }).ToArray();

        var result = await topic.PublishBatchAsync(entries);

        var sequences = result.Successful.Select(s => s.SequenceNumber!).ToList();
        Assert.Equal(sequences.Order(StringComparer.Ordinal), sequences);
        Assert.Equal(10, sequences.Distinct().Count());
        Assert.Equal(entries.Select(e => e.Message), await DrainBodies(queue));
    }

    [Fact]
    public async Task A_fifo_batch_entry_without_a_group_fails_alone()
    {
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true });

        var result = await topic.PublishBatchAsync([new("grouped", "a") { MessageGroupId = "g" }, new("ungrouped", "b")]);

        Assert.Equal("grouped", Assert.Single(result.Successful).Id);
        var failed = Assert.Single(result.Failed);
        Assert.Equal("ungrouped", failed.Id);
        Assert.Equal("Invalid parameter: The MessageGroupId parameter is required for FIFO topics", failed.Message);
    }

    [Fact]
    public async Task A_batch_to_a_deleted_topic_is_not_found()
    {
        var topic = Broker.CreateTopic("t");
        Broker.DeleteTopic("t");

        await BatchFails(topic, Entries(1), BrokerErrorCodes.NotFound);
    }
}
