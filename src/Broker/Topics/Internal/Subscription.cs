using Broker.Filtering;
using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Topics.Internal;

/// <summary>The validated, compiled form of a subscription's options, swapped as a whole when they change.</summary>
internal sealed record SubscriptionSettings(SubscriptionOptions Options, FilterPolicy? Filter, DeliveryPolicy DeliveryPolicy);

/// <summary>
/// What queue and handler subscriptions share: identity, settings, retries on the broker's clock and the dead-letter
/// path. Deliveries never throw to the publisher: a failure is retried or dead-lettered here.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The token source is only cancelled (on unsubscribe); it has no timer, so there is nothing to release, and disposing it would race handlers still reading its token.")]
internal abstract partial class Subscription : ISubscription
{
    private readonly CancellationTokenSource lifetime = new();
    private SubscriptionSettings settings;
    private volatile bool unsubscribed;

    /// <summary>The settings' RawMessageDelivery, kept here: a delivery reads it without two more (cold) objects.</summary>
    private volatile bool rawDelivery;

    /// <param name="topic">The topic.</param>
    /// <param name="settings">The compiled settings.</param>
    /// <param name="arn">The ARN a durable broker recovered; null for a new one.</param>
    protected Subscription(Topic topic, SubscriptionSettings settings, string? arn = null)
    {
        Topic = topic;
        this.settings = settings;
        rawDelivery = settings.Options.RawMessageDelivery;
        Arn = arn ?? $"{topic.Arn}:{Guid.NewGuid()}";
        EnvelopeNames = new EnvelopeNames(topic.Arn, Arn, topic.Broker.Options.Region);
        EnvelopeNamesLength = EnvelopeNames.Length(topic.IsFifo);
    }

    /// <summary>This subscription's envelope fields, encoded once.</summary>
    internal EnvelopeNames EnvelopeNames { get; }

    /// <summary>What <see cref="EnvelopeNames"/> add to an envelope's length (<see cref="EnvelopeNames.Length"/>), kept on this hot object.</summary>
    internal int EnvelopeNamesLength { get; }

    public string Arn { get; }

    public string TopicArn => Topic.Arn;

    public abstract string Protocol { get; }

    public abstract string Endpoint { get; }

    public SubscriptionOptions Options => Settings.Options;

    internal Topic Topic { get; }

    internal SubscriptionSettings Settings => Volatile.Read(ref settings);

    internal bool IsActive => !unsubscribed;

    /// <summary>Whether deliveries are raw (<see cref="SubscriptionOptions.RawMessageDelivery"/>).</summary>
    internal bool RawDelivery => rawDelivery;

    /// <summary>Cancelled when the subscription is deleted; handed to handlers.</summary>
    protected CancellationToken Lifetime => lifetime.Token;

    /// <summary>One delivery attempt (1 for the first). Never throws.</summary>
    public abstract void Deliver(PublishedMessage message, int attempt);

    /// <summary>
    /// The first attempt of a publish being delivered by its publisher: by default with its message made. Never throws.
    /// </summary>
    internal virtual void DeliverFirst(ref Publication publication) => Deliver(publication.Materialize(), attempt: 1);

    public void Unsubscribe() => Topic.Remove(this);

    public void SetOptions(SubscriptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Topic.Update(this, options);
    }

    /// <summary>Under the topic's subscription lock.</summary>
    internal void ReplaceSettings(SubscriptionSettings replacement)
    {
        Volatile.Write(ref settings, replacement);
        rawDelivery = replacement.Options.RawMessageDelivery;
    }

    /// <summary>Under the topic's subscription lock: no delivery starts afterwards, scheduled retries are dropped.</summary>
    internal void MarkUnsubscribed() => unsubscribed = true;

    /// <summary>
    /// Outside every lock, after <see cref="MarkUnsubscribed"/>: cancels the handlers' token. Callbacks registered on it
    /// run here; one that throws must not undo the unsubscribe, so its exception is ignored.
    /// </summary>
    internal void CancelLifetime()
    {
        try
        {
            lifetime.Cancel();
        }
        catch (AggregateException)
        {
            // A handler's cancellation callback threw; the subscription is gone regardless.
        }
    }

