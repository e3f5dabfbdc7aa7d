namespace Broker.Benchmarks.Frameworks;

/// <summary>
/// Counts the messages a framework's handler has handled and completes a task when the expected number is reached. Each
/// framework's host gets its own instance as a DI singleton, injected into its handler.
/// </summary>
public sealed class PipelineCounter
{
    private int handled;
    private int expected;
    private TaskCompletionSource<int> done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts a new count and returns the task that completes when <paramref name="count"/> messages were handled.</summary>
    public Task<int> Expect(int count)
    {
        done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref handled, 0);
        Volatile.Write(ref expected, count);
        return done.Task;
    }

    /// <summary>Records one handled message.</summary>
    public void Handled()
    {
        if (Interlocked.Increment(ref handled) == Volatile.Read(ref expected))
        {
            done.TrySetResult(expected);
        }
    }
}
