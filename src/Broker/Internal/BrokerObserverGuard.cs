using System.Diagnostics.CodeAnalysis;
using Broker.Queues;
using Broker.Queues.Internal;
using DataStream = Broker.Streams.Internal.DataStream;
using StreamShard = Broker.Streams.Internal.StreamShard;
using Subscription = Broker.Topics.Internal.Subscription;
using Broker.Topics.Internal;

namespace Broker.Internal;

/// <summary>
/// The broker's <see cref="IBrokerObserver"/>, each call in a try/catch: an observer's failure is counted in
/// <see cref="Failures"/> and otherwise ignored, so it can never fail, or corrupt, the operation that called it.
/// Resources read it once at creation into a field; with no observer that field is null and a hot path pays one null check.
/// </summary>
[SuppressMessage("Design", "CA1031", Justification = "Whatever an observer throws, the engine goes on: that is this type's purpose.")]
internal sealed class BrokerObserverGuard(IBrokerObserver observer)
{
    private long failures;

    /// <summary>Calls of the observer that threw.</summary>
    public long Failures => Interlocked.Read(ref failures);

    public void MessageSent(MessageQueue queue, QueueMessage message)
    {
        try
        {
            observer.MessageSent(queue, message);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    public void ReceiveStarting(MessageQueue queue)
    {
        try
        {
            observer.ReceiveStarting(queue);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    public void ReceiveEnded(MessageQueue queue, ReceiveRequest request, IReadOnlyList<ReceivedMessage> messages)
    {
        try
        {
            observer.ReceiveEnded(queue, request, messages);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    public void QueueTimerRan(MessageQueue queue)
    {
        try
        {
            observer.QueueTimerRan(queue);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    public void MessageDeleted(MessageQueue queue, QueueMessage message, int receiveCount)
    {
        try
        {
            observer.MessageDeleted(queue, message, receiveCount);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    public void MessageDeadLettered(MessageQueue queue, MessageQueue deadLetterQueue, QueueMessage message, int receiveCount)
    {
        try
        {
            observer.MessageDeadLettered(queue, deadLetterQueue, message, receiveCount);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    public void MessagePublished(Topic topic, PublishedMessage message)
    {
        try
        {
            observer.MessagePublished(topic, message);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    public void NotificationDelivered(Topic topic, Subscription subscription, PublishedMessage message)
    {
        try
        {
            observer.NotificationDelivered(topic, subscription, message);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    public void NotificationFilteredOut(Topic topic, Subscription subscription, PublishedMessage message)
    {
        try
        {
            observer.NotificationFilteredOut(topic, subscription, message);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    public void NotificationFailed(Topic topic, Subscription subscription, PublishedMessage message)
    {
        try
        {
            observer.NotificationFailed(topic, subscription, message);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    public void RecordPut(DataStream stream, StreamShard shard, long position, byte[] data, string partitionKey)
    {
        try
        {
            observer.RecordPut(stream, shard, position, data, partitionKey);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    public void HandlerWorkerEnded(HandlerSubscription subscription)
    {
        try
        {
            observer.HandlerWorkerEnded(subscription);
        }
        catch (Exception)
        {
            Failed();
        }
    }

    private void Failed() => Interlocked.Increment(ref failures);
}
