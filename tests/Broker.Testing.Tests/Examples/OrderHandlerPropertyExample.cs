using Broker.Hosting;
using Broker.Queues;
using FsCheck.Xunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Broker.Testing.Tests.Examples;

// A property-based test of the same OrderHandler (see OrderHandlerExampleTests.cs for the walk-through).
//
// Instead of one hand-picked order, FsCheck generates lists of amounts; each becomes an order with a unique id (a zero
// or negative amount is an order the handler rejects). For every list, a fresh host with the harness runs the real
// consumer; the test sends all orders, waits for idle, advances the clock past every retry, and checks what must hold
// whatever the input:
//   - every valid order is accepted exactly once, and deleted from the queue exactly once;
//   - every rejected order ends in the dead-letter queue, exactly once;
//   - the total of the accepted orders is the total of the valid amounts.
// When a list breaks a rule, FsCheck shrinks it to a smallest failing list and prints it with its replay seed.

/// <summary>A property of <see cref="OrderHandler"/>, driven through a hosted consumer on the harness clock.</summary>
public sealed class OrderHandlerPropertyExample
{
    [Property(MaxTest = 15)]
    public async Task Every_order_is_handled_exactly_once_and_the_totals_add_up(int[] amounts)
    {
        var orders = amounts.Select((amount, i) => new Order($"order-{i}", amount % 1000)).ToList();
        using var host = BuildHost();
        await host.StartAsync();
        try
        {
            var harness = host.Services.GetRequiredService<BrokerTestHarness>();
            var queue = host.Services.GetRequiredKeyedService<IQueue<Order>>("orders");
            foreach (var order in orders)
            {
                await queue.SendAsync(order);
            }

            await harness.WaitForIdleAsync();
            await harness.AdvanceAsync(TimeSpan.FromMinutes(2)); // past every retry of a rejected order

            var valid = orders.Where(o => o.Amount > 0).ToList();
            var accepted = host.Services.GetRequiredService<OrderBook>().Accepted;
            Assert.Equal(valid.Select(o => o.Id).Order(), accepted.Select(o => o.Id).Order());
            Assert.Equal(valid.Sum(o => o.Amount), accepted.Sum(o => o.Amount));
            Assert.Equal(valid.Select(o => o.Id).Order(), harness.Deleted("orders").Select(e => e.GetBody<Order>().Id).Order());
            Assert.Equal(
                orders.Where(o => o.Amount <= 0).Select(o => o.Id).Order(),
                harness.DeadLettered("orders").Select(e => e.GetBody<Order>().Id).Order());
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static IHost BuildHost()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<OrderBook>();
        builder.Services.AddBroker(broker => broker
            .AddQueue("orders-dlq")
            .AddQueue("orders", q => q with
            {
                VisibilityTimeout = TimeSpan.FromSeconds(30),
                RedrivePolicy = new RedrivePolicy("orders-dlq", MaxReceiveCount: 3),
            }));
        builder.Services.AddQueueConsumer<Order, OrderHandler>("orders");
        builder.Services.AddBrokerTestHarness();
        return builder.Build();
    }
}
