using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Broker.Queues.Internal;

namespace Broker.Internal;

/// <summary>
/// One broker's instruments, on a meter named <see cref="MeterName"/>; each mirrors a CloudWatch metric of SQS, SNS or
/// Kinesis (named in its description and in the README's Telemetry section). Queues, topics, subscriptions and streams
/// hold a reference and count where the operation happens.
/// <para>
/// Hot paths guard every measurement with <see cref="Instrument.Enabled"/>, so an instrument nobody listens to costs one
/// flag read; tags are <see cref="KeyValuePair{TKey, TValue}"/> structs passed by value (no array, no allocation). The
/// observable gauges are read at collection time from the broker's queue registry (a cold path).
/// </para>
/// </summary>
internal sealed class BrokerMetrics : IDisposable
{
    /// <summary>The meter's name, shared with Broker.Hosting's consumer instruments.</summary>
    public const string MeterName = "Broker";

    public const string QueueTag = "queue";
    public const string DeadLetterQueueTag = "dead_letter_queue";
    public const string TopicTag = "topic";
    public const string ProtocolTag = "protocol";
    public const string EndpointTag = "endpoint";
    public const string StreamTag = "stream";
    public const string ShardTag = "shard";

    /// <summary>Counted by <see cref="MessageQueue"/> for each message a send added (SQS: NumberOfMessagesSent).</summary>
    public readonly Counter<long> MessagesSent;

    /// <summary>Messages returned by receives (SQS: NumberOfMessagesReceived).</summary>
    public readonly Counter<long> MessagesReceived;

    /// <summary>Successful deletes (SQS: NumberOfMessagesDeleted).</summary>
    public readonly Counter<long> MessagesDeleted;

    /// <summary>Receives that returned no message (SQS: NumberOfEmptyReceives).</summary>
    public readonly Counter<long> EmptyReceives;

    /// <summary>Messages a redrive policy moved to a dead-letter queue.</summary>
    public readonly Counter<long> MessagesDeadLettered;

    /// <summary>Accepted publishes (SNS: NumberOfMessagesPublished).</summary>
    public readonly Counter<long> MessagesPublished;

    /// <summary>Deliveries that reached their queue or handler (SNS: NumberOfNotificationsDelivered).</summary>
    public readonly Counter<long> NotificationsDelivered;

    /// <summary>Messages a subscription's filter policy rejected (SNS: NumberOfNotificationsFilteredOut).</summary>
    public readonly Counter<long> NotificationsFilteredOut;

    /// <summary>Deliveries given up on after their retries (SNS: NumberOfNotificationsFailed).</summary>
    public readonly Counter<long> NotificationsFailed;

    /// <summary>Records stored by puts (Kinesis: IncomingRecords).</summary>
    public readonly Counter<long> IncomingRecords;

    /// <summary>Bytes of the records stored by puts (Kinesis: IncomingBytes).</summary>
    public readonly Counter<long> IncomingBytes;

    /// <summary>Per GetRecords call, how far behind the last record read was (Kinesis: GetRecords.IteratorAgeMilliseconds).</summary>
    public readonly Histogram<long> IteratorAge;

    private readonly Meter meter;
    private readonly bool ownsMeter;

    /// <summary>The broker's live queues; cleared on dispose so a meter that outlives the broker does not keep it alive.</summary>
    private volatile Func<IEnumerable<MessageQueue>>? liveQueues;

    /// <param name="factory">Creates the meter; <see langword="null"/> for a meter this object owns and disposes.</param>
    /// <param name="liveQueues">The broker's queues at the time of the call (a snapshot of its registry).</param>
    public BrokerMetrics(IMeterFactory? factory, Func<IEnumerable<MessageQueue>> liveQueues)
    {
        ownsMeter = factory is null;
        meter = factory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);
        this.liveQueues = liveQueues;

