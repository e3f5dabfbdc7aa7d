using System.Runtime.InteropServices;
using Broker.Durability;
using Broker.Durability.Internal;
using Broker.Queues;
using Broker.Queues.Internal;
using Broker.Topics;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Durability;

/// <summary>Topics and their queue subscriptions are configuration: a durable broker keeps them across a restart.</summary>
public sealed class DurableTopicTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("broker-durable-topics-").FullName;
    private readonly FakeTimeProvider time = new();

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task Topics_and_queue_subscriptions_come_back_with_their_arns_and_filters_and_deliver_as_before()
    {
        string rawArn;
        using (var broker = Open())
        {
            var uploads = broker.CreateTopic("uploads", new TopicOptions { DisplayName = "Uploads" });
            var hd = broker.CreateQueue("transcode-1080p");
            var all = broker.CreateQueue("index");
            rawArn = uploads.Subscribe(hd, new SubscriptionOptions { FilterPolicy = """{"resolution":["1080p"]}""", RawMessageDelivery = true }).Arn;
            uploads.Subscribe(all);
            uploads.Subscribe((_, _) => ValueTask.CompletedTask); // a handler: code, not configuration
        }

        using var recovered = Open();
        var topic = recovered.GetTopic("uploads");
        Assert.Equal("Uploads", topic.Options.DisplayName);
        var subscriptions = topic.ListSubscriptions();
        Assert.Equal(2, subscriptions.Count);
        var raw = Assert.Single(subscriptions, s => s.Arn == rawArn);
        Assert.Equal("""{"resolution":["1080p"]}""", raw.Options.FilterPolicy);
        Assert.True(raw.Options.RawMessageDelivery);

        await topic.PublishAsync(new PublishRequest("video 7")
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["resolution"] = MessageAttributeValue.FromString("720p") },
        });
        await topic.PublishAsync(new PublishRequest("video 8")
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["resolution"] = MessageAttributeValue.FromString("1080p") },
        });

        Assert.Equal(["video 8"], (await recovered.GetQueue("transcode-1080p").ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).Select(m => m.GetBodyAsString()));
        Assert.Equal(2, (await recovered.GetQueue("index").ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 })).Count);
    }

    [Fact]
    public void Changed_attributes_removed_subscriptions_and_deleted_topics_stay_as_they_were_left()
    {
        using (var broker = Open())
        {
            var uploads = broker.CreateTopic("uploads");
            var changed = uploads.Subscribe(broker.CreateQueue("a"));
            changed.SetAttribute("FilterPolicy", """{"kind":["public"]}""");
            uploads.Subscribe(broker.CreateQueue("b")).Unsubscribe();
            broker.CreateTopic("gone").Subscribe(broker.CreateQueue("c"));
            broker.DeleteTopic("gone");
        }

        using var recovered = Open();

        Assert.Equal(["uploads"], recovered.ListTopics().Select(t => t.Name));
        var only = Assert.Single(recovered.GetTopic("uploads").ListSubscriptions());
        Assert.Equal("""{"kind":["public"]}""", only.Options.FilterPolicy);
        Assert.EndsWith(":a", only.Endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compaction_keeps_topics_and_subscriptions()
    {
        using (var broker = Open())
        {
            var uploads = broker.CreateTopic("uploads.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true });
            uploads.Subscribe(broker.CreateQueue("work.fifo", new QueueOptions { FifoQueue = true }), new SubscriptionOptions { RawMessageDelivery = true });
            await broker.Store!.CompactAsync();
            Assert.Null(broker.Store.CompactionError);
        }

        using var recovered = Open();
        var topic = recovered.GetTopic("uploads.fifo");
        Assert.True(topic.Options.FifoTopic);
        Assert.True(Assert.Single(topic.ListSubscriptions()).Options.RawMessageDelivery);
    }

    [Fact]
    public async Task An_enveloped_delivery_to_a_journaled_queue_is_written_at_once_and_comes_back_the_same_after_a_restart()
    {
        string before;
        using (var broker = Open())
        {
            var topic = broker.CreateTopic("uploads");
            var queue = broker.CreateQueue("index");
            topic.Subscribe(queue);
            await topic.PublishAsync(new PublishRequest("{\"video\":7}") { Subject = "new" });

            var received = Assert.Single(await queue.ReceiveAsync(new ReceiveRequest { VisibilityTimeout = TimeSpan.Zero }));

            // The journal record needs the bytes at the send: nothing is deferred for a journaled queue.
            Assert.False(MemoryMarshal.TryGetMemoryManager<byte, DeferredBody>(received.Body, out _));
            before = received.GetBodyAsString();
        }

        using var recovered = Open();
        var again = Assert.Single(await recovered.GetQueue("index").ReceiveAsync(new ReceiveRequest()));
        Assert.Equal(before, again.GetBodyAsString());
        Assert.Contains("\"Subject\":\"new\"", before, StringComparison.Ordinal);
    }

    private MessageBroker Open() => new(
        new BrokerOptions { QueueDeletionCooldown = TimeSpan.Zero, Storage = new DurableStorage { Directory = directory } },
        time);
}
