namespace Broker.Streams.Processing.Internal;

/// <summary>
/// Counts a <see cref="StreamProcessor"/>'s loops that are doing work rather than waiting on the clock, so a test on a
/// <c>FakeTimeProvider</c> can wait until every loop has parked before it advances time again (no sleeps, no polling).
/// </summary>
/// <remarks>
/// Invariant: <see cref="active"/> is the number of loops that are running or have been woken and not yet parked. A loop
/// parks only through <see cref="DelayAsync"/>, which leaves the count once its timer is set (before waiting) and
/// re-enters it synchronously inside the timer callback, so when <c>FakeTimeProvider.Advance</c> returns, every loop it
/// woke is counted again.
/// </remarks>
internal sealed class ActivityTracker
{
    // A lock is fine here: loops take it when they park and wake (a few times per poll interval), never per record put or read.
    private readonly Lock gate = new();

    /// <summary>Loops running; guarded by <see cref="gate"/>.</summary>
    private int active;

    /// <summary>Completed (outside the lock) when <see cref="active"/> drops to zero; guarded by <see cref="gate"/>.</summary>
    private TaskCompletionSource? idle;

    /// <summary>A loop starts running (call before starting its task).</summary>
    public void Enter()
    {
        lock (gate)
        {
            active++;
        }
    }

    /// <summary>A loop stops running (parks or ends).</summary>
    public void Exit()
    {
        TaskCompletionSource? becameIdle = null;
        lock (gate)
        {
            if (--active == 0)
            {
                becameIdle = idle;
                idle = null;
            }
        }

        becameIdle?.TrySetResult();
    }

    /// <summary>A task that completes when no loop is running.</summary>
    /// <returns>The task.</returns>
    public Task WhenIdleAsync()
    {
        lock (gate)
        {
            return active == 0
                ? Task.CompletedTask
                : (idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Parks the calling loop for <paramref name="delay"/> on <paramref name="timeProvider"/>.</summary>
    /// <param name="delay">How long to wait; greater than zero.</param>
    /// <param name="timeProvider">The broker's clock.</param>
    /// <param name="cancellationToken">Wakes the loop early with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task that completes when the delay has passed.</returns>
    public async Task DelayAsync(TimeSpan delay, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var wake = new Wake(this, cancellationToken);
        using var timer = timeProvider.CreateTimer(static state => ((Wake)state!).Fire(cancelled: false), wake, delay, Timeout.InfiniteTimeSpan);
        using var registration = cancellationToken.UnsafeRegister(static state => ((Wake)state!).Fire(cancelled: true), wake);

        // Only now, with the timer set: a test that sees every loop parked and advances the clock must find this loop's
        // timer there, due `delay` after the time the loop parked at. Leaving before the timer was made let an advance
        // slip in between, and the loop then slept `delay` from the advanced time instead.
        Exit();
        await wake.Task.ConfigureAwait(false);
    }

    /// <summary>Re-enters the tracker exactly once, from whichever of the timer and the cancellation comes first.</summary>
    private sealed class Wake(ActivityTracker tracker, CancellationToken cancellationToken)
    {
        private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int fired;

        public Task Task => completion.Task;

        public void Fire(bool cancelled)
        {
            if (Interlocked.Exchange(ref fired, 1) != 0)
            {
                return;
            }

            tracker.Enter();
            if (cancelled)
            {
                completion.TrySetCanceled(cancellationToken);
            }
            else
            {
                completion.TrySetResult();
            }
        }
    }
}
