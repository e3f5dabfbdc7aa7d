using System.Text;
using Broker.Internal;
using Broker.Queues;
using Broker.Queues.Internal;
using Broker.Streams;
using Broker.Streams.Internal;
using Broker.Topics;
using Broker.Topics.Internal;
using Microsoft.Extensions.Time.Testing;
using Subscription = Broker.Topics.Internal.Subscription;

namespace Broker.Tests.Internal;

/// <summary>
/// The internal observer Broker.Testing's harness hangs on a broker: it is called at each point the metrics count, and
/// one that throws on every call changes nothing about what the broker does.
/// </summary>
public sealed class BrokerObserverTests
{
    [Fact]
    public async Task An_observer_that_throws_on_every_call_does_not_change_what_the_broker_does()
    {
        var observer = new ThrowingObserver();
        using var broker = new MessageBroker(new BrokerOptions(), new FakeTimeProvider(), observer);
        var time = (FakeTimeProvider)broker.TimeProvider;
        broker.CreateQueue("dlq");
        var queue = broker.CreateQueue("orders", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30), RedrivePolicy = new RedrivePolicy("dlq", 1) });
        var topic = broker.CreateTopic("videos");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });
        topic.Subscribe(broker.CreateQueue("filtered"), new SubscriptionOptions { FilterPolicy = """{"kind":["none"]}""" });
        topic.Subscribe((_, _) => ValueTask.CompletedTask);
        var broken = broker.CreateTopic("broken");
        broken.Subscribe((_, _) => throw new InvalidOperationException("handler fails"), new SubscriptionOptions { DeliveryPolicy = new DeliveryPolicy { NumRetries = 0 } });
        var stream = broker.CreateStream("clicks");

        await queue.SendAsync(new SendMessageRequest("sent"));
        await topic.PublishAsync(new PublishRequest("published"));
        await broken.PublishAsync(new PublishRequest("fails"));
        await observer.BothHandlerWorkersEnded.WaitAsync(TimeSpan.FromSeconds(30));
        var received = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 });
        await queue.DeleteAsync(received[0]);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await queue.ReceiveAsync()); // the second message was received once: this receive dead-letters it
        var put = await stream.PutRecordAsync(new PutRecordRequest("key", Encoding.UTF8.GetBytes("record")));

        Assert.Equal(["sent", "published"], received.Select(m => m.GetBodyAsString()));
        Assert.Equal("published", Assert.Single(await broker.GetQueue("dlq").ReceiveAsync()).GetBodyAsString());
        Assert.Equal(0, queue.GetAttributes().ApproximateNumberOfMessages + queue.GetAttributes().ApproximateNumberOfMessagesNotVisible);
        Assert.Equal(put.SequenceNumber, (await stream.GetRecordsAsync(stream.GetShardIterator(put.ShardId, ShardIteratorType.TrimHorizon))).Records[0].SequenceNumber);

        // Every hook point was reached, and every call threw (a worker's last call may still be being counted).
        Assert.Equal(
            ["DeadLettered", "Deleted", "Delivered", "Failed", "FilteredOut", "Published", "Put", "QueueTimerRan", "ReceiveEnded", "ReceiveStarting", "Sent"],
            observer.Calls.Where(c => c != "HandlerWorkerEnded").Distinct().Order(StringComparer.Ordinal));
        Assert.True(broker.Observer!.Failures >= observer.Calls.Count(c => c != "HandlerWorkerEnded"));
    }

    [Fact]
    public void A_broker_built_without_an_observer_has_none()
    {
        using var broker = new MessageBroker();

        Assert.Null(broker.Observer);
    }

    private sealed class ThrowingObserver : IBrokerObserver
    {
        private readonly List<string> calls = [];
        private readonly TaskCompletionSource bothEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int workersEnded;

        /// <summary>Completes when the two handler subscriptions' workers have ended (after their Delivered or Failed call).</summary>
        public Task BothHandlerWorkersEnded => bothEnded.Task;

        public IReadOnlyList<string> Calls
        {
            get
            {
                lock (calls)
                {
                    return [.. calls];
                }
            }
        }

        public void MessageSent(MessageQueue queue, QueueMessage message) => Throw("Sent");

        public void ReceiveStarting(MessageQueue queue) => Throw("ReceiveStarting");

        public void ReceiveEnded(MessageQueue queue, ReceiveRequest request, IReadOnlyList<ReceivedMessage> messages) => Throw("ReceiveEnded");

        public void QueueTimerRan(MessageQueue queue) => Throw("QueueTimerRan");

        public void MessageDeleted(MessageQueue queue, QueueMessage message, int receiveCount) => Throw("Deleted");

        public void MessageDeadLettered(MessageQueue queue, MessageQueue deadLetterQueue, QueueMessage message, int receiveCount) => Throw("DeadLettered");

        public void MessagePublished(Topic topic, PublishedMessage message) => Throw("Published");

        public void NotificationDelivered(Topic topic, Subscription subscription, PublishedMessage message) => Throw("Delivered");

        public void NotificationFilteredOut(Topic topic, Subscription subscription, PublishedMessage message) => Throw("FilteredOut");

        public void NotificationFailed(Topic topic, Subscription subscription, PublishedMessage message) => Throw("Failed");

        public void RecordPut(DataStream stream, StreamShard shard, long position, ReadOnlyMemory<byte> data, string partitionKey) => Throw("Put");

        public void HandlerWorkerEnded(HandlerSubscription subscription)
        {
            if (Interlocked.Increment(ref workersEnded) == 2)
            {
                bothEnded.TrySetResult();
            }

            Throw("HandlerWorkerEnded");
        }

        private void Throw(string call)
        {
            lock (calls)
            {
                calls.Add(call);
            }

            throw new InvalidOperationException($"observer fails on {call}");
        }
    }
}
