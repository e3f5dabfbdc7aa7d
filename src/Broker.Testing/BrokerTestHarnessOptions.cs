namespace Broker.Testing;

/// <summary>Settings of a <see cref="BrokerTestHarness"/>.</summary>
public sealed class BrokerTestHarnessOptions
{
    /// <summary>Where the harness clock starts. Default: 2000-01-01 00:00 UTC, as <c>FakeTimeProvider</c>'s default.</summary>
    public DateTimeOffset StartTime { get; set; } = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// How long, in real time, <see cref="BrokerTestHarness.WaitForIdleAsync(CancellationToken)"/> waits for work that can run without the
    /// clock before it throws a <see cref="TimeoutException"/> naming what is still busy. Default: 10 seconds; greater than zero.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The largest step <see cref="BrokerTestHarness.AdvanceAsync"/> moves the clock by before waiting for idle again, so
    /// that timers fire in order and what each one starts finishes before the next. Default: 1 second (SQS delays and
    /// visibility timeouts are whole seconds); greater than zero.
    /// </summary>
    public TimeSpan AdvanceStep { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The settings of the broker the harness builds when there is no host. Default: AWS's defaults.</summary>
    public BrokerOptions BrokerOptions { get; set; } = new();
}
