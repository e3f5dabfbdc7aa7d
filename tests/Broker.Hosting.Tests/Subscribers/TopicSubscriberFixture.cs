using System.Text.Json;
using Broker.Queues;
using Broker.Topics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Hosting.Tests.Subscribers;

/// <summary>A broker on a fake clock with a topic and a dead-letter queue, and the hosts a test starts over it.</summary>
public abstract class TopicSubscriberFixture : IAsyncLifetime
{
    protected const string TopicName = "orders";
    protected const string DeadLetterName = "orders-dlq";

    private readonly List<IHost> hosts = [];

    protected TopicSubscriberFixture()
    {
        Broker = new MessageBroker(new BrokerOptions(), Time);
        Topic = Broker.CreateTopic(TopicName);
        DeadLetters = Broker.CreateQueue(DeadLetterName);
    }

    protected FakeTimeProvider Time { get; } = new();

    protected MessageBroker Broker { get; }

    protected ITopic Topic { get; }

    protected IMessageQueue DeadLetters { get; }

    protected LogSignals Logs { get; } = new();

    protected TopicProbe Probe { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in hosts)
        {
            using var bound = new CancellationTokenSource(TestHost.Bound);
            await host.StopAsync(bound.Token);
            host.Dispose();
        }

        Broker.Dispose();
    }

    /// <summary>Builds a host with the probe and <see cref="OrderHandler"/> subscribed, and starts it.</summary>
    protected async Task<IHost> StartHost(string? filterPolicy = null, Action<TopicSubscriberOptions>? configure = null, Action<IServiceCollection>? before = null)
    {
        var host = BuildHost(filterPolicy, configure, before);
        await host.StartAsync();
        return host;
    }

    protected IHost BuildHost(string? filterPolicy = null, Action<TopicSubscriberOptions>? configure = null, Action<IServiceCollection>? before = null)
    {
        var host = TestHost.Build(Broker, Logs, services =>
        {
            services.AddSingleton(Probe);
            before?.Invoke(services);
            services.AddTopicSubscriber<Order, OrderHandler>(TopicName, filterPolicy, configure);
        });
        hosts.Add(host);
        return host;
    }

    protected Task<PublishResult> Publish(Order order, IReadOnlyDictionary<string, MessageAttributeValue>? attributes = null) =>
        Publish(JsonSerializer.Serialize(order, JsonSerializerOptions.Web), attributes);

    protected async Task<PublishResult> Publish(string body, IReadOnlyDictionary<string, MessageAttributeValue>? attributes = null) =>
        await Topic.PublishAsync(new PublishRequest(body) { MessageAttributes = attributes });

    /// <summary>Receives one message from <paramref name="queue"/>: a long poll the broker wakes when the message arrives.</summary>
    protected static async Task<ReceivedMessage> ReceiveOne(IMessageQueue queue)
    {
        var request = new ReceiveRequest { WaitTime = TimeSpan.FromSeconds(20), MessageAttributeNames = ["All"] };
        var received = await queue.ReceiveAsync(request).AsTask().WaitAsync(TestHost.Bound);
        return Assert.Single(received);
    }
}
