using Broker.Durability;
using Broker.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Durability;

/// <summary>
/// Durable mode through its public surface only (<see cref="BrokerOptions.Storage"/>, <see cref="DurableStorage"/>,
/// <see cref="DurabilityPolicy"/>): what an application writes, and the validation it gets when a setting is wrong.
/// </summary>
public sealed class DurableStorageTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("broker-storage-").FullName;
    private readonly FakeTimeProvider time = new();

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData(DurabilityPolicy.Always)]
    [InlineData(DurabilityPolicy.Batched)]
    [InlineData(DurabilityPolicy.None)]
    public async Task A_broker_built_with_the_public_options_restores_its_queues_and_messages_after_dispose(DurabilityPolicy policy)
    {
        var options = new BrokerOptions { Storage = new DurableStorage { Directory = Path.Combine(root, "journal"), Policy = policy } };
        string keptId;
        using (var broker = new MessageBroker(options, time))
        {
            var queue = broker.CreateQueue("orders", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(45) });
            keptId = (await queue.SendAsync(new SendMessageRequest("kept")
            {
                MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["total"] = MessageAttributeValue.FromNumber(42) },
            })).MessageId;
            await queue.SendAsync("deleted");
            var received = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, VisibilityTimeout = TimeSpan.Zero });
            await queue.DeleteAsync(received.Single(m => m.GetBodyAsString() == "deleted"));
        }

        using var restarted = new MessageBroker(options, time);
        var orders = restarted.GetQueue("orders");
        var messages = await orders.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, MessageAttributeNames = ["All"] });

        Assert.Equal(TimeSpan.FromSeconds(45), orders.GetAttributes().Options.VisibilityTimeout);
        var message = Assert.Single(messages);
        Assert.Equal((keptId, "kept"), (message.MessageId, message.GetBodyAsString()));
        Assert.Equal(MessageAttributeValue.FromNumber(42), message.MessageAttributes["total"]);
        Assert.Equal(2, message.ApproximateReceiveCount);
    }

    [Fact]
    public void A_directory_belongs_to_one_broker_at_a_time()
    {
        var options = new BrokerOptions { Storage = new DurableStorage { Directory = Path.Combine(root, "journal") } };
        using (var first = new MessageBroker(options, time))
        {
            var second = Assert.Throws<BrokerException>(() => new MessageBroker(options, time));

            Assert.Equal(BrokerErrorCodes.InvalidParameterValue, second.ErrorCode);
            Assert.Contains("in use by another broker", second.Message, StringComparison.Ordinal);
            first.CreateQueue("still-mine");
        }

        using var next = new MessageBroker(options, time);
        Assert.True(next.TryGetQueue("still-mine", out _));
    }

    [Fact]
    public void A_broker_whose_journal_recovery_refuses_releases_the_directory()
    {
        var directory = Path.Combine(root, "journal");
        var options = new BrokerOptions { Storage = new DurableStorage { Directory = directory } };
        using (var broker = new MessageBroker(options, time))
        {
            broker.CreateQueue("orders");
        }

        // A segment copied in under the next id: its header names another segment, which recovery must not skip.
        var segment = Directory.GetFiles(directory, "*.journal").Single();
        File.Copy(segment, Path.Combine(directory, "0000000000000002.journal"));
        var refused = Assert.Throws<BrokerException>(() => new MessageBroker(options, time));
        Assert.Equal(BrokerErrorCodes.InternalFailure, refused.ErrorCode);

        foreach (var file in Directory.GetFiles(directory, "*.journal"))
        {
            File.Delete(file); // the operator moves the damaged journal away
        }

        using var fresh = new MessageBroker(options, time);
        Assert.Empty(fresh.ListQueues().QueueNames);
    }

    [Fact]
    public void Without_storage_the_broker_is_in_memory_and_reports_no_recovery()
    {
        using var broker = new MessageBroker(new BrokerOptions(), time);

        Assert.Null(broker.Options.Storage);
        Assert.Null(broker.Recovery);
    }

    [Fact]
    public void The_defaults_are_the_documented_ones()
    {
        var storage = new DurableStorage { Directory = "journal" };

        Assert.Equal(DurabilityPolicy.Always, storage.Policy);
        Assert.Equal(TimeSpan.FromMilliseconds(100), storage.FlushInterval);
        Assert.Equal(64L * 1024 * 1024, storage.SegmentSize);
        Assert.Equal(64L * 1024 * 1024, storage.CompactAfterBytes);
    }

    public static TheoryData<string, DurableStorage> InvalidSettings => new()
    {
        { "Directory", new DurableStorage { Directory = string.Empty } },
        { "Directory", new DurableStorage { Directory = "   " } },
        { "Policy", new DurableStorage { Directory = "journal", Policy = (DurabilityPolicy)7 } },
        { "FlushInterval", new DurableStorage { Directory = "journal", FlushInterval = TimeSpan.Zero } },
        { "FlushInterval", new DurableStorage { Directory = "journal", FlushInterval = TimeSpan.FromMilliseconds(-1) } },
        { "FlushInterval", new DurableStorage { Directory = "journal", FlushInterval = TimeSpan.FromMinutes(1) + TimeSpan.FromTicks(1) } },
        { "SegmentSize", new DurableStorage { Directory = "journal", SegmentSize = (64 * 1024) - 1 } },
        { "SegmentSize", new DurableStorage { Directory = "journal", SegmentSize = 0 } },
        { "CompactAfterBytes", new DurableStorage { Directory = "journal", SegmentSize = 1024 * 1024, CompactAfterBytes = (1024 * 1024) - 1 } },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void A_setting_out_of_range_fails_the_broker_with_InvalidParameterValue_naming_it_and_touches_no_disk(string setting, DurableStorage storage)
    {
        var directory = Path.Combine(root, "never-created");
        storage = storage.Directory == "journal" ? storage with { Directory = directory } : storage;

        var error = Assert.Throws<BrokerException>(() => new MessageBroker(new BrokerOptions { Storage = storage }, time));

        Assert.Equal(BrokerErrorCodes.InvalidParameterValue, error.ErrorCode);
        Assert.StartsWith($"Invalid value for BrokerOptions.Storage.{setting}: ", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void A_null_directory_fails_with_ArgumentNullException()
    {
        var storage = new DurableStorage { Directory = null! };

        var error = Assert.Throws<ArgumentNullException>(() => new MessageBroker(new BrokerOptions { Storage = storage }, time));

        Assert.Equal("options.Storage.Directory", error.ParamName);
    }

    [Fact]
    public void The_limits_themselves_are_accepted()
    {
        var storage = new DurableStorage
        {
            Directory = Path.Combine(root, "limits"),
            Policy = DurabilityPolicy.Batched,
            FlushInterval = TimeSpan.FromMinutes(1),
            SegmentSize = 64 * 1024,
            CompactAfterBytes = 64 * 1024,
        };

        using var broker = new MessageBroker(new BrokerOptions { Storage = storage }, time);

        Assert.NotNull(broker.Recovery);
        Assert.True(Directory.Exists(storage.Directory));
    }
}
