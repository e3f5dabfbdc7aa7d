using System.Globalization;
using Broker.Filtering;
using Broker.Filtering.Internal;
using Broker.Internal;
using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Topics.Internal;

/// <summary>
/// A topic. Subscribing, changing and deleting subscriptions take <see cref="subscriptionsLock"/> (cold paths); publishing
/// reads the filter index's snapshot and takes no lock.
/// </summary>
internal sealed partial class Topic : ITopic
{
    private static readonly SubscriptionOptions DefaultOptions = new();

    private readonly Lock subscriptionsLock = new();

    /// <summary>Every live subscription with its filter; the publish path's only view of them.</summary>
    private readonly FilterPolicyIndex<Subscription> index = new();

    /// <summary>Live subscriptions in subscription order; replaced (never mutated) under the lock.</summary>
    private Subscription[] subscriptions = [];

    /// <summary>
    /// Whether a queue subscription delivers raw, so that a publish may not need its message made (see
    /// <see cref="Publication"/>). Written under <see cref="subscriptionsLock"/>; a publish that reads it stale only makes
    /// its message sooner or later than it needed to.
    /// </summary>
    private bool deliversRaw;

    private readonly BrokerMetrics metrics;

    /// <summary>The broker's observer, read once; null unless Broker.Testing's harness built the broker.</summary>
    private readonly BrokerObserverGuard? observer;
    private readonly StripedCounter deadLettered = new();
    private readonly StripedCounter dropped = new();
    private int subscriptionsDeleted;
    private int handlerCount;
    private volatile bool deleted;

    public Topic(MessageBroker broker, string name, TopicOptions options)
    {
        Broker = broker;
        metrics = broker.Metrics;
        observer = broker.Observer;
        Name = name;
        Options = options;
        IsFifo = options.FifoTopic;
        Arn = $"arn:aws:sns:{broker.Options.Region}:{broker.Options.AccountId}:{name}";
        if (IsFifo)
        {
            deduplication = new(TopicDefaults.DeduplicationInterval);
        }
    }

    public string Name { get; }

    public string Arn { get; }

    public TopicOptions Options { get; }

    internal MessageBroker Broker { get; }

    internal bool IsFifo { get; }

    internal bool IsDeleted => deleted;

    /// <summary>Messages moved to a subscription's dead-letter queue.</summary>
    internal long DeadLetteredCount => deadLettered.Read();

    /// <summary>Messages given up on with no dead-letter queue to take them.</summary>
    internal long DroppedCount => dropped.Read();

    /// <summary>A delivery reached its queue or its handler returned.</summary>
    internal void CountDelivered(Subscription subscription, PublishedMessage message)
    {
        // No count of its own: every delivery would pay an interlocked increment for a number only tests read. They read
        // the NotificationsDelivered instrument instead.
        CountFor(metrics.NotificationsDelivered, subscription);
        observer?.NotificationDelivered(this, subscription, message);
    }

    /// <summary>
    /// <see cref="CountDelivered(Subscription, PublishedMessage)"/> for a delivery that made no message: there is no
    /// observer then (with one, a publish makes its message before any delivery).
    /// </summary>
    internal void CountDelivered(Subscription subscription)
    {
        System.Diagnostics.Debug.Assert(observer is null, "A publish with an observer makes its message first.");
        CountFor(metrics.NotificationsDelivered, subscription);
    }

    /// <summary>A delivery was given up on (its retries spent, or an error no retry fixes); it is dead-lettered or dropped next.</summary>
    internal void CountFailed(Subscription subscription, PublishedMessage message)
    {
        CountFor(metrics.NotificationsFailed, subscription);
        observer?.NotificationFailed(this, subscription, message);
    }

    /// <summary>Live subscriptions in subscription order (a snapshot), for the harness's idle check.</summary>
    internal IReadOnlyList<Subscription> Subscriptions => Volatile.Read(ref subscriptions);

    /// <summary>Adds one under the subscription's tags (topic, protocol, endpoint), if anyone listens.</summary>
    private void CountFor(System.Diagnostics.Metrics.Counter<long> counter, Subscription subscription)
    {
        if (counter.Enabled)
        {
            counter.Add(
                1,
                new KeyValuePair<string, object?>(BrokerMetrics.TopicTag, Name),
                new KeyValuePair<string, object?>(BrokerMetrics.ProtocolTag, subscription.Protocol),
                new KeyValuePair<string, object?>(BrokerMetrics.EndpointTag, subscription.Endpoint));
        }
    }

    internal void CountDeadLettered() => deadLettered.Increment();

    internal void CountDropped() => dropped.Increment();

