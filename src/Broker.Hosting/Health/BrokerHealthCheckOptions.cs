namespace Broker.Hosting;

/// <summary>
/// The thresholds of <see cref="BrokerHealthCheck"/>. Set them with
/// <c>services.Configure&lt;BrokerHealthCheckOptions&gt;(o =&gt; o.ConsecutiveFailureThreshold = 10)</c>; they are
/// checked when the health check is created, and a value out of range fails with an
/// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> that names it.
/// </summary>
public sealed class BrokerHealthCheckOptions
{
    /// <summary>
    /// Failed deliveries in a row (handler exceptions, handler timeouts, bodies that did not deserialize) that make a
    /// hosted consumer unhealthy, at least 1. Default 5. One successful delivery resets the count.
    /// </summary>
    public int ConsecutiveFailureThreshold { get; set; } = 5;

    /// <summary>
    /// The most messages a dead-letter queue may hold (visible, in flight and delayed) before the check reports
    /// <c>Degraded</c>, 0 or more. Default 0: any dead-lettered message degrades the health. A dead-letter queue is any
    /// queue that some queue's redrive policy names.
    /// </summary>
    public long DeadLetterThreshold { get; set; }
}
