using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Broker.Hosting.Serialization;
using Broker.Internal;
using Broker.Queues;
using Broker.Queues.Internal;
using Broker.Streams.Internal;
using Broker.Topics.Internal;
using Subscription = Broker.Topics.Internal.Subscription;

namespace Broker.Testing.Internal;

/// <summary>
/// The harness's <see cref="IBrokerObserver"/>: appends a <see cref="BrokerEvent"/> per call, counts the messages each
/// receive request object got (so a hosted consumer's receives can be told from a test's own), and completes the change
/// signal that <see cref="BrokerTestHarness.WaitForIdleAsync(CancellationToken)"/> waits on. Called on the engine's threads, outside its locks;
/// it never calls back into the broker or into DI (the serializer is resolved when a test reads a body).
/// </summary>
internal sealed class HarnessObserver(TimeProvider time, Func<IMessageSerializer> serializer) : IBrokerObserver
{
    private readonly ConcurrentQueue<BrokerEvent> events = new();
    private readonly ConditionalWeakTable<ReceiveRequest, StrongBox<long>> receivedByRequest = [];
    private readonly ConditionalWeakTable<MessageQueue, StrongBox<int>> takesByQueue = [];
    private long sequence;
    private TaskCompletionSource? changed;

    /// <summary>Every event so far, in the order recorded.</summary>
    public IReadOnlyList<BrokerEvent> Events => [.. events.OrderBy(static e => e.Sequence)];

    /// <summary>Messages that receives with this request object returned.</summary>
    public long ReceivedWith(object? request) =>
        request is ReceiveRequest known && receivedByRequest.TryGetValue(known, out var count) ? Interlocked.Read(ref count.Value) : 0;

    /// <summary>Receives taking messages from the queue now (between the engine's two calls).</summary>
    public int TakesInProgress(MessageQueue queue) =>
        takesByQueue.TryGetValue(queue, out var count) ? Volatile.Read(ref count.Value) : 0;

    /// <summary>A task that completes at the next event; take it before reading the state it guards.</summary>
    public Task NextChange()
    {
        while (true)
        {
            if (Volatile.Read(ref changed) is { } current)
            {
                return current.Task;
            }

            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Interlocked.CompareExchange(ref changed, created, null) is null)
            {
                return created.Task;
            }
        }
    }

    public void MessageSent(MessageQueue queue, QueueMessage message) =>
        Record(BrokerEventKind.Sent, queue.Name, null, queue.MessageIdOf(message), message.Body, Attributes(message), 0);

    public void ReceiveStarting(MessageQueue queue) =>
        Interlocked.Increment(ref takesByQueue.GetValue(queue, static _ => new StrongBox<int>()).Value);

    public void ReceiveEnded(MessageQueue queue, ReceiveRequest request, IReadOnlyList<ReceivedMessage> messages)
    {
        foreach (var received in messages)
        {
            Record(BrokerEventKind.Received, queue.Name, null, received.MessageId, received.Message.Body, Attributes(received.Message), received.ApproximateReceiveCount, signal: false);
        }

        // The count first, then the end of the take: a look that sees the take ended sees the messages counted.
        if (messages.Count > 0)
        {
            Interlocked.Add(ref receivedByRequest.GetValue(request, static _ => new StrongBox<long>()).Value, messages.Count);
        }

        Interlocked.Decrement(ref takesByQueue.GetValue(queue, static _ => new StrongBox<int>()).Value);
        Signal();
    }

    public void QueueTimerRan(MessageQueue queue) => Signal();

    public void MessageDeleted(MessageQueue queue, QueueMessage message, int receiveCount) =>
        Record(BrokerEventKind.Deleted, queue.Name, null, queue.MessageIdOf(message), message.Body, Attributes(message), receiveCount);

    public void MessageDeadLettered(MessageQueue queue, MessageQueue deadLetterQueue, QueueMessage message, int receiveCount) =>
        Record(BrokerEventKind.DeadLettered, queue.Name, deadLetterQueue.Name, queue.MessageIdOf(message), message.Body, Attributes(message), receiveCount);

    public void MessagePublished(Topic topic, PublishedMessage message) =>
        Record(BrokerEventKind.Published, topic.Name, null, message.MessageId, message.Utf8Body, message.Attributes, 0);

    public void NotificationDelivered(Topic topic, Subscription subscription, PublishedMessage message) =>
        Record(BrokerEventKind.Delivered, topic.Name, subscription.Endpoint, message.MessageId, message.Utf8Body, message.Attributes, 0);

    public void NotificationFilteredOut(Topic topic, Subscription subscription, PublishedMessage message) =>
        Record(BrokerEventKind.FilteredOut, topic.Name, subscription.Endpoint, message.MessageId, message.Utf8Body, message.Attributes, 0);

    public void NotificationFailed(Topic topic, Subscription subscription, PublishedMessage message) =>
        Record(BrokerEventKind.Failed, topic.Name, subscription.Endpoint, message.MessageId, message.Utf8Body, message.Attributes, 0);

    public void RecordPut(DataStream stream, StreamShard shard, long position, ReadOnlyMemory<byte> data, string partitionKey) =>
        Record(BrokerEventKind.Put, stream.Name, shard.Id, SequenceNumbers.Format(shard.Index, position), data, null, 0);

    public void HandlerWorkerEnded(HandlerSubscription subscription) => Signal();

    private static Dictionary<string, MessageAttributeValue>? Attributes(QueueMessage message) =>
        message.Extras is { Attributes.Length: > 0 } extras ? new Dictionary<string, MessageAttributeValue>(extras.AttributeArray(), StringComparer.Ordinal) : null;

    private void Record(
        BrokerEventKind kind,
        string resource,
        string? endpoint,
        string messageId,
        ReadOnlyMemory<byte> body,
        IReadOnlyDictionary<string, MessageAttributeValue>? attributes,
        int receiveCount,
        bool signal = true)
    {
        events.Enqueue(new BrokerEvent(
            Interlocked.Increment(ref sequence), kind, resource, endpoint, messageId, body, attributes, receiveCount, time.GetUtcNow(), serializer));
        if (signal)
        {
            Signal();
        }
    }

    private void Signal()
    {
        if (Volatile.Read(ref changed) is not null)
        {
            Interlocked.Exchange(ref changed, null)?.TrySetResult();
        }
    }
}
