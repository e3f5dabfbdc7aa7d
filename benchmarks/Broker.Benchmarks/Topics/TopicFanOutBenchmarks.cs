using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Queues;
using Broker.Topics;

namespace Broker.Benchmarks.Topics;

/// <summary>
/// Publish cost against the number of subscriptions: <see cref="Subscriptions"/> queue subscriptions, each with its own
/// distinct filter policy <c>{"customer":["c-&lt;i&gt;"]}</c>, and every publish carrying a <c>customer</c> attribute that
/// matches exactly one of them (round robin). One operation is one publish (validation, id, matching, one delivery into
/// a queue); the queues are purged between iterations. Compare the 10,000 case with the 10 case of the same run. The
/// baseline is the hand-rolled alternative: a <see cref="Dictionary{TKey, TValue}"/> from customer to an unbounded
/// <see cref="Channel{T}"/> per subscriber, each publish looked up by its attribute and written to its channel (one
/// exact-match rule per subscriber and nothing else of the filter language, no copy, no id).
/// </summary>
[Config(typeof(BenchmarkConfig))]
[WarmupCount(BenchmarkConfig.SingleInvocationWarmupCount)]
public class TopicFanOutBenchmarks
{
    public const int PublishCount = 100_000;

    private MessageBroker broker = null!;
    private ITopic topic = null!;
    private IMessageQueue[] queues = [];
    private PublishRequest[] requests = [];
    private PublishRequest[] unmatched = [];
    private Dictionary<string, Channel<string>> routes = [];

    /// <summary>Subscriptions on the topic, each with a distinct policy.</summary>
    [Params(10, 10_000)]
    public int Subscriptions { get; set; }

    /// <summary>Raw delivery (the body as published) or SNS's JSON envelope.</summary>
    [Params(false, true)]
    public bool Raw { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        broker = new MessageBroker(new BrokerOptions { PurgeCooldown = TimeSpan.Zero }, TimeProvider.System);
        topic = broker.CreateTopic("fan-out");
        queues = new IMessageQueue[Subscriptions];
        for (var i = 0; i < Subscriptions; i++)
        {
            queues[i] = broker.CreateQueue($"customer-{i}");
            topic.Subscribe(queues[i], new SubscriptionOptions { FilterPolicy = $$"""{"customer":["c-{{i}}"]}""", RawMessageDelivery = Raw });
        }

        routes = Enumerable.Range(0, Subscriptions).ToDictionary(static i => $"c-{i}", static _ => Channel.CreateUnbounded<string>());
        unmatched = new PublishRequest[1_024];
        for (var i = 0; i < unmatched.Length; i++)
        {
            unmatched[i] = new PublishRequest("{\"order\":42,\"total\":99.5}")
            {
                MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["customer"] = MessageAttributeValue.FromString($"nobody-{i}") },
            };
        }

        // A fixed set of requests, reused: what is measured is the broker's work, not building requests.
        requests = new PublishRequest[16_384];
        for (var i = 0; i < requests.Length; i++)
        {
            requests[i] = new PublishRequest("{\"order\":42,\"total\":99.5}")
            {
                MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["customer"] = MessageAttributeValue.FromString($"c-{i % Subscriptions}") },
            };
        }
    }

    /// <summary>
    /// The same publishes with a <c>customer</c> no policy names: validation, id and matching against every policy, no
    /// delivery. Isolates what the number of subscriptions costs the publish path from what a delivery into one of
    /// 10,000 cache-cold queues costs.
    /// </summary>
    [Benchmark(OperationsPerInvoke = PublishCount)]
    public async Task PublishMatchingNone()
    {
        for (var i = 0; i < PublishCount; i++)
        {
            await topic.PublishAsync(unmatched[i & 1_023]).ConfigureAwait(false);
        }
    }

    /// <summary>Checks every publish of the iteration was delivered into exactly one queue, then empties the queues.</summary>
    [IterationCleanup(Target = nameof(Publish))]
    public void CheckDeliveredAndPurge()
    {
        var held = Purge();
        if (held == 0 || held % PublishCount != 0)
        {
            throw new InvalidOperationException($"The queues held {held} messages, not a whole number of {PublishCount}-publish invocations.");
        }
    }

    /// <summary>Checks no publish was delivered.</summary>
    [IterationCleanup(Target = nameof(PublishMatchingNone))]
    public void CheckNothingDelivered()
    {
        var held = Purge();
        if (held != 0)
        {
            throw new InvalidOperationException($"The queues held {held} messages; no policy should have matched.");
        }
    }

    [IterationCleanup(Target = nameof(HandRolledRouting))]
    public void DrainRoutes()
    {
        foreach (var route in routes.Values)
        {
            while (route.Reader.TryRead(out _))
            {
            }
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PublishCount)]
    public void HandRolledRouting()
    {
        var routed = 0;
        for (var i = 0; i < PublishCount; i++)
        {
            var request = requests[i & 16_383];
            if (routes.TryGetValue(request.MessageAttributes!["customer"].StringValue!, out var route) && route.Writer.TryWrite(request.Message))
            {
                routed++;
            }
        }

        if (routed != PublishCount)
        {
            throw new InvalidOperationException($"Routed {routed} publishes instead of {PublishCount}.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => broker.Dispose();

    [Benchmark(OperationsPerInvoke = PublishCount)]
    public async Task Publish()
    {
        for (var i = 0; i < PublishCount; i++)
        {
            await topic.PublishAsync(requests[i & 16_383]).ConfigureAwait(false);
        }
    }

    private long Purge()
    {
        long held = 0;
        foreach (var queue in queues)
        {
            held += queue.GetAttributes().ApproximateNumberOfMessages;
            queue.PurgeAsync().AsTask().GetAwaiter().GetResult();
        }

        return held;
    }
}
