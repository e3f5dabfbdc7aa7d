using System.Collections.Concurrent;
using Broker.Queues;
using Broker.StressTests.Checking;
using Broker.StressTests.History;
using Broker.Topics;

namespace Broker.StressTests.Scenarios;

/// <summary>
/// Scenario (d): publishers on a topic that fans out to an unfiltered queue and a filtered one (raw delivery), with
/// crashing consumers on both; then a drain.
/// </summary>
internal sealed class TopicWorkload : IDisposable
{
    private const int Publishers = 2;
    private const int ConsumersPerQueue = 2;
    private static readonly TimeSpan Retention = TimeSpan.FromDays(14);

    private readonly StressClock clock = new(operationsPerStep: 16, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
    private readonly ITopic topic;
    private readonly IMessageQueue all;
    private readonly IMessageQueue hd;
    private readonly QueueRecorder allRecorder;
    private readonly QueueRecorder hdRecorder;
    private readonly ConcurrentQueue<PublishEvent> publishes = new();
    private readonly int seed;

    public TopicWorkload(int seed)
    {
        this.seed = seed;
        Broker = new MessageBroker(new BrokerOptions(), clock.Time);
        all = Broker.CreateQueue("uploads-all", new QueueOptions { MessageRetentionPeriod = Retention });
        hd = Broker.CreateQueue("uploads-hd", new QueueOptions { MessageRetentionPeriod = Retention });
        topic = Broker.CreateTopic("uploads");
        topic.Subscribe(all, new SubscriptionOptions { RawMessageDelivery = true });
        topic.Subscribe(hd, new SubscriptionOptions { RawMessageDelivery = true, FilterPolicy = """{"resolution":["720p","1080p"]}""" });
        allRecorder = new QueueRecorder(new QueueHistory(new QueueSetup(all.Name, null, int.MaxValue, false, Retention)), clock);
        hdRecorder = new QueueRecorder(new QueueHistory(new QueueSetup(hd.Name, null, int.MaxValue, false, Retention)), clock);
    }

    public MessageBroker Broker { get; }

    public StressClock Clock => clock;

    public void Dispose()
    {
        Broker.Dispose();
        clock.Dispose();
    }

    public async Task<(IReadOnlyList<PublishEvent> Publishes, QueueHistorySnapshot All, QueueHistorySnapshot Hd)> RunAsync(TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        using var clockStop = new CancellationTokenSource();
        var clockTask = Task.Run(() => clock.RunAsync(seed, clockStop.Token));
        var workers = new List<Task>();
        for (var p = 0; p < Publishers; p++)
        {
            var id = p;
            workers.Add(Task.Run(() => PublishAsync(id, new Random(seed + 100 + id), stop.Token)));
        }

        for (var c = 0; c < ConsumersPerQueue; c++)
        {
            var a = new Random(seed + 200 + c);
            var h = new Random(seed + 300 + c);
            workers.Add(Task.Run(() => ConsumeAsync(allRecorder, all, a, stop.Token)));
            workers.Add(Task.Run(() => ConsumeAsync(hdRecorder, hd, h, stop.Token)));
        }

        try
        {
            await Task.WhenAll(workers).WaitAsync(duration + TimeSpan.FromSeconds(60));
        }
        finally
        {
            await clockStop.CancelAsync();
            await clockTask;
        }

        // The drain: let every visibility run out, then receive and delete until both queues are empty.
        for (var round = 0; round < 10; round++)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            var any = false;
            foreach (var (recorder, queue) in new[] { (allRecorder, all), (hdRecorder, hd) })
            {
                for (var received = await recorder.ReceiveAsync(queue, 10, 1); received.Count > 0; received = await recorder.ReceiveAsync(queue, 10, 1))
                {
                    any = true;
                    foreach (var message in received)
                    {
                        await recorder.DeleteAsync(queue, message);
                    }
                }
            }

            if (!any)
            {
                break;
            }
        }

        return ([.. publishes], allRecorder.History.Snapshot(clock.Now), hdRecorder.History.Snapshot(clock.Now));
    }

    private async Task PublishAsync(int publisher, Random random, CancellationToken stop)
    {
        string[] resolutions = ["480p", "720p", "1080p"];
        var n = 0;
        var calls = 0;
        var paused = false;
        while (!stop.IsCancellationRequested)
        {
            if ((paused || ++calls % 8 == 0) && (paused = all.GetAttributes().ApproximateNumberOfMessages > 400))
            {
                await Task.Yield(); // a backlog, not a flood
                continue;
            }

            var resolution = resolutions[random.Next(resolutions.Length)];
            var body = $"p{publisher}-{n++}-{resolution}";
            var before = clock.Now;
            await topic.PublishAsync(new PublishRequest(body) { MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["resolution"] = MessageAttributeValue.FromString(resolution) } }, CancellationToken.None);
            publishes.Enqueue(new PublishEvent(body, resolution != "480p", new Stamp(before, clock.Now)));
            clock.Tick();
            await Task.Yield();
        }
    }

    private async Task ConsumeAsync(QueueRecorder recorder, IMessageQueue queue, Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var received = await recorder.ReceiveAsync(queue, random.Next(1, 11), random.Next(1, 5));
            clock.Tick();
            foreach (var message in received.Where(_ => random.NextDouble() >= 0.08)) // the rest: crashed, never deleted
            {
                await recorder.DeleteAsync(queue, message);
                clock.Tick();
            }

            await Task.Yield();
        }
    }
}
