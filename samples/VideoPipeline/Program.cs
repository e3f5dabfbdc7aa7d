// Why queues and fan-out decouple an application: a video site. Each upload is published once to the "uploads" topic,
// which fans out to three transcoding queues by the uploader's plan (a message attribute): every upload gets 480p,
// pro and premium uploads 720p, premium uploads 1080p too. Three worker pools scale with their queue from zero; a
// corrupt upload fails, is retried, and ends in its queue's dead-letter queue; each finished rendition is announced
// on the "renditions" topic, where an in-process subscriber notifies the uploader. The output shows the queue depths
// and worker counts over time, then a summary.
//
//   dotnet run --project samples/VideoPipeline
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Broker.Hosting;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VideoPipeline;

const int Uploads = 300;
string[] plans = ["free", "pro", "premium"];
string[] renditions = ["480p", "720p", "1080p"];

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Logging.SetMinimumLevel(LogLevel.Critical); // the failing upload's retries would log errors; the table tells the story
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<Studio>();
builder.Services.AddBroker(broker =>
{
    foreach (var rendition in renditions)
    {
        broker.AddQueue($"transcode-{rendition}-dlq");
        broker.AddQueue($"transcode-{rendition}", new QueueOptions { RedrivePolicy = new RedrivePolicy($"transcode-{rendition}-dlq", 3) });
    }

    broker.AddTopic("uploads", topic => topic
        .SubscribeQueue("transcode-480p", rawMessageDelivery: true)
        .SubscribeQueue("transcode-720p", """{"plan":["pro","premium"]}""", rawMessageDelivery: true)
        .SubscribeQueue("transcode-1080p", """{"plan":["premium"]}""", rawMessageDelivery: true));
    broker.AddTopic("renditions");
});

// One worker pool per rendition: no worker while its queue is empty, up to 4 as the backlog grows.
foreach (var rendition in renditions)
{
    builder.Services.AddKeyedSingleton(rendition, (services, _) => new Transcoder(rendition, services.GetRequiredService<Studio>(),
        services.GetRequiredKeyedService<ITopic<RenditionReady>>("renditions"), services.GetRequiredService<TimeProvider>()));
}

builder.Services.AddQueueConsumer<VideoUploaded, Transcode480>("transcode-480p", Pool);
builder.Services.AddQueueConsumer<VideoUploaded, Transcode720>("transcode-720p", Pool);
builder.Services.AddQueueConsumer<VideoUploaded, Transcode1080>("transcode-1080p", Pool);
builder.Services.AddTopicSubscriber<RenditionReady, NotifyUploader>("renditions");

using var host = builder.Build();
using var workers = new WorkerGauge();
await host.StartAsync();

var uploads = host.Services.GetRequiredKeyedService<ITopic<VideoUploaded>>("uploads");
var studio = host.Services.GetRequiredService<Studio>();
var time = host.Services.GetRequiredService<TimeProvider>();
var queues = renditions.Select(r => host.Services.GetRequiredKeyedService<IMessageQueue>($"transcode-{r}")).ToArray();
var deadLetters = renditions.Select(r => host.Services.GetRequiredKeyedService<IMessageQueue>($"transcode-{r}-dlq")).ToArray();

var expected = 0;
for (var i = 0; i < Uploads; i++)
{
    var plan = plans[i % plans.Length];
    var corrupt = i == 44; // one broken premium upload: each of its three transcodes fails
    var wanted = Array.IndexOf(plans, plan) + 1;
    expected += corrupt ? 0 : wanted;
    await uploads.PublishAsync(
        new VideoUploaded(i, $"videos/{i}.mp4", corrupt),
        new PublishOptions { MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["plan"] = MessageAttributeValue.FromString(plan) } });
}

studio.Expect(expected, deadLettered: 3);
studio.CountDeadLettersWith(() => deadLetters.Sum(q => q.GetAttributes().ApproximateNumberOfMessages));
Console.WriteLine($"published {Uploads} uploads ({expected} renditions to make, 1 corrupt upload)");
Console.WriteLine("  time  | depth 480p 720p 1080p | workers 480p 720p 1080p | announced | dead-lettered");
var started = time.GetTimestamp();
bool Idle() => renditions.All(r => workers.Of($"transcode-{r}") == 0);
while (!(studio.Finished && Idle()) && time.GetElapsedTime(started) < TimeSpan.FromMinutes(1))
{
    Report();
    await Task.Delay(TimeSpan.FromMilliseconds(150), time);
}

Report();
Console.WriteLine(studio.Summary(time.GetElapsedTime(started), deadLetters.Sum(q => q.GetAttributes().ApproximateNumberOfMessages)));
await host.StopAsync();
return studio.Finished && Idle() ? 0 : 1;

void Report()
{
    var depth = queues.Select(q => q.GetAttributes()).Select(a => a.ApproximateNumberOfMessages + a.ApproximateNumberOfMessagesNotVisible).ToArray();
    var running = renditions.Select(r => workers.Of($"transcode-{r}")).ToArray();
    var dead = deadLetters.Sum(q => q.GetAttributes().ApproximateNumberOfMessages);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{time.GetElapsedTime(started).TotalSeconds,6:F2}s |      {depth[0],4} {depth[1],4} {depth[2],5} |        {running[0],4} {running[1],4} {running[2],5} | {studio.Announced,9} | {dead,13}"));
}

