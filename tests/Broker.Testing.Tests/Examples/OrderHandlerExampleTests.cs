using Broker.Hosting;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Broker.Testing.Tests.Examples;

// A walk-through: how to test your own handler with Broker.Testing.
//
// The code under test is the application's: an Order message, an OrderHandler that a hosted queue consumer calls for
// every message of the "orders" queue, and an OrderBook the handler writes to. Nothing in it knows about tests.
//
// The test builds the same host the application builds (AddBroker, AddQueueConsumer) and adds one line:
// services.AddBrokerTestHarness(). That puts the broker and every consumer on a fake clock (harness.Time) and records
// what flows through the broker. Then each test:
//   1. sends messages the way the application does (here through the typed IQueue<Order>),
//   2. waits until the broker is idle (harness.WaitForIdleAsync: every message handed to a handler has been handled)
//      or moves the clock (harness.AdvanceAsync: visibility timeouts end, retries happen, in order),
//   3. asserts on the application's state and on the harness's record (Sent, Received, Deleted, DeadLettered, ...).
// No sleeps and no polling: the waits end when the work is done, and fail with a message naming what is still busy.

/// <summary>The application's message.</summary>
public sealed record Order(string Id, decimal Amount);

/// <summary>The application's state the handler writes (a singleton here; a database in real life).</summary>
public sealed class OrderBook
{
    private readonly List<Order> accepted = [];

    public IReadOnlyList<Order> Accepted
    {
        get
        {
            lock (accepted)
            {
                return [.. accepted];
            }
        }
    }

    public void Accept(Order order)
    {
        lock (accepted)
        {
            accepted.Add(order);
        }
    }
}

/// <summary>The application's handler: accepts an order, or throws for one it cannot take (the consumer then retries it).</summary>
public sealed class OrderHandler(OrderBook book) : IMessageHandler<Order>
{
    public ValueTask HandleAsync(Order message, MessageContext context, CancellationToken cancellationToken)
    {
        if (message.Amount <= 0)
        {
            throw new ArgumentException($"Order {message.Id} has no amount.", nameof(message));
        }

        book.Accept(message);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Tests of <see cref="OrderHandler"/> in a host, with the harness.</summary>
public sealed class OrderHandlerExampleTests : IAsyncLifetime
{
    private IHost host = null!;

    private BrokerTestHarness Harness => host.Services.GetRequiredService<BrokerTestHarness>();

    private IQueue<Order> Orders => host.Services.GetRequiredKeyedService<IQueue<Order>>("orders");

    private OrderBook Book => host.Services.GetRequiredService<OrderBook>();

    public async Task InitializeAsync()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());

        // The application's own registrations, as in Program.cs: a queue with a dead-letter queue after 3 receives.
        builder.Services.AddSingleton<OrderBook>();
        builder.Services.AddBroker(broker => broker
            .AddQueue("orders-dlq")
            .AddQueue("orders", q => q with
            {
                VisibilityTimeout = TimeSpan.FromSeconds(30),
                RedrivePolicy = new RedrivePolicy("orders-dlq", MaxReceiveCount: 3),
            }));
        builder.Services.AddQueueConsumer<Order, OrderHandler>("orders");

        // The one test-only line: a fake clock for the broker and its consumers, and a record of what flows.
        builder.Services.AddBrokerTestHarness();

        host = builder.Build();
        await host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }

    [Fact]
    public async Task An_order_is_handled_once_and_deleted_from_the_queue()
    {
        // 1. Send, as the application does.
        await Orders.SendAsync(new Order("A-1", 25m));

        // 2. Wait until the consumer has handled it (no sleep: this returns when nothing is left to do).
        await Harness.WaitForIdleAsync();

        // 3. The handler did its work, and the consumer deleted the message after it succeeded.
        Assert.Equal([new Order("A-1", 25m)], Book.Accepted);
        var deleted = Assert.Single(Harness.Deleted("orders"));
        Assert.Equal("A-1", deleted.GetBody<Order>().Id);
        Assert.Single(Harness.Received("orders"));
    }

    [Fact]
    public async Task An_order_the_handler_rejects_is_retried_and_then_dead_lettered()
    {
        await Orders.SendAsync(new Order("B-1", 0m));
        await Harness.WaitForIdleAsync();

        // The first attempt failed; the message waits in flight until its 30 s visibility timeout ends.
        Assert.Single(Harness.Received("orders"));
        Assert.Empty(Harness.DeadLettered("orders"));

        // Move the clock: each timeout ends, the consumer receives the order again and fails again; the receive after
        // the third moves it to the dead-letter queue. AdvanceAsync steps the clock and waits for idle after each step.
        await Harness.AdvanceAsync(TimeSpan.FromMinutes(2));

        Assert.Equal([1, 2, 3], Harness.Received("orders").Select(e => e.ReceiveCount));
        var deadLettered = Assert.Single(Harness.DeadLettered("orders"));
        Assert.Equal("orders-dlq", deadLettered.Endpoint);
        Assert.Equal("B-1", deadLettered.GetBody<Order>().Id);
        Assert.Empty(Book.Accepted);
        Assert.Empty(Harness.Deleted("orders"));
    }
}