    /// <summary>
    /// After a failed attempt: schedules the next one per the delivery policy, or dead-letters the message when the
    /// error is one a retry cannot fix or the policy has no retries left. Returns <see langword="true"/> when the next
    /// attempt is due at once (the no-delay phase): the caller makes it, in a loop, so retries never recurse.
    /// </summary>
    protected bool OnFailed(PublishedMessage message, int attempt, Exception? error, bool retryable)
    {
        if (!IsActive)
        {
            return false;
        }

        var delay = retryable ? Settings.DeliveryPolicy.DelayBeforeRetry(attempt) : null;
        if (delay is null)
        {
            DeadLetter(message, error);
            return false;
        }

        if (delay.Value <= TimeSpan.Zero)
        {
            return true;
        }

        ScheduleRetry(message, attempt + 1, delay.Value);
        return false;
    }

    /// <summary>Arranges for <see cref="Redeliver"/> of attempt <paramref name="attempt"/> after <paramref name="delay"/> on the broker's clock.</summary>
    protected virtual void ScheduleRetry(PublishedMessage message, int attempt, TimeSpan delay) => RetryTimer.Start(this, message, attempt, delay);

    /// <summary>A retry whose time has come.</summary>
    internal abstract void Redeliver(PublishedMessage message, int attempt);

    /// <summary>The request that carries a message this subscription gave up on to its dead-letter queue.</summary>
    protected abstract SendMessageRequest DeadLetterRequest(PublishedMessage message, Exception? error, bool fifoQueue);

    /// <summary>
    /// The end of a delivery that failed for good: counted once as failed (SNS: NumberOfNotificationsFailed counts a
    /// message when SNS stops trying), then sent to the dead-letter queue or dropped.
    /// </summary>
    private void DeadLetter(PublishedMessage message, Exception? error)
    {
        Topic.CountFailed(this, message);
        if (Settings.Options.RedrivePolicy is not { } redrive
            || RedriveSettings.ResolveName(redrive.DeadLetterTarget, Topic.Broker.Options) is not { } deadLetterName
            || Topic.Broker.FindQueue(deadLetterName) is not { IsDeleted: false } deadLetterQueue)
        {
            Topic.CountDropped();
            return;
        }

        try
        {
            var sent = deadLetterQueue.SendAsync(DeadLetterRequest(message, error, deadLetterQueue.IsFifo));
            if (!sent.IsCompleted)
            {
                _ = ObserveAsync(sent.AsTask(), Topic);
                return;
            }

            sent.GetAwaiter().GetResult();
            Topic.CountDeadLettered();
        }
        catch (Exception failure) when (failure is BrokerException or ObjectDisposedException)
        {
            // The dead-letter queue itself refused the message (deleted, full, too large): SNS drops it then too.
            Topic.CountDropped();
        }

        static async Task ObserveAsync(Task send, Topic topic)
        {
            try
            {
                await send.ConfigureAwait(false);
                topic.CountDeadLettered();
            }
            catch (Exception failure) when (failure is BrokerException or ObjectDisposedException or OperationCanceledException)
            {
                topic.CountDropped();
            }
        }
    }

    /// <summary>A retry that waits on the broker's clock.</summary>
    private sealed class RetryTimer
    {
        private readonly Subscription subscription;
        private readonly PublishedMessage message;
        private readonly int attempt;
        private ITimer? timer;
        private int fired;

        private RetryTimer(Subscription subscription, PublishedMessage message, int attempt)
        {
            this.subscription = subscription;
            this.message = message;
            this.attempt = attempt;
        }

        public static void Start(Subscription subscription, PublishedMessage message, int attempt, TimeSpan delay)
        {
            var retry = new RetryTimer(subscription, message, attempt);
            var created = subscription.Topic.Broker.TimeProvider.CreateTimer(static state => ((RetryTimer)state!).Fire(), retry, delay, Timeout.InfiniteTimeSpan);
            Volatile.Write(ref retry.timer, created);

            // It may have fired before the field was set; then Fire could not dispose it.
            if (Volatile.Read(ref retry.fired) == 1)
            {
                created.Dispose();
            }
        }

        private void Fire()
        {
            Volatile.Write(ref fired, 1);
            Volatile.Read(ref timer)?.Dispose();
            if (subscription.IsActive)
            {
                subscription.Redeliver(message, attempt);
            }
        }
    }
}
