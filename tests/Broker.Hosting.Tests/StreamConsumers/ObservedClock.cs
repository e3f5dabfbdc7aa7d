using Microsoft.Extensions.Time.Testing;

namespace Broker.Hosting.Tests.StreamConsumers;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that knows which one-shot timers are waiting, by the due time they were created with,
/// so a test advances the clock only once the code under test waits on it: the stream processor's readers park on a 1 s
/// timer when caught up, a batching window and a retry delay each create a timer of their own length.
/// </summary>
public sealed class ObservedClock : TimeProvider
{
    private readonly FakeTimeProvider fake = new();
    private readonly Lock gate = new();
    private readonly List<Observed> pending = [];
    private readonly List<(TimeSpan Due, int Count, TaskCompletionSource Reached)> waiters = [];

    public override TimeZoneInfo LocalTimeZone => fake.LocalTimeZone;

    public override long TimestampFrequency => fake.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

    public override long GetTimestamp() => fake.GetTimestamp();

    public void Advance(TimeSpan delta) => fake.Advance(delta);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var observed = new Observed(this, dueTime, period);
        Track(observed, add: true);
        observed.Inner = fake.CreateTimer(
            s =>
            {
                observed.Fired();
                callback(s);
            },
            state,
            dueTime,
            period);
        return observed;
    }

    /// <summary>Completes when at least <paramref name="count"/> one-shot timers created with <paramref name="due"/> are waiting.</summary>
    public Task WhenWaitingAsync(TimeSpan due, int count = 1)
    {
        lock (gate)
        {
            if (Waiting(due) >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((due, count, reached));
            return reached.Task;
        }
    }

    /// <summary>How many one-shot timers created with <paramref name="due"/> are waiting now.</summary>
    public int Waiting(TimeSpan due)
    {
        lock (gate)
        {
            return pending.Count(p => p.Due == due);
        }
    }

    private void Track(Observed timer, bool add)
    {
        List<TaskCompletionSource> reached = [];
        lock (gate)
        {
            if (add)
            {
                pending.Add(timer);
            }
            else if (!pending.Remove(timer))
            {
                return;
            }

            foreach (var waiter in waiters.ToList())
            {
                if (pending.Count(p => p.Due == waiter.Due) >= waiter.Count)
                {
                    waiters.Remove(waiter);
                    reached.Add(waiter.Reached);
                }
            }
        }

        reached.ForEach(r => r.TrySetResult());
    }

    private sealed class Observed(ObservedClock clock, TimeSpan due, TimeSpan period) : ITimer
    {
        public TimeSpan Due { get; private set; } = due;

        public ITimer? Inner { get; set; }

        public void Fired()
        {
            if (period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero)
            {
                clock.Track(this, add: false);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            clock.Track(this, add: false);
            Due = dueTime;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                clock.Track(this, add: true);
            }

            return Inner!.Change(dueTime, period);
        }

        public void Dispose()
        {
            clock.Track(this, add: false);
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
