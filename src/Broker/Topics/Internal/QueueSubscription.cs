using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Topics.Internal;

/// <summary>
/// A queue subscribed to a topic (SNS protocol <c>sqs</c>). A delivery is a send to the queue on the publisher's thread
/// (or the retry timer's): the envelope, or with raw delivery the body and attributes as published. A queue that is full
/// and rejects sends is retried; a deleted queue or a message the queue cannot take goes to the dead-letter queue at once.
/// </summary>
internal sealed partial class QueueSubscription : Subscription
{
    /// <summary>The queue deliveries go to; replaced when it was deleted and a queue of the same name (so the same ARN) exists.</summary>
    private MessageQueue queue;

    public QueueSubscription(Topic topic, MessageQueue queue, SubscriptionSettings settings, string? arn = null)
        : base(topic, settings, arn)
    {
        this.queue = queue;
    }

    public MessageQueue Queue => Volatile.Read(ref queue);

    public override string Protocol => "sqs";

    public override string Endpoint => Queue.Arn;

    public override void Deliver(PublishedMessage message, int attempt)
    {
        if (Topic.IsFifo && TryHoldBack(message))
        {
            return;
        }

        Send(message, attempt);
    }

    /// <summary>
    /// A raw delivery that a standard queue without caps or journal takes at once keeps the body and the validated
    /// attributes, not the publish: no message is made for it. Anything else (an envelope, a message structure, a FIFO,
    /// capped or durable queue, a failure) is the usual <see cref="Deliver"/> with the message made. A failed attempt here
    /// has changed nothing (a send fails before it enqueues), so the usual path makes it again and handles its failure.
    /// </summary>
    internal override void DeliverFirst(ref Publication publication)
    {
        if (publication.Made is null && RawDelivery && publication.Structure is null && IsActive)
        {
            try
            {
                var target = Target();
                if (target.KeepsDeferredBodies)
                {
                    target.PrefetchDelivery();
                    if (target.TryDeliver(publication.RawDelivery, publication.TimestampTicks, out var durable))
                    {
                        if (durable.IsCompletedSuccessfully)
                        {
                            Topic.CountDelivered(this);
                        }
                        else
                        {
                            _ = CompleteAsync(durable.AsTask(), publication.Materialize(), attempt: 1); // (no journal: not expected)
                        }

                        return;
                    }
                }
            }
            catch (BrokerException)
            {
                // Made again below, where its failure is handled.
            }
            catch (ObjectDisposedException)
            {
                // The broker is being disposed; nothing is delivered any more.
                return;
            }
        }

        Deliver(publication.Materialize(), attempt: 1);
    }

