using System.Text;
using Broker.Durability;
using Broker.Queues;
using Broker.Topics;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Durability;

/// <summary>
/// <see cref="QueueOptions.Durable"/> = false in a durable broker: a scratch queue the journal never records, beside
/// durable queues that it does.
/// </summary>
public sealed class ScratchQueueTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("broker-scratch-").FullName;
    private readonly FakeTimeProvider time = new();

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task A_scratch_queue_is_gone_after_a_restart_and_its_messages_never_reach_the_journal_while_a_durable_queue_beside_it_is_restored()
    {
        using (var broker = Open())
        {
            await broker.CreateQueue("orders").SendAsync("durable-body");
            var scratch = broker.CreateQueue("previews", new QueueOptions { Durable = false, VisibilityTimeout = TimeSpan.FromSeconds(5) });
            await scratch.SendAsync("scratch-body");
            scratch.SetAttributes(scratch.GetAttributes().Options with { VisibilityTimeout = TimeSpan.FromSeconds(9) });
            await scratch.ReceiveAsync();
        }

        var journal = JournalText();
        Assert.Contains("durable-body", journal, StringComparison.Ordinal);
        Assert.DoesNotContain("scratch-body", journal, StringComparison.Ordinal);
        Assert.DoesNotContain("previews", journal, StringComparison.Ordinal);

        using var restarted = Open();
        Assert.False(restarted.TryGetQueue("previews", out _));
        Assert.Equal(["orders"], restarted.ListQueues().QueueNames);
        Assert.Equal(["durable-body"], (await restarted.GetQueue("orders").ReceiveAsync()).Select(m => m.GetBodyAsString()));
        Assert.Empty(await restarted.CreateQueue("previews", new QueueOptions { Durable = false }).ReceiveAsync());
    }

    [Fact]
    public void A_subscription_to_a_scratch_queue_is_not_restored_while_one_to_a_durable_queue_is()
    {
        using (var broker = Open())
        {
            var events = broker.CreateTopic("events");
            events.Subscribe(broker.CreateQueue("audit"));
            var scratch = events.Subscribe(broker.CreateQueue("live-view", new QueueOptions { Durable = false }));
            scratch.SetAttribute("RawMessageDelivery", "true");
        }

        Assert.DoesNotContain("live-view", JournalText(), StringComparison.Ordinal);

        using var restarted = Open();
        var subscription = Assert.Single(restarted.GetTopic("events").ListSubscriptions());
        Assert.EndsWith(":audit", subscription.Endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_moved_to_a_scratch_dead_letter_queue_loses_its_durability()
    {
        using (var broker = Open())
        {
            broker.CreateQueue("jobs-dlq", new QueueOptions { Durable = false });
            var jobs = broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(10), RedrivePolicy = new RedrivePolicy("jobs-dlq", 1) });
            await jobs.SendAsync("poison");
            await jobs.ReceiveAsync();
            time.Advance(TimeSpan.FromSeconds(10));
            Assert.Empty(await jobs.ReceiveAsync()); // the second receive moved it
            Assert.Single(await broker.GetQueue("jobs-dlq").ReceiveAsync());
        }

        using var restarted = Open();
        time.Advance(TimeSpan.FromHours(1));

        Assert.Empty(await restarted.GetQueue("jobs").ReceiveAsync());
        Assert.False(restarted.TryGetQueue("jobs-dlq", out _));
    }

    [Fact]
    public void Durable_is_part_of_a_queues_settings_fixed_at_creation_and_not_an_sqs_attribute()
    {
        using var broker = Open();
        var scratch = broker.CreateQueue("previews", new QueueOptions { Durable = false });

        var differs = Assert.Throws<BrokerException>(() => broker.CreateQueue("previews"));
        Assert.Equal(BrokerErrorCodes.QueueAlreadyExists, differs.ErrorCode);
        Assert.Contains("attribute Durable", differs.Message, StringComparison.Ordinal);
        Assert.Same(scratch, broker.CreateQueue("previews", new QueueOptions { Durable = false }));

        var change = Assert.Throws<BrokerException>(() => scratch.SetAttributes(scratch.GetAttributes().Options with { Durable = true }));
        Assert.Equal(BrokerErrorCodes.InvalidAttributeValue, change.ErrorCode);
        Assert.False(scratch.GetAttributes().Options.Durable);

        Assert.DoesNotContain("Durable", scratch.GetAttributes([QueueAttributeNames.All]).Keys);
        Assert.Throws<BrokerException>(() => scratch.GetAttributes(["Durable"]));
    }

    [Fact]
    public async Task An_in_memory_broker_ignores_Durable()
    {
        using var broker = new MessageBroker(new BrokerOptions(), time);
        var queue = broker.CreateQueue("previews", new QueueOptions { Durable = false });

        await queue.SendAsync("in memory");

        Assert.Single(await queue.ReceiveAsync());
    }

    private MessageBroker Open() => new(new BrokerOptions { Storage = new DurableStorage { Directory = directory } }, time);

    /// <summary>Every segment's bytes as Latin-1 text, to look for a name or a body in it.</summary>
    private string JournalText() => string.Concat(Directory.EnumerateFiles(directory, "*.journal").Order(StringComparer.Ordinal)
        .Select(path => Encoding.Latin1.GetString(File.ReadAllBytes(path))));
}
