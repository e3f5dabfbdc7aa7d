using Broker.Internal;

namespace Broker.Tests.Internal;

public sealed class StripedCounterTests
{
    [Fact]
    public void Threads_that_count_one_after_another_get_cells_of_their_own_even_when_the_runtime_reuses_their_ids()
    {
        var cells = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            var thread = new Thread(() =>
            {
                cells.Add(ThreadCell.Index);
            });
            thread.Start();
            Assert.True(thread.Join(TimeSpan.FromSeconds(10)));

            // A dead thread's id goes back to the runtime once its Thread object is collected, and the next thread may
            // get it: a cell chosen by id would then be shared by threads that run side by side later.
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.Equal(cells.Count, cells.Distinct().Count());
        Assert.All(cells, cell => Assert.True(cell >= 0));
    }

    [Fact]
    public void A_thread_keeps_its_cell()
    {
        var first = ThreadCell.Index;

        Assert.Equal(first, ThreadCell.Index);
    }

    [Fact]
    public void Adds_from_many_threads_sum_exactly()
    {
        var counter = new StripedCounter();
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counter.Increment();
            }

            counter.Add(-5_000);
        })).ToList();
        threads.ForEach(t => t.Start());
        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromSeconds(30))));

        Assert.Equal(8 * 5_000, counter.Read());
    }
}
