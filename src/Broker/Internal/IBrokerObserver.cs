using Broker.Queues;
using Broker.Queues.Internal;
using DataStream = Broker.Streams.Internal.DataStream;
using StreamShard = Broker.Streams.Internal.StreamShard;
using Subscription = Broker.Topics.Internal.Subscription;
using Broker.Topics.Internal;

namespace Broker.Internal;

/// <summary>
/// Sees what flows through one broker, for Broker.Testing's harness: called where <see cref="BrokerMetrics"/> counts,
/// once per message (a receive: once when its take starts and once when it ends), on the thread of the operation,
/// outside every lock and after the state change it reports is made (except a send, reported just before its message
/// becomes receivable, so a record never shows a receive before its send).
/// Given to the broker through its internal constructor and wrapped in <see cref="BrokerObserverGuard"/>, so an observer
/// that throws cannot break the operation; an implementation must be cheap and must not call back into the broker.
/// </summary>
internal interface IBrokerObserver
{
    /// <summary>A message entered <paramref name="queue"/> by a send or a topic delivery (not a dead-letter move).</summary>
    void MessageSent(MessageQueue queue, QueueMessage message);

    /// <summary>A receive starts taking messages (it cannot wait any more before <see cref="ReceiveEnded"/>).</summary>
    void ReceiveStarting(MessageQueue queue);

    /// <summary>
    /// The take that <see cref="ReceiveStarting"/> announced ended with <paramref name="messages"/> (possibly none; dead-letter
    /// moves it made were reported before); <paramref name="request"/> is the caller's own object. A repeated FIFO receive
    /// attempt, which returns the messages of the first again without taking any, is not reported.
    /// </summary>
    void ReceiveEnded(MessageQueue queue, ReceiveRequest request, IReadOnlyList<ReceivedMessage> messages);

    /// <summary>The queue's timer finished a run (it may have made messages visible, or expired them).</summary>
    void QueueTimerRan(MessageQueue queue);

    /// <summary>A delete removed <paramref name="message"/>, received <paramref name="receiveCount"/> times.</summary>
    void MessageDeleted(MessageQueue queue, QueueMessage message, int receiveCount);

    /// <summary>The redrive policy of <paramref name="queue"/> moved <paramref name="message"/> to <paramref name="deadLetterQueue"/>.</summary>
    void MessageDeadLettered(MessageQueue queue, MessageQueue deadLetterQueue, QueueMessage message, int receiveCount);

    /// <summary>A publish was accepted (before its deliveries).</summary>
    void MessagePublished(Topic topic, PublishedMessage message);

    /// <summary>A delivery reached its queue, or its handler returned.</summary>
    void NotificationDelivered(Topic topic, Subscription subscription, PublishedMessage message);

    /// <summary>The subscription's filter policy rejected the message.</summary>
    void NotificationFilteredOut(Topic topic, Subscription subscription, PublishedMessage message);

    /// <summary>The subscription gave the delivery up (retries spent, or an error no retry fixes).</summary>
    void NotificationFailed(Topic topic, Subscription subscription, PublishedMessage message);

    /// <summary>A put stored a record at <paramref name="position"/> of <paramref name="shard"/>.</summary>
    void RecordPut(DataStream stream, StreamShard shard, long position, ReadOnlyMemory<byte> data, string partitionKey);

    /// <summary>A worker of a handler subscription ended (it found no more deliveries, or the subscription was deleted).</summary>
    void HandlerWorkerEnded(HandlerSubscription subscription);
}