    public ISubscription Subscribe(IMessageQueue queue, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        options ??= DefaultOptions;
        if (queue is not MessageQueue messageQueue || messageQueue.Broker != Broker)
        {
            throw PublishValidation.Invalid("Endpoint Reason: the queue belongs to another broker; subscribe a queue of the topic's own broker.");
        }

        if (messageQueue.IsDeleted)
        {
            throw PublishValidation.Invalid($"Endpoint Reason: the queue '{messageQueue.Name}' was deleted.");
        }

        if (messageQueue.IsFifo && !IsFifo)
        {
            throw PublishValidation.Invalid("Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics");
        }

        var settings = Compile(options, "Attributes Reason: ", fifoSubscription: messageQueue.IsFifo, handler: false);
        lock (subscriptionsLock)
        {
            ThrowIfDeleted();
            foreach (var existing in subscriptions)
            {
                if (existing is QueueSubscription same && same.Queue.Arn == messageQueue.Arn)
                {
                    return SameOrThrow(same, options);
                }
            }

            var added = Add(new QueueSubscription(this, messageQueue, settings));

            // Durable: waits for the record under the subscriptions lock, which subscribing and unsubscribing take (a cold
            // path); publishing reads the subscription array without it. A subscription to a scratch queue is not kept.
            messageQueue.Store?.SubscriptionSaved(Name, added.Arn, messageQueue.Name, added.SettableAttributes());
            return added;
        }
    }

    /// <summary>Start-up of a durable broker: a queue subscription as the journal kept it, under its own ARN.</summary>
    internal void RestoreQueueSubscription(MessageQueue queue, string arn, IEnumerable<KeyValuePair<string, string>> attributes)
    {
        var options = DefaultOptions;
        foreach (var (name, value) in attributes)
        {
            options = Subscription.WithAttribute(options, name, value);
        }

        var settings = Compile(options, string.Empty, fifoSubscription: queue.IsFifo, handler: false);
        lock (subscriptionsLock)
        {
            Add(new QueueSubscription(this, queue, settings, arn));
        }
    }

    public ISubscription Subscribe(Func<Notification, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        options ??= DefaultOptions;
        if (IsFifo)
        {
            throw PublishValidation.Invalid("Invalid parameter: Endpoint Reason: FIFO topics deliver to SQS queues only; subscribe a queue and consume it.");
        }

        var settings = Compile(options, "Attributes Reason: ", fifoSubscription: false, handler: true);
        lock (subscriptionsLock)
        {
            ThrowIfDeleted();
            foreach (var existing in subscriptions)
            {
                if (existing is HandlerSubscription same && same.Handler == handler)
                {
                    return SameOrThrow(same, options);
                }
            }

            var endpoint = $"arn:aws:lambda:{Broker.Options.Region}:{Broker.Options.AccountId}:function:{handler.Method.Name}-{++handlerCount}";
            return Add(new HandlerSubscription(this, handler, settings, endpoint));
        }
    }

    public IReadOnlyList<ISubscription> ListSubscriptions() => [.. Volatile.Read(ref subscriptions)];

    public IReadOnlyDictionary<string, string> GetAttributes()
    {
        ThrowIfDeleted();
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TopicArn"] = Arn,
            ["Owner"] = Broker.Options.AccountId,
            ["DisplayName"] = Options.DisplayName ?? string.Empty,
            ["SubscriptionsConfirmed"] = Volatile.Read(ref subscriptions).Length.ToString(CultureInfo.InvariantCulture),
            ["SubscriptionsPending"] = "0",
            ["SubscriptionsDeleted"] = Volatile.Read(ref subscriptionsDeleted).ToString(CultureInfo.InvariantCulture),
        };
        if (IsFifo)
        {
            attributes["FifoTopic"] = "true";
            attributes["ContentBasedDeduplication"] = Options.ContentBasedDeduplication ? "true" : "false";
            attributes["FifoThroughputScope"] = Options.FifoThroughputScope.ToString();
        }

