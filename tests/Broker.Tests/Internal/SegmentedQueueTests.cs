using Broker.Internal;

namespace Broker.Tests.Internal;

public sealed class SegmentedQueueTests
{
    [Fact]
    public void Items_come_out_in_the_order_they_went_in_across_segments()
    {
        var queue = new SegmentedQueue<object>();
        var items = Enumerable.Range(0, (SegmentedQueue<object>.SegmentSize * 3) + 7).Select(i => (object)i).ToArray();
        foreach (var item in items)
        {
            queue.Enqueue(item);
        }

        foreach (var expected in items)
        {
            Assert.True(queue.TryPeek(out var peeked));
            Assert.Same(expected, peeked);
            Assert.True(queue.TryDequeue(out var actual));
            Assert.Same(expected, actual);
        }

        Assert.True(queue.IsEmpty);
        Assert.False(queue.TryDequeue(out _));
    }

    [Fact]
    public async Task Concurrent_producers_and_consumers_move_every_item_exactly_once()
    {
        const int Producers = 4;
        const int PerProducer = 50_000;
        var queue = new SegmentedQueue<object>();
        var seen = new int[Producers * PerProducer];
        var taken = 0;

        // Dedicated threads: spinning consumers must not occupy thread-pool threads other tests need.
        var producers = Enumerable.Range(0, Producers).Select(p => Dedicated(() =>
        {
            for (var i = 0; i < PerProducer; i++)
            {
                queue.Enqueue((p * PerProducer) + i);
            }
        }));
        var consumers = Enumerable.Range(0, 4).Select(_ => Dedicated(() =>
        {
            var spin = default(SpinWait);
            while (Volatile.Read(ref taken) < seen.Length)
            {
                if (queue.TryDequeue(out var item))
                {
                    Interlocked.Increment(ref seen[(int)item]);
                    Interlocked.Increment(ref taken);
                }
                else
                {
                    spin.SpinOnce();
                }
            }
        }));

        await Task.WhenAll(producers.Concat(consumers)).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.All(seen, count => Assert.Equal(1, count));
        Assert.True(queue.IsEmpty);
    }

    private static Task Dedicated(Action action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
