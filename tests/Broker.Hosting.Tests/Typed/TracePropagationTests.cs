using System.Collections.Concurrent;
using System.Diagnostics;
using Broker.Queues;
using Broker.Streams;

namespace Broker.Hosting.Tests.Typed;

/// <summary>
/// Typed producers start a producer activity on the "Broker" source and carry its W3C trace context in the
/// <c>traceparent</c> message attribute. The listener is process-wide, so each test names its resource uniquely and
/// keeps only the activities of that resource.
/// </summary>
public sealed class TracePropagationTests : IDisposable
{
    private static readonly ReceiveRequest ReceiveWithAttributes = new() { MaxNumberOfMessages = 10, MessageAttributeNames = ["All"] };

    private readonly string name = $"orders-{Guid.NewGuid():N}";
    private readonly ConcurrentQueue<Activity> started = new();
    private readonly ActivityListener listener;
    private readonly MessageBroker broker = new();

    public TracePropagationTests()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Broker",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity =>
            {
                if (activity.DisplayName.StartsWith(name, StringComparison.Ordinal))
                {
                    started.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
    }

    [Fact]
    public async Task Typed_send_writes_the_producer_activitys_traceparent()
    {
        var orders = broker.CreateQueue(name).AsTyped<Order>();

        await orders.SendAsync(new Order("o-1", 1m));

        var activity = Assert.Single(started);
        Assert.Equal($"{name} send", activity.DisplayName);
        Assert.Equal(ActivityKind.Producer, activity.Kind);
        var received = Assert.Single(await orders.ReceiveAsync(ReceiveWithAttributes));
        Assert.Equal(activity.Id, received.Raw.MessageAttributes["traceparent"].StringValue);
    }

    [Fact]
    public async Task Typed_send_continues_the_callers_trace()
    {
        using var parentSource = new ActivitySource("Broker");
        using var parent = parentSource.StartActivity($"{name} request");
        var orders = broker.CreateQueue(name).AsTyped<Order>();

        await orders.SendAsync(new Order("o-1", 1m));

        var send = Assert.Single(started, a => a.DisplayName == $"{name} send");
        Assert.Equal(parent!.TraceId, send.TraceId);
        Assert.Equal(parent.SpanId, send.ParentSpanId);
    }

    [Fact]
    public async Task Typed_batch_gives_every_message_the_traceparent_of_one_activity()
    {
        var orders = broker.CreateQueue(name).AsTyped<Order>();

        await orders.SendBatchAsync([new Order("a", 1m), new Order("b", 2m)]);

        var activity = Assert.Single(started);
        var received = await orders.ReceiveAsync(ReceiveWithAttributes);
        Assert.Equal(2, received.Count);
        Assert.All(received, r => Assert.Equal(activity.Id, r.Raw.MessageAttributes["traceparent"].StringValue));
    }

    [Fact]
    public async Task Typed_send_with_ten_attributes_adds_no_traceparent()
    {
        var orders = broker.CreateQueue(name).AsTyped<Order>();
        var attributes = Enumerable.Range(0, 10).ToDictionary(i => $"a{i}", i => MessageAttributeValue.FromString($"{i}"));

        await orders.SendAsync(new Order("o-1", 1m), new SendOptions { MessageAttributes = attributes });

        Assert.Single(started);
        var received = Assert.Single(await orders.ReceiveAsync(ReceiveWithAttributes));
        Assert.Equal(10, received.Raw.MessageAttributes.Count);
        Assert.False(received.Raw.MessageAttributes.ContainsKey("traceparent"));
    }

    [Fact]
    public async Task Typed_send_keeps_the_callers_attributes_beside_the_traceparent()
    {
        var orders = broker.CreateQueue(name).AsTyped<Order>();
        var attributes = new Dictionary<string, MessageAttributeValue> { ["tenant"] = MessageAttributeValue.FromString("acme") };

        await orders.SendAsync(new Order("o-1", 1m), new SendOptions { MessageAttributes = attributes });

        var received = Assert.Single(await orders.ReceiveAsync(ReceiveWithAttributes));
        Assert.Equal("acme", received.Raw.MessageAttributes["tenant"].StringValue);
        Assert.Equal(Assert.Single(started).Id, received.Raw.MessageAttributes["traceparent"].StringValue);
    }

    [Fact]
    public async Task Typed_publish_writes_the_producer_activitys_traceparent()
    {
        var queue = broker.CreateQueue($"{name}-sub");
        var topic = broker.CreateTopic(name);
        topic.Subscribe(queue, new Topics.SubscriptionOptions { RawMessageDelivery = true });

        await topic.AsTyped<Order>().PublishAsync(new Order("o-1", 1m));

        var activity = Assert.Single(started, a => a.DisplayName == $"{name} publish");
        Assert.Equal(ActivityKind.Producer, activity.Kind);
        var received = Assert.Single(await queue.ReceiveAsync(ReceiveWithAttributes));
        Assert.Equal(activity.Id, received.MessageAttributes["traceparent"].StringValue);
    }

    [Fact]
    public async Task Typed_stream_put_starts_a_producer_activity()
    {
        var producer = broker.CreateStream(name, new StreamOptions { ShardCount = 1 }).AsTyped<Order>();

        var put = await producer.PutAsync("customer-7", new Order("o-1", 1m));

        var activity = Assert.Single(started);
        Assert.Equal($"{name} send", activity.DisplayName);
        Assert.Equal(ActivityKind.Producer, activity.Kind);
        Assert.Equal(put.SequenceNumber, activity.GetTagItem("messaging.message.id"));
    }

    [Fact]
    public async Task Failed_send_marks_its_activity_as_an_error()
    {
        var orders = broker.CreateQueue(name, new QueueOptions { FifoQueue = false }).AsTyped<string>();

        await Assert.ThrowsAsync<BrokerException>(async () => await orders.SendAsync(string.Empty.PadRight(1_048_577, 'x')));

        Assert.Equal(ActivityStatusCode.Error, Assert.Single(started).Status);
    }

    public void Dispose()
    {
        listener.Dispose();
        broker.Dispose();
    }
}
