using Broker.Hosting.Internal;
using Broker.Hosting.Serialization;
using Broker.Testing.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Testing;

/// <summary>
/// A broker on a fake clock for tests, that records what flows through it and waits until it has settled: the
/// counterpart of MassTransit's <c>ITestHarness</c>. Build one with <c>new BrokerTestHarness()</c> (it owns a new
/// <see cref="MessageBroker"/>), or register one in a host with <c>services.AddBrokerTestHarness()</c> next to
/// <c>AddBroker</c> and resolve it (it records the broker <c>AddBroker</c> builds, and drives the host's consumers).
/// </summary>
/// <remarks>
/// <para>
/// <b>Idle</b> means that nothing can happen any more until the clock moves: no hosted queue consumer holds a message
/// it received (its handler runs, or it is deleting or releasing it), no queue read by a hosted consumer has a message a
/// receive could take now, no engine handler subscription (<c>ITopic.Subscribe(handler)</c>, <c>AddTopicSubscriber</c>)
/// runs a handler or has a delivery waiting for one, no queue's timer is releasing messages that came due, and every
/// loop of every hosted stream consumer has parked on the clock. What waits for the clock is not busy: delayed messages, messages in flight until their visibility timeout ends
/// (a failed handler's retry backoff), subscription retries, a stream consumer's next read (it polls every
/// <c>IdleTimeBetweenReads</c>). Only advancing <see cref="Time"/> moves those; <see cref="AdvanceAsync"/> does it in steps.
/// </para>
/// <para>
/// Consumers the harness does not know of (a test's own receive loop) are not waited for. Events are recorded on the
/// broker's threads; <see cref="Events"/> and the filters return snapshots.
/// </para>
/// </remarks>
public sealed class BrokerTestHarness : IAsyncDisposable
{
    private readonly BrokerTestHarnessOptions options;
    private readonly IServiceProvider? services;
    private readonly HarnessObserver observer;
    private MessageBroker? broker;
    private IMessageSerializer? serializer;
    private List<IHostedStreamConsumer>? streamConsumers;

    /// <summary>A harness that owns a new broker with AWS's defaults on a new fake clock.</summary>
    public BrokerTestHarness()
        : this(new BrokerTestHarnessOptions())
    {
    }

    /// <summary>A harness that owns a new broker on a new fake clock.</summary>
    /// <param name="options">The clock's start, the idle timeout, the advance step and the broker's settings.</param>
    public BrokerTestHarness(BrokerTestHarnessOptions options)
        : this(options, services: null)
    {
        broker = new MessageBroker(options.BrokerOptions, Time, observer);
    }

