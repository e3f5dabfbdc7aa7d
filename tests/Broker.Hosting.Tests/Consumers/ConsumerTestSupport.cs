using System.Collections.Concurrent;
using System.Text.Json;
using Broker.Hosting.Internal;
using Broker.Hosting.Serialization;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Hosting.Tests.Consumers;

/// <summary>The message type of the consumer tests.</summary>
public sealed record Job(string Name);

/// <summary>
/// A real generic host over a broker the test owns (on a fake clock), with the runtime registered as the contract says
/// (consumers never see AddBroker here) and the consumers the test adds. Waits are bounded by <see cref="Bound"/>.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private TestHost(IHost host) => Host = host;

    public IHost Host { get; }

    public IServiceProvider Services => Host.Services;

    /// <summary>Builds and starts a host.</summary>
    public static async Task<TestHost> StartNewAsync(MessageBroker broker, Action<IServiceCollection> configure)
    {
        var host = Create(broker, configure);
        await host.StartAsync();
        return host;
    }

    /// <summary>Builds a host without starting it (to attach metric collectors to its meter factory first).</summary>
    public static TestHost Create(MessageBroker broker, Action<IServiceCollection> configure) => new(Build(broker, configure));

    public Task StartAsync() => Host.StartAsync().WaitAsync(Bound);

    public static IHost Build(MessageBroker broker, Action<IServiceCollection> configure)
    {
        // DisableDefaults: no appsettings watchers (inotify instances are scarce when many hosts run in parallel).
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(new BrokerRuntime(broker, new SystemTextJsonMessageSerializer()));
        configure(builder.Services);
        return builder.Build();
    }

    /// <summary>The running consumer of <paramref name="queue"/>.</summary>
    public ConsumerState Consumer(string queue) =>
        Services.GetRequiredService<ConsumerRegistry>().Find("queue", queue) ?? throw new InvalidOperationException($"No consumer on '{queue}'.");

    public Task StopAsync(CancellationToken cancellationToken = default) => Host.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync().WaitAsync(Bound);
        }
        finally
        {
            Host.Dispose();
        }
    }
}

/// <summary>What the test's handlers do and record; one per test, registered as a singleton.</summary>
internal sealed class Probe
{
    public Func<Job, MessageContext, CancellationToken, ValueTask> OnHandle { get; set; } = (_, _, _) => default;

    public Func<IReadOnlyList<BatchItem<Job>>, CancellationToken, ValueTask<BatchHandlerResult>> OnBatch { get; set; } =
        (_, _) => ValueTask.FromResult(BatchHandlerResult.Success);

    /// <summary>Every invocation, in order: the job and its context.</summary>
    public ConcurrentQueue<(Job Job, MessageContext Context)> Calls { get; } = new();

    public ConcurrentQueue<IReadOnlyList<BatchItem<Job>>> Batches { get; } = new();

    /// <summary>Jobs whose handler returned.</summary>
    public ConcurrentQueue<string> Completed { get; } = new();
}

internal sealed class ProbeHandler(Probe probe) : IMessageHandler<Job>
{
    public async ValueTask HandleAsync(Job message, MessageContext context, CancellationToken cancellationToken)
    {
        probe.Calls.Enqueue((message, context));
        await probe.OnHandle(message, context, cancellationToken);
        probe.Completed.Enqueue(message.Name);
    }
}

internal sealed class ProbeBatchHandler(Probe probe) : IBatchMessageHandler<Job>
{
    public ValueTask<BatchHandlerResult> HandleAsync(IReadOnlyList<BatchItem<Job>> messages, CancellationToken cancellationToken)
    {
        probe.Batches.Enqueue(messages);
        return probe.OnBatch(messages, cancellationToken);
    }
}

internal static class TestMessages
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static MessageBroker NewBroker(out FakeTimeProvider time)
    {
        time = new FakeTimeProvider();
        return new MessageBroker(new BrokerOptions(), time);
    }

    public static async Task<string> SendJobAsync(this IMessageQueue queue, string name, IReadOnlyDictionary<string, MessageAttributeValue>? attributes = null)
    {
        var sent = await queue.SendAsync(new SendMessageRequest(JsonSerializer.Serialize(new Job(name), Web)) { MessageAttributes = attributes });
        return sent.MessageId;
    }

    /// <summary>
    /// Waits, bounded, until <paramref name="condition"/> holds. It is evaluated at each change of the consumer's state,
    /// so whatever else it reads must happen before a state change (a handler's effects come before its worker's next receive).
    /// </summary>
    public static async Task WaitUntilAsync(this ConsumerState state, Func<ConsumerState, bool> condition)
    {
        using var bound = new CancellationTokenSource(TestHost.Bound);
        while (true)
        {
            var next = state.NextChange();
            if (condition(state))
            {
                return;
            }

            await next.WaitAsync(bound.Token);
        }
    }

    /// <summary>A long poll on a queue from the test, woken by the message's arrival (the fake clock never ends it).</summary>
    public static async Task<ReceivedMessage> ReceiveOneAsync(this IMessageQueue queue)
    {
        var got = await queue.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.FromSeconds(20), MessageSystemAttributeNames = ["All"] })
            .AsTask().WaitAsync(TestHost.Bound);
        return Assert.Single(got);
    }

    public static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static Task Bounded(this TaskCompletionSource signal) => signal.Task.WaitAsync(TestHost.Bound);

    public static Task<T> Bounded<T>(this TaskCompletionSource<T> signal) => signal.Task.WaitAsync(TestHost.Bound);

    public static (long Visible, long InFlight) Counts(this IMessageQueue queue)
    {
        var attributes = queue.GetAttributes();
        return (attributes.ApproximateNumberOfMessages, attributes.ApproximateNumberOfMessagesNotVisible);
    }
}