    /// <summary>One delivery attempt and its immediate retries; a later retry is scheduled, or the message dead-lettered.</summary>
    private void Send(PublishedMessage message, int attempt)
    {
        // Immediate retries (the policy's no-delay phase) loop here rather than recurse, however many there are.
        while (IsActive)
        {
            try
            {
                var target = Target();
                target.PrefetchDelivery();
                var raw = RawDelivery;
                SendMessageRequest? request = null;
                try
                {
                    // A queue in QueueFullMode.Wait, or a durable queue: the publisher does not wait; the send completes
                    // when there is room, or when its record is durable.
                    Task? pending;
                    // A standard topic's first attempt happens within the publish, and takes its timestamp as the
                    // queue's sent time; a FIFO topic's may wait behind its group, and a retry comes later.
                    var sentAt = attempt == 1 && !Topic.IsFifo ? message.Timestamp.UtcTicks : 0;
                    if (raw && message.SqsMessage is null && !target.IsFifo
                        && target.TryDeliver(message.RawDelivery, sentAt, out var durable))
                    {
                        // The body and attributes as published, validated once for all the topic's standard queues.
                        pending = Pending(durable);
                    }
                    else if (!raw && TryDeliverDeferred(target, message, sentAt, out durable))
                    {
                        pending = Pending(durable);
                    }
                    else
                    {
                        request = Request(message, raw);
                        pending = Pending(target.SendAsync(request));
                    }

                    if (pending is null)
                    {
                        Topic.CountDelivered(this, message);
                    }
                    else
                    {
                        _ = CompleteAsync(pending, message, attempt);
                    }

                    return;
                }
                catch (BrokerException error)
                {
                    if (!OnFailed(message, attempt, error, Retryable(error, target, request)))
                    {
                        return;
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                // The broker is being disposed; nothing is delivered any more.
                return;
            }

            attempt++;
        }
    }

    /// <summary>
    /// The envelope, to be written when the body is first read (<see cref="EnvelopeBody"/>), for a queue that keeps it so
    /// and a publish whose text a queue takes as it is; false, having done nothing, otherwise. Not inlined: the raw
    /// delivery's path through <see cref="Send"/> stays as short as it was.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private bool TryDeliverDeferred(MessageQueue target, PublishedMessage message, long sentAt, out ValueTask durable)
    {
        if (target.KeepsDeferredBodies && EnvelopeBody.TryCreate(message, EnvelopeNames, EnvelopeNamesLength, Topic.IsFifo, out var envelope))
        {
            return target.TryDeliver(new MessageQueue.PreparedDelivery(envelope, null, envelope.Length), sentAt, out durable);
        }

        durable = default;
        return false;
    }

    /// <summary>Null when <paramref name="sent"/> completed (its error, if any, is thrown here); otherwise its task.</summary>
    private static Task? Pending(ValueTask sent)
    {
        if (!sent.IsCompleted)
        {
            return sent.AsTask();
        }

        sent.GetAwaiter().GetResult();
        return null;
    }

    /// <inheritdoc cref="Pending(ValueTask)"/>
    private static Task<SendMessageResult>? Pending(ValueTask<SendMessageResult> sent)
    {
        if (!sent.IsCompleted)
        {
            return sent.AsTask();
        }

        sent.GetAwaiter().GetResult();
        return null;
    }

    internal override void Redeliver(PublishedMessage message, int attempt)
    {
        if (Topic.IsFifo)
        {
            DrainBacklog(message, attempt);
            return;
        }

        Send(message, attempt);
    }

    /// <summary>
    /// The copy for the dead-letter queue: as delivered, except that a raw message with more attributes than a queue
    /// takes (the reason it failed) goes without them rather than failing again.
    /// </summary>
    protected override SendMessageRequest DeadLetterRequest(PublishedMessage message, Exception? error, bool fifoQueue) =>
        Request(message, Settings.Options.RawMessageDelivery, fifoQueue, withAttributes: message.DeliveredAttributes.Count <= TopicDefaults.MaxRawDeliveryAttributes);

    private async Task CompleteAsync(Task send, PublishedMessage message, int attempt)
    {
        try
        {
            await send.ConfigureAwait(false);
            Topic.CountDelivered(this, message);
        }
        catch (BrokerException error)
        {
            if (OnFailed(message, attempt, error, Retryable(error, Queue, null)))
            {
                Send(message, attempt + 1);
            }
        }
        catch (Exception error) when (error is ObjectDisposedException or OperationCanceledException)
        {
            // Broker disposed while waiting for room.
        }
    }

    /// <summary>
    /// SNS subscribes a queue by its ARN: when the queue was deleted and one of the same name created since, deliveries
    /// go to the new one. Otherwise the deleted queue, whose send fails with <c>QueueDoesNotExist</c>.
    /// </summary>
    private MessageQueue Target()
    {
        var current = Volatile.Read(ref queue);
        if (current.IsDeleted && Topic.Broker.FindQueue(current.Name) is { IsDeleted: false } recreated)
        {
            Volatile.Write(ref queue, recreated);
            return recreated;
        }

        return current;
    }

    /// <summary>
    /// Only a full queue is worth retrying (SNS: a server-side error); the rest are the client's (SNS: not retried),
    /// including a message larger than the queue's whole <see cref="QueueOptions.MaximumBytes"/>, which no wait can fit.
    /// </summary>
    private static bool Retryable(BrokerException error, MessageQueue queue, SendMessageRequest? request) =>
        error.ErrorCode == BrokerErrorCodes.OverLimit
        && (request is null || queue.Settings.Options.MaximumBytes is not { } maximumBytes || request.Body.Length <= maximumBytes);

    private SendMessageRequest Request(PublishedMessage message, bool raw, bool? fifoQueue = null, bool withAttributes = true)
    {
        var fifo = fifoQueue ?? Queue.IsFifo;
        var text = message.SqsMessage ?? message.Message;
        var body = raw
            ? (message.SqsMessage is null ? message.Utf8Body : System.Text.Encoding.UTF8.GetBytes(text))
            : message.QueueEnvelope(EnvelopeNames, EnvelopeNamesLength, Topic.IsFifo, out _) is { } source
                ? EnvelopeWriter.Write(source, EnvelopeNames, Topic.IsFifo) // the same bytes, without a JSON writer
                : EnvelopeWriter.Write(message, text, EnvelopeNames, Topic.IsFifo);
        return new SendMessageRequest(body, owned: true)
        {
            MessageAttributes = raw && withAttributes && message.DeliveredAttributes.Count > 0 ? message.DeliveredAttributes : null,
            MessageGroupId = fifo ? message.MessageGroupId : null,
            MessageDeduplicationId = fifo ? message.DeduplicationId : null,
        };
    }
}