    /// <summary>The harness of a host: its broker is the one <c>AddBroker</c> builds through <see cref="CreateBroker"/>.</summary>
    internal BrokerTestHarness(BrokerTestHarnessOptions options, IServiceProvider? services)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        this.options = options;
        this.services = services;
        Time = new FakeTimeProvider(options.StartTime);
        observer = new HarnessObserver(Time, () => Serializer);
    }

    /// <summary>The fake clock the broker and every hosted consumer run on. Move it with <see cref="AdvanceAsync"/>.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>
    /// The broker: the harness's own, or in a host the one <c>AddBroker</c> built (with every declared resource created).
    /// </summary>
    /// <exception cref="InvalidOperationException">In a host whose broker the harness did not build (given to <c>UseBroker</c>).</exception>
    public MessageBroker Broker => broker ??= HostBroker();

    /// <summary>Every event recorded so far, in order.</summary>
    public IReadOnlyList<BrokerEvent> Events => observer.Events;

    /// <summary>The host's stream consumers (singletons, so found once), or none without a host.</summary>
    private IReadOnlyList<IHostedStreamConsumer> StreamConsumers =>
        streamConsumers ??= services?.GetServices<IHostedService>().OfType<IHostedStreamConsumer>().ToList() ?? [];

    private IMessageSerializer Serializer =>
        serializer ??= services?.GetService<IMessageSerializer>() ?? new SystemTextJsonMessageSerializer();

    /// <summary>Messages that entered the queue by a send or a topic delivery.</summary>
    /// <param name="queueName">The queue.</param>
    /// <returns>The events, in order.</returns>
    public IReadOnlyList<BrokerEvent> Sent(string queueName) => Of(BrokerEventKind.Sent, queueName);

    /// <summary>Messages returned by receives from the queue (one event per message and receive).</summary>
    /// <param name="queueName">The queue.</param>
    /// <returns>The events, in order.</returns>
    public IReadOnlyList<BrokerEvent> Received(string queueName) => Of(BrokerEventKind.Received, queueName);

    /// <summary>Messages deleted from the queue (by a hosted consumer once its handler succeeded, or by a test).</summary>
    /// <param name="queueName">The queue.</param>
    /// <returns>The events, in order.</returns>
    public IReadOnlyList<BrokerEvent> Deleted(string queueName) => Of(BrokerEventKind.Deleted, queueName);

    /// <summary>Messages the queue's redrive policy moved to its dead-letter queue (<see cref="BrokerEvent.Endpoint"/>).</summary>
    /// <param name="queueName">The source queue.</param>
    /// <returns>The events, in order.</returns>
    public IReadOnlyList<BrokerEvent> DeadLettered(string queueName) => Of(BrokerEventKind.DeadLettered, queueName);

    /// <summary>Messages the topic accepted.</summary>
    /// <param name="topicName">The topic.</param>
    /// <returns>The events, in order.</returns>
    public IReadOnlyList<BrokerEvent> Published(string topicName) => Of(BrokerEventKind.Published, topicName);

    /// <summary>The topic's deliveries that reached their queue or whose handler returned, one per subscription.</summary>
    /// <param name="topicName">The topic.</param>
    /// <returns>The events, in order; <see cref="BrokerEvent.Endpoint"/> names the subscription's endpoint.</returns>
    public IReadOnlyList<BrokerEvent> Delivered(string topicName) => Of(BrokerEventKind.Delivered, topicName);

    /// <summary>Messages of the topic a subscription's filter policy rejected, one per subscription.</summary>
    /// <param name="topicName">The topic.</param>
    /// <returns>The events, in order; <see cref="BrokerEvent.Endpoint"/> names the subscription's endpoint.</returns>
    public IReadOnlyList<BrokerEvent> FilteredOut(string topicName) => Of(BrokerEventKind.FilteredOut, topicName);

    /// <summary>Deliveries of the topic a subscription gave up on after its retries.</summary>
    /// <param name="topicName">The topic.</param>
    /// <returns>The events, in order; <see cref="BrokerEvent.Endpoint"/> names the subscription's endpoint.</returns>
    public IReadOnlyList<BrokerEvent> Failed(string topicName) => Of(BrokerEventKind.Failed, topicName);

    /// <summary>Records stored in the stream.</summary>
    /// <param name="streamName">The stream.</param>
    /// <returns>The events, in order; <see cref="BrokerEvent.MessageId"/> is the sequence number, <see cref="BrokerEvent.Endpoint"/> the shard.</returns>
    public IReadOnlyList<BrokerEvent> Put(string streamName) => Of(BrokerEventKind.Put, streamName);

    /// <summary>
    /// Waits until the broker is idle (see the remarks of <see cref="BrokerTestHarness"/>): returns at once when it is,
    /// otherwise at each change of what is busy looks again, without polling.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>A task that completes when nothing can happen until the clock moves.</returns>
    /// <exception cref="TimeoutException">Still busy after <see cref="BrokerTestHarnessOptions.IdleTimeout"/> of real time;
    /// the message names what is busy and what waits for the clock.</exception>
    public ValueTask WaitForIdleAsync(CancellationToken cancellationToken = default) =>
        WaitForIdleAsync(options.IdleTimeout, cancellationToken);

    /// <summary>
    /// Waits until the broker is idle, as <see cref="WaitForIdleAsync(CancellationToken)"/>, with its own real-time bound
    /// instead of <see cref="BrokerTestHarnessOptions.IdleTimeout"/> (a short one for a test that expects the broker to stay busy).
    /// </summary>
    /// <param name="timeout">How long to wait, in real time; more than zero.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>A task that completes when nothing can happen until the clock moves.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not positive.</exception>
    /// <exception cref="TimeoutException">Still busy after <paramref name="timeout"/>; the message names what is busy and
    /// what waits for the clock.</exception>
    public async ValueTask WaitForIdleAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var real = TimeProvider.System;
        var started = real.GetTimestamp();
        var target = Broker;
        while (true)
        {
            var probe = IdleProbe.Look(target, observer, services, StreamConsumers);
            if (probe.Busy.Count == 0)
            {
                return;
            }

            var remaining = timeout - real.GetElapsedTime(started);
            try
            {
                if (remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException();
                }

                await Task.WhenAny(probe.Signals).WaitAsync(remaining, real, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                var last = IdleProbe.Look(target, observer, services, StreamConsumers);
                if (last.Busy.Count == 0)
                {
                    return;
                }

                throw new TimeoutException(
                    $"The broker was not idle after {timeout} (real time) at {Time.GetUtcNow():O} on the harness clock.{last.Describe()}"
                    + $"{Environment.NewLine}A handler that waits on the harness clock needs AdvanceAsync; one that waits on anything else never lets the broker become idle.");
            }
        }
    }

    /// <summary>
    /// Waits for idle, then moves <see cref="Time"/> forward by <paramref name="delta"/> in steps of at most
    /// <see cref="BrokerTestHarnessOptions.AdvanceStep"/>, waiting for idle after each step: timers fire in order, and
    /// what one starts (a message that reappears, a retry, a stream read) has run before the next step.
    /// </summary>
    /// <param name="delta">How far to move the clock; not negative.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>A task that completes when the clock has moved and the broker is idle.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative.</exception>
    /// <exception cref="TimeoutException">As <see cref="WaitForIdleAsync(CancellationToken)"/>.</exception>
    public async ValueTask AdvanceAsync(TimeSpan delta, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        await WaitForIdleAsync(cancellationToken).ConfigureAwait(false);
        var remaining = delta;
        while (remaining > TimeSpan.Zero)
        {
            var step = remaining < options.AdvanceStep ? remaining : options.AdvanceStep;
            Time.Advance(step);
            remaining -= step;
            await WaitForIdleAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Disposes the broker when the harness owns it (no host); a host disposes its own.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        if (services is null)
        {
            broker?.Dispose();
        }

        return default;
    }

    /// <summary>Builds the host's broker on the harness clock with the harness observer (through the hosting seam).</summary>
    internal MessageBroker CreateBroker(BrokerOptions brokerOptions) => new(brokerOptions, Time, observer);

    private static void Validate(BrokerTestHarnessOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.IdleTimeout, TimeSpan.Zero, nameof(options.IdleTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.AdvanceStep, TimeSpan.Zero, nameof(options.AdvanceStep));
        ArgumentNullException.ThrowIfNull(options.BrokerOptions, nameof(options.BrokerOptions));
    }

    private MessageBroker HostBroker()
    {
        var built = services!.GetRequiredService<BrokerRuntime>().Broker;
        if (built.Observer is null)
        {
            throw new InvalidOperationException(
                "The host's broker was not built by AddBroker (it was given to UseBroker), so the harness cannot record it. "
                + "Let AddBroker build the broker when testing with AddBrokerTestHarness.");
        }

        return built;
    }

    private List<BrokerEvent> Of(BrokerEventKind kind, string resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return [.. observer.Events.Where(e => e.Kind == kind && e.Resource == resource)];
    }
}