static void Pool(QueueConsumerOptions options)
{
    options.MinConcurrency = 0;
    options.MaxConcurrency = 4;
    options.ScaleUpBacklogPerWorker = 10;
    options.WaitTime = TimeSpan.FromSeconds(1); // a worker whose long poll comes back empty retires (down to MinConcurrency)
    options.RetryDelay = _ => TimeSpan.Zero; // a failed transcode is retried at once; the queue's redrive policy ends it
}

namespace VideoPipeline
{
    /// <summary>An upload, as published to the "uploads" topic.</summary>
    public sealed record VideoUploaded(int VideoId, string Path, bool Corrupt);

    /// <summary>A finished rendition, announced on the "renditions" topic.</summary>
    public sealed record RenditionReady(int VideoId, string Rendition, string Path);

    /// <summary>Makes one rendition: the work takes longer the higher the resolution; a corrupt file fails.</summary>
    public sealed class Transcoder(string rendition, Studio studio, ITopic<RenditionReady> announcements, TimeProvider time)
    {
        public async ValueTask TranscodeAsync(VideoUploaded upload, CancellationToken cancellationToken)
        {
            if (upload.Corrupt)
            {
                throw new InvalidDataException($"{upload.Path} is not a video.");
            }

            var milliseconds = rendition switch { "480p" => 2, "720p" => 4, _ => 8 };
            await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), time, cancellationToken);
            studio.Made();
            await announcements.PublishAsync(new RenditionReady(upload.VideoId, rendition, $"renditions/{upload.VideoId}-{rendition}.mp4"), cancellationToken);
        }
    }

    public sealed class Transcode480([FromKeyedServices("480p")] Transcoder transcoder) : IMessageHandler<VideoUploaded>
    {
        public ValueTask HandleAsync(VideoUploaded message, MessageContext context, CancellationToken cancellationToken) => transcoder.TranscodeAsync(message, cancellationToken);
    }

    public sealed class Transcode720([FromKeyedServices("720p")] Transcoder transcoder) : IMessageHandler<VideoUploaded>
    {
        public ValueTask HandleAsync(VideoUploaded message, MessageContext context, CancellationToken cancellationToken) => transcoder.TranscodeAsync(message, cancellationToken);
    }

    public sealed class Transcode1080([FromKeyedServices("1080p")] Transcoder transcoder) : IMessageHandler<VideoUploaded>
    {
        public ValueTask HandleAsync(VideoUploaded message, MessageContext context, CancellationToken cancellationToken) => transcoder.TranscodeAsync(message, cancellationToken);
    }

    /// <summary>The in-process subscriber of "renditions": tells the uploader (here, counts).</summary>
    public sealed class NotifyUploader(Studio studio) : IMessageHandler<RenditionReady>
    {
        public ValueTask HandleAsync(RenditionReady message, MessageContext context, CancellationToken cancellationToken)
        {
            studio.Announce();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>What was made, announced and dead-lettered.</summary>
    public sealed class Studio
    {
        private int made;
        private int announced;
        private int expected = int.MaxValue;
        private int expectedDeadLetters;
        private Func<long>? deadLetters;

        public int Announced => Volatile.Read(ref announced);

        public bool Finished => Announced >= Volatile.Read(ref expected) && (deadLetters?.Invoke() ?? 0) >= expectedDeadLetters;

        public void Expect(int renditions, int deadLettered)
        {
            Volatile.Write(ref expected, renditions);
            expectedDeadLetters = deadLettered;
        }

        public void CountDeadLettersWith(Func<long> count) => deadLetters = count;

        public void Made() => Interlocked.Increment(ref made);

        public void Announce() => Interlocked.Increment(ref announced);

        public string Summary(TimeSpan elapsed, long deadLettered) => string.Create(CultureInfo.InvariantCulture,
            $"made {Volatile.Read(ref made)} renditions, announced {Announced}, dead-lettered {deadLettered} (the corrupt upload's, after 3 tries each); every pool back to 0 workers a second after its queue emptied; {elapsed.TotalSeconds:F1} s in all.");
    }

    /// <summary>Reads the consumers' worker counts from the Broker meter's <c>broker.consumer.concurrency</c>.</summary>
    public sealed class WorkerGauge : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly ConcurrentDictionary<string, long> workers = new(StringComparer.Ordinal);

        public WorkerGauge()
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Broker" && instrument.Name == "broker.consumer.concurrency")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, delta, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "consumer" && tag.Value is string consumer)
                    {
                        workers.AddOrUpdate(consumer, delta, (_, current) => current + delta);
                    }
                }
            });
            listener.Start();
        }

        public long Of(string consumer) => workers.TryGetValue(consumer, out var count) ? count : 0;

        public void Dispose() => listener.Dispose();
    }
}
