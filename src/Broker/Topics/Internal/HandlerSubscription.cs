using Broker.Internal;
using Broker.Queues;

namespace Broker.Topics.Internal;

/// <summary>
/// An in-process handler subscribed to a topic (SNS protocol <c>lambda</c>). Deliveries wait in a lock-free queue and run on
/// the thread pool, at most <see cref="SubscriptionOptions.MaxConcurrency"/> at once; the publisher only enqueues.
/// </summary>
internal sealed class HandlerSubscription : Subscription
{
    private readonly Func<Notification, CancellationToken, ValueTask> handler;
    private readonly SegmentedQueue<Delivery> pending = new();

    /// <summary>Workers running; each drains <see cref="pending"/> until it is empty. Changed only with Interlocked.</summary>
    private int running;

    public HandlerSubscription(Topic topic, Func<Notification, CancellationToken, ValueTask> handler, SubscriptionSettings settings, string endpoint)
        : base(topic, settings)
    {
        this.handler = handler;
        Endpoint = endpoint;
    }

    public Func<Notification, CancellationToken, ValueTask> Handler => handler;

    /// <summary>
    /// Whether a handler runs or a delivery waits for one (retries waiting on the clock are not counted). Reads the queue
    /// first: a delivery is enqueued before its worker counts itself in <see cref="running"/>, and dequeued after, so a
    /// delivery present at the first read is seen by one of the two.
    /// </summary>
    internal bool IsBusy => !pending.IsEmpty || Volatile.Read(ref running) > 0;

    public override string Protocol => "lambda";

    public override string Endpoint { get; }

    public override void Deliver(PublishedMessage message, int attempt)
    {
        if (!IsActive)
        {
            return;
        }

        pending.Enqueue(new Delivery(message, attempt));

        // Full fence: the read of `running` in TryStartWorker must not move before the enqueue, or a worker that is
        // finishing (decrement, then IsEmpty) and this producer could each see the other's old state and both leave.
        Interlocked.MemoryBarrier();
        TryStartWorker();
    }

    internal override void Redeliver(PublishedMessage message, int attempt) => Deliver(message, attempt);

    protected override SendMessageRequest DeadLetterRequest(PublishedMessage message, Exception? error, bool fifoQueue) =>
        new(EnvelopeWriter.Write(message, message.LambdaMessage ?? message.Message, EnvelopeNames, Topic.IsFifo), owned: true)
        {
            MessageAttributes = EnvelopeWriter.HandlerFailureAttributes(error),
            MessageGroupId = fifoQueue ? message.MessageGroupId : null,
            MessageDeduplicationId = fifoQueue ? message.DeduplicationId ?? message.MessageId : null,
        };

    private void TryStartWorker()
    {
        while (true)
        {
            var current = Volatile.Read(ref running);
            if (current >= Settings.Options.MaxConcurrency || pending.IsEmpty || !IsActive)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref running, current + 1, current) == current)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static self => _ = self.RunAsync(), this, preferLocal: false);
                return;
            }
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (IsActive && pending.TryDequeue(out var delivery))
            {
                await InvokeAsync(delivery).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref running);
        }

        // A delivery enqueued after the last TryDequeue, whose publisher saw every worker busy, still gets one.
        TryStartWorker();
        Topic.Broker.Observer?.HandlerWorkerEnded(this); // after the restart check, so an observer never sees a gap
    }

    private async ValueTask InvokeAsync(Delivery delivery)
    {
        var message = delivery.Message;
        var notification = new Notification(
            message.MessageId,
            Topic.Arn,
            Arn,
            message.Subject,
            message.LambdaMessage ?? message.Message,
            message.Timestamp,
            message.DeliveredAttributes,
            message.MessageGroupId,
            message.SequenceNumber,
            delivery.Attempt);
        try
        {
            await handler(notification, Lifetime).ConfigureAwait(false);
            Topic.CountDelivered(this, message);
        }
        catch (OperationCanceledException) when (!IsActive)
        {
            // Unsubscribed while the handler ran: nothing more is owed to it.
        }
#pragma warning disable CA1031 // A handler's failure, whatever it is, is a failed delivery to retry; it must not reach the thread pool.
        catch (Exception error)
#pragma warning restore CA1031
        {
            if (OnFailed(message, delivery.Attempt, error, retryable: true))
            {
                Redeliver(message, delivery.Attempt + 1); // enqueued: this worker or another makes the attempt
            }
        }
    }

    private sealed record Delivery(PublishedMessage Message, int Attempt);
}
