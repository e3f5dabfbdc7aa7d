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
internal sealed class BrokerObserverGuard(IBrokerObserver observer)
{
    private long failures;

    /// <summary>Calls of the observer that threw.</summary>
    public long Failures => Interlocked.Read(ref failures);

    public void MessageSent(MessageQueue queue, QueueMessage message) =>
        Call((queue, message), static (o, a) => o.MessageSent(a.queue, a.message));

    public void ReceiveStarting(MessageQueue queue) =>
        Call(queue, static (o, a) => o.ReceiveStarting(a));

    public void ReceiveEnded(MessageQueue queue, ReceiveRequest request, IReadOnlyList<ReceivedMessage> messages) =>
        Call((queue, request, messages), static (o, a) => o.ReceiveEnded(a.queue, a.request, a.messages));

    public void QueueTimerRan(MessageQueue queue) =>
        Call(queue, static (o, a) => o.QueueTimerRan(a));

    public void MessageDeleted(MessageQueue queue, QueueMessage message, int receiveCount) =>
        Call((queue, message, receiveCount), static (o, a) => o.MessageDeleted(a.queue, a.message, a.receiveCount));

    public void MessageDeadLettered(MessageQueue queue, MessageQueue deadLetterQueue, QueueMessage message, int receiveCount) =>
        Call((queue, deadLetterQueue, message, receiveCount), static (o, a) => o.MessageDeadLettered(a.queue, a.deadLetterQueue, a.message, a.receiveCount));

    public void MessagePublished(Topic topic, PublishedMessage message) =>
        Call((topic, message), static (o, a) => o.MessagePublished(a.topic, a.message));

    public void NotificationDelivered(Topic topic, Subscription subscription, PublishedMessage message) =>
        Call((topic, subscription, message), static (o, a) => o.NotificationDelivered(a.topic, a.subscription, a.message));

    public void NotificationFilteredOut(Topic topic, Subscription subscription, PublishedMessage message) =>
        Call((topic, subscription, message), static (o, a) => o.NotificationFilteredOut(a.topic, a.subscription, a.message));

    public void NotificationFailed(Topic topic, Subscription subscription, PublishedMessage message) =>
        Call((topic, subscription, message), static (o, a) => o.NotificationFailed(a.topic, a.subscription, a.message));

    public void RecordPut(DataStream stream, StreamShard shard, long position, ReadOnlyMemory<byte> data, string partitionKey) =>
        Call((stream, shard, position, data, partitionKey), static (o, a) => o.RecordPut(a.stream, a.shard, a.position, a.data, a.partitionKey));

    public void HandlerWorkerEnded(HandlerSubscription subscription) =>
        Call(subscription, static (o, a) => o.HandlerWorkerEnded(a));

    /// <summary>One guarded call; the arguments travel as a struct and the call is a static lambda, so nothing allocates.</summary>
    [SuppressMessage("Design", "CA1031", Justification = "Whatever an observer throws, the engine goes on: that is this type's purpose.")]
    private void Call<TArgs>(TArgs args, Action<IBrokerObserver, TArgs> call)
    {
        try
        {
            call(observer, args);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref failures);
        }
    }
}
