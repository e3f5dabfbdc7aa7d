using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Queues;
using Broker.Topics;

namespace Broker.Benchmarks.Topics;

/// <summary>
/// Publishes <see cref="MessageCount"/> messages to a topic with one unfiltered queue subscription while one consumer
/// receives (batches of 10, long polling), reads each body and deletes them, so the queue stays short. (An enveloped
/// delivery's envelope is written when its body is first read, so a consumer that reads is what measures all of it.) The baseline is an unbounded
/// <see cref="Channel{T}"/> with one writer and one reader moving the same messages. Each operation is one message.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class TopicPublishBenchmarks
{
    public const int MessageCount = 100_000;

    private static readonly string[] EntryIds = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    private static readonly ReceiveRequest Receive = new() { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(20) };

    private readonly string body = new('x', 64);
    private MessageBroker broker = null!;
    private ITopic envelopedTopic = null!;
    private ITopic rawTopic = null!;
    private IMessageQueue envelopedQueue = null!;
    private IMessageQueue rawQueue = null!;

    [GlobalSetup]
    public void Setup()
    {
        broker = new MessageBroker(new BrokerOptions(), TimeProvider.System);
        envelopedQueue = broker.CreateQueue("enveloped");
        rawQueue = broker.CreateQueue("raw");
        envelopedTopic = broker.CreateTopic("enveloped");
        rawTopic = broker.CreateTopic("raw");
        envelopedTopic.Subscribe(envelopedQueue);
        rawTopic.Subscribe(rawQueue, new SubscriptionOptions { RawMessageDelivery = true });
    }

    [GlobalCleanup]
    public void Cleanup() => broker.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = MessageCount)]
    public async Task Channel()
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < MessageCount; i++)
            {
                await channel.Writer.WriteAsync(body).ConfigureAwait(false);
            }
        });
        var consumer = Task.Run(async () =>
        {
            var count = 0;
            while (await channel.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out _))
                {
                    count++;
                }
            }

            return count;
        });
        await producer.ConfigureAwait(false);
        channel.Writer.Complete();
        Check(await consumer.ConfigureAwait(false));
    }

    /// <summary>Each queue message is SNS's JSON envelope, written per subscription.</summary>
    [Benchmark(OperationsPerInvoke = MessageCount)]
    public Task PublishEnveloped() => PublishThroughTopic(envelopedTopic, envelopedQueue);

    /// <summary>Raw delivery: the queue keeps the published body as it is.</summary>
    [Benchmark(OperationsPerInvoke = MessageCount)]
    public Task PublishRaw() => PublishThroughTopic(rawTopic, rawQueue);

    private async Task PublishThroughTopic(ITopic topic, IMessageQueue queue)
    {
        using var done = new CancellationTokenSource();
        var consumed = 0;
        long read = 0;
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < MessageCount; i++)
            {
                await topic.PublishAsync(new PublishRequest(body)).ConfigureAwait(false);
            }
        });
        var consumer = Task.Run(async () =>
        {
            var entries = new List<DeleteMessageBatchEntry>(10);
            try
            {
                while (true)
                {
                    var got = await queue.ReceiveAsync(Receive, done.Token).ConfigureAwait(false);
                    entries.Clear();
                    for (var i = 0; i < got.Count; i++)
                    {
                        read += got[i].Body.Span[0];
                        entries.Add(new DeleteMessageBatchEntry(EntryIds[i], got[i]));
                    }

                    await queue.DeleteBatchAsync(entries).ConfigureAwait(false);
                    if ((consumed += got.Count) >= MessageCount)
                    {
                        await done.CancelAsync().ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
            }
        });
        await producer.ConfigureAwait(false);
        await consumer.ConfigureAwait(false);
        Check(consumed);
        if (read == 0)
        {
            throw new InvalidOperationException("No body was read.");
        }
    }

    private static void Check(int moved)
    {
        if (moved != MessageCount)
        {
            throw new InvalidOperationException($"Moved {moved} messages instead of {MessageCount}.");
        }
    }
}
