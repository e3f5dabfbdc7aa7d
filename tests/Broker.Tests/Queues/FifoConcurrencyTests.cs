using System.Collections.Concurrent;
using Broker.Queues;

namespace Broker.Tests.Queues;

/// <summary>
/// Producers and consumers on real threads against one FIFO queue; the history is checked afterwards: nothing lost,
/// nothing delivered twice, and within each group every producer's messages delivered in the order it sent them.
/// </summary>
public sealed class FifoConcurrencyTests : QueueFixture
{
    [Theory]
    [InlineData(8)]
    [InlineData(3_000)] // groups empty and retire all the time, and come back as new groups
    public async Task Concurrent_producers_and_consumers_keep_order_within_groups_and_lose_nothing(int groupCount)
    {
        const int Producers = 2;
        const int Consumers = 3;
        const int PerProducer = 4_000;
        var queue = Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true, VisibilityTimeout = TimeSpan.FromHours(1) });
        var deliveries = new ConcurrentQueue<(long Order, string Group, int Producer, int Number)>();
        long order = 0;
        var consumed = 0;
        using var done = new CancellationTokenSource();

        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
        {
            for (var n = 0; n < PerProducer; n++)
            {
                await queue.SendAsync(new SendMessageRequest($"{p}:{n}") { MessageGroupId = $"g{n % groupCount}", MessageDeduplicationId = $"{p}-{n}" });
            }
        }));

        var consumers = Enumerable.Range(0, Consumers).Select(_ => Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var got = await queue.ReceiveAsync(new ReceiveRequest
                    {
                        MaxNumberOfMessages = 10,
                        WaitTime = TimeSpan.FromSeconds(20),
                        MessageSystemAttributeNames = [MessageSystemAttributeNames.MessageGroupId],
                    }, done.Token);
                    foreach (var message in got)
                    {
                        var parts = message.GetBodyAsString().Split(':');
                        deliveries.Enqueue((Interlocked.Increment(ref order), message.Attributes[MessageSystemAttributeNames.MessageGroupId], int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)));
                    }

                    // Deleting unlocks the group: only then may another consumer take its next messages.
                    if (got.Count > 0)
                    {
                        await queue.DeleteBatchAsync(got.Select((m, i) => new DeleteMessageBatchEntry($"e{i}", m)).ToList());
                    }

                    if (Interlocked.Add(ref consumed, got.Count) >= Producers * PerProducer)
                    {
                        await done.CancelAsync();
                    }
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
            }
        }));

        await Task.WhenAll(producers).WaitAsync(TimeSpan.FromMinutes(2));
        await Task.WhenAll(consumers).WaitAsync(TimeSpan.FromMinutes(2));

        var all = deliveries.ToList();
        Assert.Equal(Producers * PerProducer, all.Count);
        Assert.Equal(all.Count, all.Select(d => (d.Producer, d.Number)).Distinct().Count());
        foreach (var stream in all.GroupBy(d => (d.Group, d.Producer)))
        {
            var numbers = stream.OrderBy(d => d.Order).Select(d => d.Number).ToList();
            Assert.Equal(numbers.Order(), numbers);
        }

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Purges_racing_first_receives_leave_every_slot_given_back_once()
    {
        // A first receive keeps the slot its send gave the message and vacates it while it writes the receipt; a purge
        // that removes the message meanwhile leaves the slot to the receive. Lost slots would make the table grow,
        // and a slot given back twice would be handed to two messages (one of them then lost).
        var queue = (Broker.Queues.Internal.MessageQueue)Broker.CreateQueue("orders.fifo", new QueueOptions { FifoQueue = true });
        for (var round = 0; round < 200; round++)
        {
            for (var i = 0; i < 50; i++)
            {
                await queue.SendAsync(new SendMessageRequest("m") { MessageGroupId = $"g{i}", MessageDeduplicationId = $"{round}-{i}" });
            }

            using var start = new Barrier(3);
            var receivers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                while ((await queue.ReceiveAsync(Take(10))).Count > 0)
                {
                }
            }));
            var purger = Task.Run(async () =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                await queue.PurgeAsync();
            });
            await Task.WhenAll([.. receivers, purger]).WaitAsync(TimeSpan.FromMinutes(1));
            await queue.PurgeAsync(); // what was received before the purge is in flight: remove it too
            Assert.Equal((0, 0, 0), Counts(queue));
        }

        var tracked = queue.SlotHighWater;
        for (var i = 0; i < tracked; i++)
        {
            await queue.SendAsync(new SendMessageRequest($"{i}") { MessageGroupId = $"g{i}", MessageDeduplicationId = $"last-{i}" });
        }

        Assert.Equal(tracked, queue.SlotHighWater); // every slot was on the free list, once
        var received = await ReceiveAll(queue);
        Assert.Equal(Enumerable.Range(0, tracked).Select(i => $"{i}").Order(), received.Select(m => m.GetBodyAsString()).Order());
        foreach (var message in received)
        {
            await queue.DeleteAsync(message);
        }

        Assert.Equal((0, 0, 0), Counts(queue));
    }
}
