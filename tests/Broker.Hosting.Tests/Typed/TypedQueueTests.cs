using Broker.Hosting.Serialization;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Hosting.Tests.Typed;

/// <summary><see cref="IQueue{T}"/>: typed sends and receives over a queue's bytes.</summary>
public sealed class TypedQueueTests
{
    private static readonly ReceiveRequest ReceiveAll = new() { MaxNumberOfMessages = 10, WaitTime = TimeSpan.Zero };

    [Fact]
    public async Task Message_sent_typed_is_received_typed_with_the_default_serializer()
    {
        using var provider = new ServiceCollection().AddBroker(b => b.AddQueue("orders")).BuildServiceProvider();
        var orders = provider.GetRequiredKeyedService<IQueue<Order>>("orders");

        await orders.SendAsync(new Order("o-1", 12.5m));

        var received = Assert.Single(await orders.ReceiveAsync());
        Assert.Equal(new Order("o-1", 12.5m), received.Message);
        Assert.Equal("""{"orderId":"o-1","amount":12.5}""", received.Raw.GetBodyAsString());
    }

    [Fact]
    public async Task Message_sent_typed_is_received_typed_with_a_source_generated_context()
    {
        using var provider = new ServiceCollection()
            .AddBroker(b => b.UseJson(SnakeCaseContext.Default).AddQueue("orders"))
            .BuildServiceProvider();
        var orders = provider.GetRequiredKeyedService<IQueue<Order>>("orders");

        await orders.SendAsync(new Order("o-2", 3m));

        var received = Assert.Single(await orders.ReceiveAsync());
        Assert.Equal("""{"order_id":"o-2","amount":3}""", received.Raw.GetBodyAsString());
        Assert.Equal(new Order("o-2", 3m), received.Message);
    }

    [Fact]
    public async Task Body_that_is_not_a_T_fails_only_when_the_message_is_read()
    {
        using var broker = new MessageBroker();
        var queue = broker.CreateQueue("orders");
        await queue.SendAsync("not json");
        var orders = queue.AsTyped<Order>();

        var received = Assert.Single(await orders.ReceiveAsync());

        Assert.Equal("not json", received.Raw.GetBodyAsString());
        Assert.Throws<MessageDeserializationException>(() => received.Message);
        Assert.Throws<MessageDeserializationException>(() => received.Message);
    }

    [Fact]
    public async Task Queue_wrapped_without_DI_uses_the_serializer_it_is_given()
    {
        using var broker = new MessageBroker();
        var orders = broker.CreateQueue("orders").AsTyped<Order>(new SystemTextJsonMessageSerializer(SnakeCaseContext.Default));

        await orders.SendAsync(new Order("o-3", 1m));

        var received = Assert.Single(await orders.ReceiveAsync());
        Assert.Equal("""{"order_id":"o-3","amount":1}""", received.Raw.GetBodyAsString());
        Assert.Equal(new Order("o-3", 1m), received.Message);
    }

    [Fact]
    public async Task Send_delay_hides_the_message_until_it_has_passed()
    {
        var clock = new FakeTimeProvider();
        using var broker = new MessageBroker(new BrokerOptions(), clock);
        var orders = broker.CreateQueue("orders").AsTyped<Order>();

        await orders.SendAsync(new Order("o-4", 1m), new SendOptions { Delay = TimeSpan.FromSeconds(30) });

        clock.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Empty(await orders.ReceiveAsync(ReceiveAll));
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Single(await orders.ReceiveAsync(ReceiveAll));
    }

    [Fact]
    public async Task Send_delay_of_a_fraction_of_a_second_is_rejected()
    {
        using var broker = new MessageBroker();
        var orders = broker.CreateQueue("orders").AsTyped<Order>();

        var exception = await Assert.ThrowsAsync<BrokerException>(
            async () => await orders.SendAsync(new Order("o", 1m), new SendOptions { Delay = TimeSpan.FromMilliseconds(1500) }));

        Assert.Equal(BrokerErrorCodes.InvalidParameterValue, exception.ErrorCode);
        Assert.Empty(await orders.ReceiveAsync(ReceiveAll));
    }

    [Fact]
    public async Task Send_options_carry_the_FIFO_identity_and_the_attributes()
    {
        using var broker = new MessageBroker();
        var orders = broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true }).AsTyped<Order>();
        var options = new SendOptions
        {
            MessageGroupId = "customer-7",
            MessageDeduplicationId = "o-5",
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["tenant"] = MessageAttributeValue.FromString("acme") },
        };

        await orders.SendAsync(new Order("o-5", 1m), options);
        await orders.SendAsync(new Order("o-5", 1m), options);

        var received = Assert.Single(await orders.ReceiveAsync(new ReceiveRequest
        {
            MaxNumberOfMessages = 10,
            MessageAttributeNames = ["All"],
            MessageSystemAttributeNames = ["All"],
        }));
        Assert.Equal("customer-7", received.Raw.Attributes[MessageSystemAttributeNames.MessageGroupId]);
        Assert.Equal("acme", received.Raw.MessageAttributes["tenant"].StringValue);
    }

    [Fact]
    public async Task Batch_of_typed_messages_is_sent_with_their_indexes_as_entry_ids()
    {
        using var broker = new MessageBroker();
        var orders = broker.CreateQueue("orders").AsTyped<Order>();

        var result = await orders.SendBatchAsync([new Order("a", 1m), new Order("b", 2m), new Order("c", 3m)]);

        Assert.Empty(result.Failed);
        Assert.Equal(["0", "1", "2"], result.Successful.Select(e => e.Id).Order());
        var received = await orders.ReceiveAsync(ReceiveAll);
        Assert.Equal(["a", "b", "c"], received.Select(r => r.Message.OrderId).Order());
    }
}
