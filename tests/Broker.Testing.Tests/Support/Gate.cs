namespace Broker.Testing.Tests.Support;

/// <summary>
/// Holds a handler until the test opens it, and tells the test when the handler got there: the way these tests prove
/// that a wait waited (the wait cannot finish while a handler is held), with no sleeps.
/// </summary>
public sealed class Gate
{
    /// <summary>The bound of every wait on a signal (real time, generous: suites share 2 cores).</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a handler first reaches <see cref="PassAsync"/>.</summary>
    public Task Entered => entered.Task;

    /// <summary>Called by a handler: signals that it is here and waits until the gate opens.</summary>
    public async Task PassAsync()
    {
        entered.TrySetResult();
        await opened.Task.WaitAsync(Bound);
    }

    /// <summary>Lets every held and later handler through.</summary>
    public void Open() => opened.TrySetResult();
}
