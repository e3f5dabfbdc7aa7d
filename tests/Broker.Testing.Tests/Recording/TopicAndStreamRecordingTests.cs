using System.Text;
using Broker.Queues;
using Broker.Streams;
using Broker.Topics;
using Broker.Testing.Tests.Support;

namespace Broker.Testing.Tests.Recording;

/// <summary>Publishes, deliveries per subscription, filtering, failed deliveries and stream puts are recorded.</summary>
public sealed class TopicAndStreamRecordingTests : IAsyncDisposable
{
    private readonly BrokerTestHarness harness = new();

    public ValueTask DisposeAsync() => harness.DisposeAsync();

    [Fact]
    public async Task Publish_delivery_and_filtering_are_recorded_per_subscription()
    {
        var topic = harness.Broker.CreateTopic("videos");
        var hd = harness.Broker.CreateQueue("hd");
        var sd = harness.Broker.CreateQueue("sd");
        topic.Subscribe(hd, new SubscriptionOptions { FilterPolicy = """{"resolution":["720p"]}""", RawMessageDelivery = true });
        topic.Subscribe(sd, new SubscriptionOptions { FilterPolicy = """{"resolution":["480p"]}""", RawMessageDelivery = true });

        var published = await topic.PublishAsync(new PublishRequest("clip-1")
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["resolution"] = MessageAttributeValue.FromString("720p") },
        });

        var publish = Assert.Single(harness.Published("videos"));
        Assert.Equal(published.MessageId, publish.MessageId);
        Assert.Equal("720p", publish.Attributes["resolution"].StringValue);
        var delivered = Assert.Single(harness.Delivered("videos"));
        Assert.EndsWith(":hd", delivered.Endpoint, StringComparison.Ordinal);
        var filtered = Assert.Single(harness.FilteredOut("videos"));
        Assert.EndsWith(":sd", filtered.Endpoint, StringComparison.Ordinal);
        Assert.Equal("clip-1", Assert.Single(harness.Sent("hd")).BodyText);
        Assert.Empty(harness.Sent("sd"));
        Assert.Equal(
            [BrokerEventKind.Published, BrokerEventKind.FilteredOut, BrokerEventKind.Sent, BrokerEventKind.Delivered],
            harness.Events.Select(e => e.Kind));
    }

    [Fact]
    public async Task A_handler_delivery_given_up_on_is_recorded_as_failed()
    {
        var topic = harness.Broker.CreateTopic("videos");
        topic.Subscribe(
            (_, _) => throw new InvalidOperationException("handler broke"),
            new SubscriptionOptions { DeliveryPolicy = new DeliveryPolicy { NumRetries = 0 } });

        await topic.PublishAsync(new PublishRequest("clip-1"));
        await harness.WaitForIdleAsync();

        var failed = Assert.Single(harness.Failed("videos"));
        Assert.Equal("clip-1", failed.BodyText);
        Assert.Empty(harness.Delivered("videos"));
    }

    [Fact]
    public async Task Put_is_recorded_with_its_shard_and_sequence_number()
    {
        var stream = harness.Broker.CreateStream("clicks", new StreamOptions { ShardCount = 2 });
        var put = await stream.PutRecordAsync(new PutRecordRequest("user-1", Encoding.UTF8.GetBytes("click")));

        var record = Assert.Single(harness.Put("clicks"));
        Assert.Equal(put.SequenceNumber, record.MessageId);
        Assert.Equal(put.ShardId, record.Endpoint);
        Assert.Equal("click", record.BodyText);
    }

    [Fact]
    public async Task Every_record_of_a_put_records_request_is_recorded_in_request_order_with_its_shard_and_sequence_number()
    {
        var stream = harness.Broker.CreateStream("clicks", new StreamOptions { ShardCount = 2 });
        var texts = Enumerable.Range(0, 20).Select(i => $"click-{i}").ToList();
        var result = await stream.PutRecordsAsync([.. texts.Select(t => new PutRecordsRequestEntry(t, Encoding.UTF8.GetBytes(t)))]);

        var recorded = harness.Put("clicks");
        Assert.Equal(texts, recorded.Select(r => r.BodyText));
        Assert.Equal(result.Records.Select(r => r.SequenceNumber), recorded.Select(r => r.MessageId));
        Assert.Equal(result.Records.Select(r => r.ShardId), recorded.Select(r => r.Endpoint));
        Assert.Equal(2, recorded.Select(r => r.Endpoint).Distinct().Count());
    }
}
