using System.Collections.Concurrent;

namespace Broker.Hosting.Tests.Subscribers;

/// <summary>A thread-safe list a test can wait on until it holds a number of items (a signal, bounded by the caller).</summary>
public sealed class Recorder<T>
{
    private readonly Lock gate = new();
    private readonly List<T> items = [];
    private readonly List<(int Count, TaskCompletionSource Reached)> waiters = [];

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (gate)
            {
                return [.. items];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return items.Count;
            }
        }
    }

    public void Add(T item)
    {
        List<TaskCompletionSource> reached = [];
        lock (gate)
        {
            items.Add(item);
            foreach (var waiter in waiters.Where(w => items.Count >= w.Count).ToList())
            {
                waiters.Remove(waiter);
                reached.Add(waiter.Reached);
            }
        }

        reached.ForEach(r => r.TrySetResult());
    }

    /// <summary>Completes when at least <paramref name="count"/> items were added, or throws after the bound.</summary>
    public Task WaitForAsync(int count)
    {
        lock (gate)
        {
            if (items.Count >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((count, reached));
            return reached.Task.WaitAsync(TestHost.Bound);
        }
    }
}
