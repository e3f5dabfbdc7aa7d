using System.Globalization;
using Broker.Queues;
using Broker.Topics;

namespace Broker.Tests.Topics;

public sealed class FifoTopicConcurrencyTests : TopicFixture
{
    private const int Publishers = 4;
    private const int Groups = 3;
    private const int PerPublisherPerGroup = 150;

    [Fact]
    public async Task Concurrent_publishers_on_several_groups_lose_nothing_duplicate_nothing_and_keep_each_publishers_order_per_group()
    {
        var topic = Broker.CreateTopic("orders.fifo", new TopicOptions { FifoTopic = true });
        var queue = Broker.CreateQueue("inbox.fifo", new QueueOptions { FifoQueue = true });
        topic.Subscribe(queue);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var publishers = Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            await go.Task;
            var sequences = new List<(string Group, string Sequence)>();
            for (var i = 0; i < PerPublisherPerGroup; i++)
            {
                for (var g = 0; g < Groups; g++)
                {
                    var group = $"g{g}";
                    var result = await topic.PublishAsync(new PublishRequest($"{p}|{group}|{i}") { MessageGroupId = group, MessageDeduplicationId = $"{p}-{group}-{i}" });
                    sequences.Add((group, result.SequenceNumber!));
                }
            }

            return sequences;
        })).ToArray();
        go.SetResult();
        var published = await Task.WhenAll(publishers).WaitAsync(TimeSpan.FromSeconds(60));

        var received = (await Drain(queue)).Select(Envelope).Select(e => (
            Body: e.GetProperty("Message").GetString()!,
            Sequence: e.GetProperty("SequenceNumber").GetString()!)).ToList();

        const int Total = Publishers * Groups * PerPublisherPerGroup;
        Assert.Equal(Total, received.Count);
        Assert.Equal(Total, received.Select(r => r.Body).Distinct().Count());
        Assert.Equal(Total, received.Select(r => r.Sequence).Distinct().Count());
        Assert.Equal(
            published.SelectMany(p => p.Select(x => x.Sequence)).Order(StringComparer.Ordinal),
            received.Select(r => r.Sequence).Order(StringComparer.Ordinal));

        foreach (var group in received.GroupBy(r => r.Body.Split('|')[1]))
        {
            var sequences = group.Select(r => r.Sequence).ToList();
            Assert.Equal(sequences.Order(StringComparer.Ordinal), sequences);
            foreach (var byPublisher in group.GroupBy(r => r.Body.Split('|')[0]))
            {
                var positions = byPublisher.Select(r => int.Parse(r.Body.Split('|')[2], CultureInfo.InvariantCulture)).ToList();
                Assert.Equal(Enumerable.Range(0, PerPublisherPerGroup), positions);
            }
        }
    }

    [Fact]
    public async Task Concurrent_duplicates_of_one_deduplication_id_are_delivered_once_and_all_get_the_same_message_id()
    {
        var topic = Broker.CreateTopic("orders.fifo", new TopicOptions { FifoTopic = true });
        var queue = Broker.CreateQueue("copies");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var publishers = Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
        {
            await go.Task;
            return (await topic.PublishAsync(new PublishRequest($"from {p}") { MessageGroupId = "g", MessageDeduplicationId = "one" })).MessageId;
        })).ToArray();
        go.SetResult();
        var ids = await Task.WhenAll(publishers).WaitAsync(Bound);

        Assert.Single(ids.Distinct());
        Assert.Single(await Drain(queue));
    }
}