        MessagesSent = meter.CreateCounter<long>(
            "broker.queue.messages_sent", "{message}", "Messages added to the queue by a send or a topic delivery (SQS: NumberOfMessagesSent).");
        MessagesReceived = meter.CreateCounter<long>(
            "broker.queue.messages_received", "{message}", "Messages returned by receives (SQS: NumberOfMessagesReceived).");
        MessagesDeleted = meter.CreateCounter<long>(
            "broker.queue.messages_deleted", "{message}", "Successful deletes with a valid receipt handle, repeated deletes included (SQS: NumberOfMessagesDeleted).");
        EmptyReceives = meter.CreateCounter<long>(
            "broker.queue.empty_receives", "{receive}", "Receives that returned no message (SQS: NumberOfEmptyReceives).");
        MessagesDeadLettered = meter.CreateCounter<long>(
            "broker.queue.messages_dead_lettered", "{message}", "Messages the queue's redrive policy moved to its dead-letter queue.");
        MessagesPublished = meter.CreateCounter<long>(
            "broker.topic.messages_published", "{message}", "Accepted publishes (SNS: NumberOfMessagesPublished).");
        NotificationsDelivered = meter.CreateCounter<long>(
            "broker.subscription.notifications_delivered", "{notification}", "Deliveries that reached their queue or whose handler returned (SNS: NumberOfNotificationsDelivered).");
        NotificationsFilteredOut = meter.CreateCounter<long>(
            "broker.subscription.notifications_filtered_out", "{notification}", "Messages the subscription's filter policy rejected (SNS: NumberOfNotificationsFilteredOut).");
        NotificationsFailed = meter.CreateCounter<long>(
            "broker.subscription.notifications_failed", "{notification}", "Deliveries given up on once their retries were spent, dead-lettered or dropped (SNS: NumberOfNotificationsFailed).");
        IncomingRecords = meter.CreateCounter<long>(
            "broker.stream.incoming_records", "{record}", "Records stored by PutRecord and PutRecords (Kinesis: IncomingRecords).");
        IncomingBytes = meter.CreateCounter<long>(
            "broker.stream.incoming_bytes", "By", "Bytes of the records stored, data plus UTF-8 partition key (Kinesis: IncomingBytes).");
        IteratorAge = meter.CreateHistogram<long>(
            "broker.stream.iterator_age", "ms", "Per GetRecords call, the age of the last record returned; 0 when caught up (Kinesis: GetRecords.IteratorAgeMilliseconds).");

        meter.CreateObservableGauge(
            "broker.queue.messages_visible", () => ObserveQueues(static queue => queue.VisibleCount), "{message}", "Messages available for receive (SQS: ApproximateNumberOfMessagesVisible).");
        meter.CreateObservableGauge(
            "broker.queue.messages_not_visible", () => ObserveQueues(static queue => queue.InFlightCount), "{message}", "Messages in flight (SQS: ApproximateNumberOfMessagesNotVisible).");
        meter.CreateObservableGauge(
            "broker.queue.messages_delayed", () => ObserveQueues(static queue => queue.DelayedCount), "{message}", "Messages inside their delay (SQS: ApproximateNumberOfMessagesDelayed).");
        meter.CreateObservableGauge(
            "broker.queue.oldest_message_age", ObserveOldestMessageAge, "s", "Age of the oldest message not yet deleted (SQS: ApproximateAgeOfOldestMessage).");
    }

    /// <summary>The meter the instruments belong to.</summary>
    public Meter Meter => meter;

    /// <summary>Adds <paramref name="delta"/> under one tag, if anyone listens. Inlined into the hot paths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(Counter<long> counter, long delta, string tagName, string tagValue)
    {
        if (counter.Enabled)
        {
            counter.Add(delta, new KeyValuePair<string, object?>(tagName, tagValue));
        }
    }

    /// <summary>Disposes the meter if this object created it; the gauges stop reporting the broker's queues either way.</summary>
    public void Dispose()
    {
        liveQueues = null;
        if (ownsMeter)
        {
            meter.Dispose();
        }
    }

    private IEnumerable<Measurement<long>> ObserveQueues(Func<MessageQueue, long> read)
    {
        if (liveQueues?.Invoke() is not { } queues)
        {
            yield break;
        }

        foreach (var queue in queues)
        {
            if (!queue.IsDeleted)
            {
                yield return new Measurement<long>(read(queue), new KeyValuePair<string, object?>(QueueTag, queue.Name));
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveOldestMessageAge()
    {
        if (liveQueues?.Invoke() is not { } queues)
        {
            yield break;
        }

        foreach (var queue in queues)
        {
            if (!queue.IsDeleted)
            {
                yield return new Measurement<double>(queue.AgeOfOldestMessage().TotalSeconds, new KeyValuePair<string, object?>(QueueTag, queue.Name));
            }
        }
    }
}
