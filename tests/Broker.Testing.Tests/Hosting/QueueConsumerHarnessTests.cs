using Broker.Hosting;
using Broker.Queues;
using Broker.Testing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Testing.Tests.Hosting;

/// <summary>In a host: the harness waits for hosted queue consumers and drives their retries with the clock.</summary>
public sealed class QueueConsumerHarnessTests
{
    /// <summary>The real-time bound of a wait that must time out: short, as the broker is known to stay busy.</summary>
    private static readonly TimeSpan ExpectBusy = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task WaitForIdle_waits_until_a_hosted_consumer_has_handled_and_deleted_the_message()
    {
        var gate = new Gate();
        await using var host = await TestHost.StartAsync(services => services
            .AddSingleton(gate)
            .AddBroker(b => b.AddQueue("orders"))
            .AddQueueConsumer<Order, GatedOrderHandler>("orders")
            .AddBrokerTestHarness());
        var harness = host.Harness;

        await harness.Broker.GetQueue("orders").SendAsync(new SendMessageRequest("""{"Id":1,"Amount":10}"""));
        await gate.Entered.WaitAsync(Gate.Bound);
        var idle = harness.WaitForIdleAsync().AsTask();
        Assert.False(idle.IsCompleted); // the handler holds the message
        gate.Open();
        await idle.WaitAsync(Gate.Bound);

        var deleted = Assert.Single(harness.Deleted("orders"));
        Assert.Equal(new Order(1, 10), deleted.GetBody<Order>());
    }

    [Fact]
    public async Task AdvanceAsync_drives_failed_receives_until_the_redrive_policy_dead_letters_the_message()
    {
        await using var host = await TestHost.StartAsync(services => services
            .AddBroker(b => b
                .AddQueue("orders-dlq")
                .AddQueue("orders", q => q with { VisibilityTimeout = TimeSpan.FromSeconds(30), RedrivePolicy = new RedrivePolicy("orders-dlq", MaxReceiveCount: 3) }))
            .AddQueueConsumer<Order, FailingOrderHandler>("orders")
            .AddBrokerTestHarness());
        var harness = host.Harness;

        await harness.Broker.GetQueue("orders").SendAsync(new SendMessageRequest("""{"Id":2,"Amount":5}"""));
        await harness.WaitForIdleAsync();
        Assert.Single(harness.Received("orders"));
        Assert.Empty(harness.DeadLettered("orders"));

        await harness.AdvanceAsync(TimeSpan.FromMinutes(2));

        Assert.Equal([1, 2, 3], harness.Received("orders").Select(e => e.ReceiveCount));
        var moved = Assert.Single(harness.DeadLettered("orders"));
        Assert.Equal("orders-dlq", moved.Endpoint);
        Assert.Empty(harness.Deleted("orders"));
        Assert.Equal(1, harness.Broker.GetQueue("orders-dlq").GetAttributes().ApproximateNumberOfMessages);
    }

    [Fact]
    public async Task The_timeout_names_the_queue_and_the_handler_that_holds_a_message()
    {
        var gate = new Gate();
        await using var host = await TestHost.StartAsync(services => services
            .AddSingleton(gate)
            .AddBroker(b => b.AddQueue("orders"))
            .AddQueueConsumer<Order, GatedOrderHandler>("orders")
            .AddBrokerTestHarness());
        var harness = host.Harness;
        await harness.Broker.GetQueue("orders").SendAsync(new SendMessageRequest("""{"Id":3,"Amount":1}"""));
        await gate.Entered.WaitAsync(Gate.Bound);

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => harness.WaitForIdleAsync(ExpectBusy).AsTask());

        gate.Open();
        Assert.Contains("busy: queue 'orders': 1 message(s) received by the consumer GatedOrderHandler and not yet handled", timeout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_timeout_reports_messages_left_in_flight_by_a_failed_handler_as_waiting_for_the_clock()
    {
        var gate = new Gate();
        await using var host = await TestHost.StartAsync(services => services
            .AddSingleton(gate)
            .AddBroker(b => b.AddQueue("orders").AddQueue("invoices"))
            .AddQueueConsumer<Order, FailingOrderHandler>("orders")
            .AddQueueConsumer<Order, GatedOrderHandler>("invoices")
            .AddBrokerTestHarness());
        var harness = host.Harness;
        await harness.Broker.GetQueue("orders").SendAsync(new SendMessageRequest("""{"Id":4,"Amount":1}"""));
        await harness.WaitForIdleAsync();
        await harness.Broker.GetQueue("invoices").SendAsync(new SendMessageRequest("""{"Id":5,"Amount":1}"""));
        await gate.Entered.WaitAsync(Gate.Bound);

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => harness.WaitForIdleAsync(ExpectBusy).AsTask());

        gate.Open();
        Assert.Contains("waiting for the clock: queue 'orders': 1 message(s) in flight, the first visible again at 2000-01-01T00:00:30.0000000+00:00; advance the clock", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("busy: queue 'invoices'", timeout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_FIFO_message_behind_a_failed_one_of_its_group_waits_for_the_clock_and_does_not_keep_the_broker_busy()
    {
        await using var host = await TestHost.StartAsync(services => services
            .AddBroker(b => b.AddQueue("orders.fifo", new QueueOptions { FifoQueue = true, ContentBasedDeduplication = true, VisibilityTimeout = TimeSpan.FromSeconds(30) }))
            .AddQueueConsumer<Order, FailingOrderHandler>("orders.fifo", c => c.BatchSize = 1)
            .AddBrokerTestHarness());
        var harness = host.Harness;
        var queue = harness.Broker.GetQueue("orders.fifo");
        await queue.SendAsync(new SendMessageRequest("""{"Id":6,"Amount":1}""") { MessageGroupId = "customer-1" });
        await queue.SendAsync(new SendMessageRequest("""{"Id":7,"Amount":1}""") { MessageGroupId = "customer-1" });

        // The first failed and stays in flight for 30 s, locking its group: the second is visible yet no receive can take it.
        await harness.WaitForIdleAsync();

        Assert.Single(harness.Received("orders.fifo"));
        Assert.Equal(1, queue.GetAttributes().ApproximateNumberOfMessages);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["""{"Id":6,"Amount":1}""", """{"Id":6,"Amount":1}"""], harness.Received("orders.fifo").Select(e => e.BodyText));
    }

    public sealed class GatedOrderHandler(Gate gate) : IMessageHandler<Order>
    {
        public async ValueTask HandleAsync(Order message, MessageContext context, CancellationToken cancellationToken) => await gate.PassAsync();
    }

    public sealed class FailingOrderHandler : IMessageHandler<Order>
    {
        public ValueTask HandleAsync(Order message, MessageContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"order {message.Id} cannot be handled");
    }
}
