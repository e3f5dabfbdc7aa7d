using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Topics.Internal;

/// <summary>
/// A queue subscribed to a topic (SNS protocol <c>sqs</c>). A delivery is a send to the queue on the publisher's thread
/// (or the retry timer's): the envelope, or with raw delivery the body and attributes as published. A queue that is full
/// and rejects sends is retried; a deleted queue or a message the queue cannot take goes to the dead-letter queue at once.
/// </summary>
internal sealed class QueueSubscription : Subscription
{
    public QueueSubscription(Topic topic, MessageQueue queue, SubscriptionSettings settings)
        : base(topic, settings)
    {
        Queue = queue;
    }

    public MessageQueue Queue { get; }

    public override string Protocol => "sqs";

    public override string Endpoint => Queue.Arn;

    public override void Deliver(PublishedMessage message, int attempt)
    {
        if (!IsActive)
        {
            return;
        }

        try
        {
            var sent = Queue.SendAsync(Request(message, Settings.Options.RawMessageDelivery));
            if (sent.IsCompleted)
            {
                sent.GetAwaiter().GetResult();
                Topic.CountDelivered();
                return;
            }

            // A queue in QueueFullMode.Wait: the publisher does not wait; the send completes when there is room.
            _ = CompleteAsync(sent.AsTask(), message, attempt);
        }
        catch (BrokerException error)
        {
            OnFailed(message, attempt, error, Retryable(error));
        }
        catch (ObjectDisposedException)
        {
            // The broker is being disposed; nothing is delivered any more.
        }
    }

    internal override void Redeliver(PublishedMessage message, int attempt) => Deliver(message, attempt);

    protected override SendMessageRequest DeadLetterRequest(PublishedMessage message, Exception? error, bool fifoQueue) =>
        Request(message, Settings.Options.RawMessageDelivery, fifoQueue);

    private async Task CompleteAsync(Task send, PublishedMessage message, int attempt)
    {
        try
        {
            await send.ConfigureAwait(false);
            Topic.CountDelivered();
        }
        catch (BrokerException error)
        {
            OnFailed(message, attempt, error, Retryable(error));
        }
        catch (Exception error) when (error is ObjectDisposedException or OperationCanceledException)
        {
            // Broker disposed while waiting for room.
        }
    }

    /// <summary>Only a full queue is worth retrying (SNS: a server-side error); the rest are the client's (SNS: not retried).</summary>
    private static bool Retryable(BrokerException error) => error.ErrorCode == BrokerErrorCodes.OverLimit;

    private SendMessageRequest Request(PublishedMessage message, bool raw, bool? fifoQueue = null)
    {
        var fifo = fifoQueue ?? Queue.IsFifo;
        var text = message.SqsMessage ?? message.Message;
        var body = raw
            ? (message.SqsMessage is null ? message.Utf8Body : System.Text.Encoding.UTF8.GetBytes(text))
            : EnvelopeWriter.Write(message, text, EnvelopeNames, Topic.IsFifo);
        return new SendMessageRequest(body, owned: true)
        {
            MessageAttributes = raw && message.Attributes.Count > 0 ? message.Attributes : null,
            MessageGroupId = fifo ? message.MessageGroupId : null,
            MessageDeduplicationId = fifo ? message.DeduplicationId : null,
        };
    }
}
