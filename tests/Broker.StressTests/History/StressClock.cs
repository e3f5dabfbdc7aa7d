using Microsoft.Extensions.Time.Testing;

namespace Broker.StressTests.History;

/// <summary>
/// The run's fake clock and the task that advances it. Workers call <see cref="Tick"/> after each operation; every
/// <c>operationsPerStep</c> operations the clock task advances the clock by a random step. Pacing the clock by work,
/// not by real time, keeps the amount of fake time per operation the same on a fast or a busy machine, so that
/// visibility expiries, delays and retention happen at the same rate relative to the work in every run.
/// </summary>
public sealed class StressClock : IDisposable
{
    private readonly SemaphoreSlim due = new(0);
    private readonly int operationsPerStep;
    private readonly TimeSpan minStep;
    private readonly TimeSpan maxStep;
    private readonly DateTimeOffset start;
    private long operations;
    private long steps;

    public StressClock(int operationsPerStep, TimeSpan minStep, TimeSpan maxStep)
    {
        this.operationsPerStep = operationsPerStep;
        this.minStep = minStep;
        this.maxStep = maxStep;
        start = Time.GetUtcNow();
    }

    /// <summary>The provider the broker under test uses. Thread-safe: Advance fires due timers on the advancing thread.</summary>
    public FakeTimeProvider Time { get; } = new();

    /// <summary>The time since the start of the run.</summary>
    public TimeSpan Now => Time.GetUtcNow() - start;

    /// <summary>How many operations the workers reported.</summary>
    public long Operations => Interlocked.Read(ref operations);

    /// <summary>How many times the clock task advanced the clock.</summary>
    public long Steps => Interlocked.Read(ref steps);

    /// <summary>Counts one operation; every so often lets the clock task take a step.</summary>
    public void Tick()
    {
        if (Interlocked.Increment(ref operations) % operationsPerStep == 0)
        {
            due.Release();
        }
    }

    /// <summary>Runs <paramref name="call"/>, stamping it with the clock before and after.</summary>
    public async ValueTask<(T Result, Stamp At)> Measure<T>(Func<ValueTask<T>> call)
    {
        var before = Now;
        var result = await call();
        return (result, new Stamp(before, Now));
    }

    /// <summary>The clock task: advances the clock whenever enough work was done, until cancelled.</summary>
    public async Task RunAsync(int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        try
        {
            while (true)
            {
                await due.WaitAsync(cancellationToken);
                var step = minStep + TimeSpan.FromTicks((long)(random.NextDouble() * (maxStep - minStep).Ticks));
                Time.Advance(step);
                Interlocked.Increment(ref steps);
            }
        }
        catch (OperationCanceledException)
        {
            // the run is over
        }
    }

    public void Dispose() => due.Dispose();

    /// <summary>After the workers stopped: moves time on by <paramref name="step"/> (for the final drain).</summary>
    public void Advance(TimeSpan step) => Time.Advance(step);
}
