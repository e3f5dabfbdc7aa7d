using System.Globalization;
using System.Text;
using Broker.Hosting.Internal;
using Broker.Queues.Internal;
using Broker.Topics.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Testing.Internal;

/// <summary>
/// One look at everything that can run without the clock: hosted queue consumers, hosted stream consumers and the
/// engine's handler subscriptions. Lists what is busy, what only the clock can move, and the signals that fire at
/// the next change of any of it (taken before the look, so no change falls between the look and the wait).
/// </summary>
internal sealed class IdleProbe
{
    private readonly List<string> busy = [];
    private readonly List<string> waitingForClock = [];
    private readonly List<Task> signals = [];

    private IdleProbe()
    {
    }

    public IReadOnlyList<string> Busy => busy;

    public IReadOnlyList<string> WaitingForClock => waitingForClock;

    public IReadOnlyList<Task> Signals => signals;

    public static IdleProbe Look(MessageBroker broker, HarnessObserver observer, IServiceProvider? services, IReadOnlyList<IHostedStreamConsumer> streamConsumers)
    {
        var probe = new IdleProbe();
        probe.signals.Add(observer.NextChange());
        var consumers = services?.GetService<ConsumerRegistry>()?.Consumers ?? [];
        foreach (var consumer in consumers)
        {
            probe.signals.Add(consumer.NextChange());
        }

        foreach (var consumer in consumers)
        {
            probe.LookAtQueueConsumer(broker, observer, consumer);
        }

        foreach (var consumer in streamConsumers)
        {
            probe.LookAtStreamConsumer(consumer);
        }

        foreach (var queue in broker.LiveQueues)
        {
            // A run the clock requested may be served by another thread that held the run when the clock's call
            // returned: until it ends, messages due now may not be visible yet. Its end signals the observer.
            if (queue.TimerBusy)
            {
                probe.busy.Add($"queue '{queue.Name}': its timer is releasing messages that are due");
            }

            if (!consumers.Any(c => c.Kind == "queue" && c.Source == queue.Name))
            {
                probe.LookAtClock(queue, held: 0);
            }
        }

        foreach (var topic in broker.LiveTopics)
        {
            foreach (var subscription in topic.Subscriptions)
            {
                if (subscription is HandlerSubscription { IsBusy: true } handler)
                {
                    probe.busy.Add($"topic '{topic.Name}': the handler subscription {handler.Endpoint} is running or has deliveries waiting for it");
                }
            }
        }

        return probe;
    }

    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var line in busy)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  busy: {line}");
        }

        foreach (var line in waitingForClock)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  waiting for the clock: {line}");
        }

        return text.ToString();
    }

    private void LookAtQueueConsumer(MessageBroker broker, HarnessObserver observer, ConsumerState consumer)
    {
        if (consumer.Kind != "queue" || broker.FindQueue(consumer.Source) is not { } queue)
        {
            return;
        }

        // The order of the reads matters. Finished first: a message released (visible again) before it counts as finished
        // is then seen as visible. The take in progress before the count received: the engine reports the messages of a
        // take before its end, so a take that ended by the second read has its messages in the third.
        var handler = consumer.HandlerType.Name;
        var finished = consumer.MessagesFinished;
        var receivable = queue.HasReceivableMessages;
        var taking = observer.TakesInProgress(queue);
        var held = observer.ReceivedWith(consumer.ReceiveRequest) - finished;
        if (held > 0)
        {
            busy.Add($"queue '{queue.Name}': {held} message(s) received by the consumer {handler} and not yet handled");
        }

        if (receivable)
        {
            busy.Add($"queue '{queue.Name}': {queue.VisibleCount} visible message(s) the consumer {handler} has not received yet");
        }

        if (taking > 0)
        {
            busy.Add($"queue '{queue.Name}': a receive is taking messages");
        }

        LookAtClock(queue, held);
    }

    private void LookAtClock(MessageQueue queue, long held)
    {
        var parked = queue.InFlightCount - Math.Max(0, held);
        if (parked > 0)
        {
            waitingForClock.Add($"queue '{queue.Name}': {parked} message(s) in flight, the first visible again at {At(queue.EarliestDeadline(MessageStatus.InFlight))}; advance the clock");
        }

        if (queue.DelayedCount > 0)
        {
            waitingForClock.Add($"queue '{queue.Name}': {queue.DelayedCount} delayed message(s), the first visible at {At(queue.EarliestDeadline(MessageStatus.Delayed))}; advance the clock");
        }
    }

    private static string At(long? ticks) =>
        ticks is { } deadline ? new DateTimeOffset(deadline, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture) : "(unknown)";

    private void LookAtStreamConsumer(IHostedStreamConsumer consumer)
    {
        if (consumer.Processor is not { } processor)
        {
            return;
        }

        var idle = processor.WhenIdleAsync();
        if (!idle.IsCompleted)
        {
            signals.Add(idle);
            busy.Add($"stream '{consumer.StreamName}': the consumer {consumer.HandlerType.Name} (group '{consumer.ConsumerGroup}') is reading or handling records");
            return;
        }

        waitingForClock.Add($"stream '{consumer.StreamName}': the consumer {consumer.HandlerType.Name} (group '{consumer.ConsumerGroup}') reads again every {processor.Options.IdleTimeBetweenReads}; advance the clock");
    }
}