        return attributes;
    }

    /// <summary>Changes a subscription's settings, validated as when subscribing.</summary>
    internal void Update(Subscription subscription, SubscriptionOptions options)
    {
        var fifoSubscription = subscription is QueueSubscription { Queue.IsFifo: true };
        var settings = Compile(options, string.Empty, fifoSubscription, handler: subscription is HandlerSubscription);
        lock (subscriptionsLock)
        {
            if (!subscription.IsActive)
            {
                throw NotFound("Subscription does not exist");
            }

            subscription.ReplaceSettings(settings);
            index.Add(subscription, settings.Filter);
            NoteRawDelivery();
            if (subscription is QueueSubscription queueSubscription)
            {
                queueSubscription.Queue.Store?.SubscriptionSaved(Name, subscription.Arn, queueSubscription.Queue.Name, subscription.SettableAttributes());
            }
        }

    }

    internal void Remove(Subscription subscription)
    {
        lock (subscriptionsLock)
        {
            if (!subscription.IsActive)
            {
                return;
            }

            subscription.MarkUnsubscribed();
            index.Remove(subscription);
            subscriptions = [.. subscriptions.Where(s => s != subscription)];
            NoteRawDelivery();
            subscriptionsDeleted++;
            if (subscription is QueueSubscription)
            {
                // Whatever the queue's durability now (a queue deleted and created again as a scratch queue is the
                // subscription's new target): the journal must not keep a subscription that was removed.
                Broker.Store?.SubscriptionDeleted(Name, subscription.Arn);
            }
        }

        subscription.CancelLifetime();
    }

    /// <summary>
    /// Under the broker's lifecycle lock: every subscription goes, publishes fail from now on. The caller cancels the
    /// returned subscriptions' handler tokens with <see cref="CancelLifetimes"/> once it holds no lock, because
    /// cancellation runs user callbacks.
    /// </summary>
    internal Subscription[] Delete()
    {
        Subscription[] removed;
        lock (subscriptionsLock)
        {
            deleted = true;
            removed = subscriptions;
            foreach (var subscription in removed)
            {
                subscription.MarkUnsubscribed();
                index.Remove(subscription);
            }

            subscriptions = [];
            NoteRawDelivery();
        }

        return removed;
    }

    /// <summary>Outside every lock: cancels the handler tokens of subscriptions a <see cref="Delete"/> removed.</summary>
    internal static void CancelLifetimes(IEnumerable<Subscription> removed)
    {
        foreach (var subscription in removed)
        {
            subscription.CancelLifetime();
        }
    }

    internal static BrokerException NotFound(string message) => new(BrokerErrorCodes.NotFound, message);

    private void ThrowIfDeleted()
    {
        if (deleted)
        {
            throw NotFound($"Topic does not exist: {Arn} was deleted.");
        }
    }

    private Subscription Add(Subscription subscription)
    {
        subscriptions = [.. subscriptions, subscription];
        index.Add(subscription, subscription.Settings.Filter);
        NoteRawDelivery();
        return subscription;
    }

    /// <summary>Under <see cref="subscriptionsLock"/>, after the subscriptions or their settings changed.</summary>
    private void NoteRawDelivery() =>
        Volatile.Write(ref deliversRaw, Array.Exists(subscriptions, static s => s is QueueSubscription && s.RawDelivery));

    private static Subscription SameOrThrow(Subscription existing, SubscriptionOptions options) =>
        existing.Options == options
            ? existing
            : throw PublishValidation.Invalid("Attributes Reason: Subscription already exists with different attributes");

    /// <summary>Validates options and compiles the filter policy; SNS prefixes messages with "Attributes Reason: " on Subscribe.</summary>
    private SubscriptionSettings Compile(SubscriptionOptions options, string reasonPrefix, bool fifoSubscription, bool handler)
    {
        if (handler && options.RawMessageDelivery)
        {
            throw PublishValidation.Invalid(reasonPrefix + "Delivery protocol [lambda] does not support raw message delivery.");
        }

        if (options.MaxConcurrency is < 1 or > 1000)
        {
            throw PublishValidation.Invalid($"{reasonPrefix}MaxConcurrency must be between 1 and 1000, but was {options.MaxConcurrency}.");
        }

        var delivery = options.DeliveryPolicy ?? DeliveryPolicy.AwsManagedEndpoint;
        delivery.Validate();
        if (options.RedrivePolicy is { } redrive)
        {
            ArgumentNullException.ThrowIfNull(redrive.DeadLetterTarget);
            if (RedriveSettings.ResolveName(redrive.DeadLetterTarget, Broker.Options) is not { } name || Broker.FindQueue(name) is not { } deadLetterQueue)
            {
                throw PublishValidation.Invalid($"{reasonPrefix}RedrivePolicy: deadLetterTargetArn '{redrive.DeadLetterTarget}' names no queue of this broker; create it first.");
            }

            if (fifoSubscription && IsFifo && !deadLetterQueue.IsFifo)
            {
                throw PublishValidation.Invalid("RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.");
            }

            if (!fifoSubscription && deadLetterQueue.IsFifo)
            {
                throw PublishValidation.Invalid($"{reasonPrefix}RedrivePolicy: a FIFO queue can be the DLQ of a FIFO queue's subscription to a FIFO topic only; use a standard queue.");
            }
        }

        FilterPolicy? filter = null;
        if (options.FilterPolicy is { } json)
        {
            try
            {
                filter = FilterPolicy.Parse(json, options.FilterPolicyScope, FilterDialect.Sns);
            }
            catch (BrokerException error) when (reasonPrefix.Length > 0 && error.Message.StartsWith("Invalid parameter: ", StringComparison.Ordinal))
            {
                throw PublishValidation.Invalid(reasonPrefix + error.Message["Invalid parameter: ".Length..]);
            }
        }

        return new SubscriptionSettings(options, filter, delivery);
    }
}
