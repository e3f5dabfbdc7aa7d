// The smallest Worker Service with Broker: a queue and its dead-letter queue declared in appsettings.json, a hosted
// consumer that scales with the queue, and a producer. It sends the configured number of uploads, waits until the
// consumer has handled them all, prints a summary and stops.
//
//   dotnet run --project samples/WorkerService
using Broker.Hosting;
using Broker.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WorkerService;

// AppContext.BaseDirectory: appsettings.json is found wherever `dotnet run` is started from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

// One clock for the app and the broker (tests swap in a FakeTimeProvider, or use Broker.Testing's harness).
builder.Services.AddSingleton(TimeProvider.System);

// Queues (and topics, streams) from the "Broker" section; the consumer's options from the app's own section.
builder.Services.AddBroker(builder.Configuration.GetSection("Broker"));
builder.Services.AddQueueConsumer<MakeThumbnail, ThumbnailMaker>(
    "thumbnails", options => builder.Configuration.GetSection("Thumbnails:Consumer").Bind(options));
builder.Services.AddSingleton<Progress>();
builder.Services.AddHostedService<Uploader>();

await builder.Build().RunAsync();

namespace WorkerService
{
    /// <summary>The message: one uploaded image to make a thumbnail of.</summary>
    public sealed record MakeThumbnail(int UploadId, string Path, int Width);

    /// <summary>The handler, resolved from a new DI scope per message; returning deletes the message, throwing retries it.</summary>
    public sealed class ThumbnailMaker(Progress progress) : IMessageHandler<MakeThumbnail>
    {
        public ValueTask HandleAsync(MakeThumbnail message, MessageContext context, CancellationToken cancellationToken)
        {
            // The work itself would go here (read the image, scale it, store it).
            progress.Handled(message.Width);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Counts handled messages and signals when the expected number is reached.</summary>
    public sealed class Progress
    {
        private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int handled;
        private long pixels;

        public int Expected { get; set; }

        public int HandledCount => Volatile.Read(ref handled);

        public long Pixels => Interlocked.Read(ref pixels);

        public Task AllHandled => done.Task;

        public void Handled(int width)
        {
            Interlocked.Add(ref pixels, (long)width * width);
            if (Interlocked.Increment(ref handled) == Expected)
            {
                done.TrySetResult();
            }
        }
    }

    /// <summary>Source-generated log messages, as .NET recommends.</summary>
    internal static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Sent {Uploads} uploads; waiting for the consumer")]
        public static partial void Sent(ILogger logger, int uploads);
    }

    /// <summary>Sends the uploads through the typed queue, waits for the consumer, reports, and stops the application.</summary>
    public sealed class Uploader(
        [FromKeyedServices("thumbnails")] IQueue<MakeThumbnail> thumbnails,
        [FromKeyedServices("thumbnails-dlq")] IMessageQueue deadLetters,
        Progress progress,
        IConfiguration configuration,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILogger<Uploader> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var uploads = configuration.GetValue("Thumbnails:Uploads", 1000);
            progress.Expected = uploads;
            var started = time.GetTimestamp();
            for (var i = 0; i < uploads; i++)
            {
                await thumbnails.SendAsync(new MakeThumbnail(i, $"uploads/{i}.jpg", 160 + (i % 4 * 160)), stoppingToken);
            }

            Log.Sent(logger, uploads);
            await progress.AllHandled.WaitAsync(TimeSpan.FromMinutes(1), time, stoppingToken);

            var queue = thumbnails.Queue.GetAttributes();
            Console.WriteLine(
                $"Handled {progress.HandledCount} of {uploads} thumbnails ({progress.Pixels:N0} pixels) in {time.GetElapsedTime(started).TotalMilliseconds:F0} ms; "
                + $"queue '{thumbnails.Queue.Name}': {queue.ApproximateNumberOfMessages} waiting, {queue.ApproximateNumberOfMessagesNotVisible} in flight; "
                + $"dead-letter queue: {deadLetters.GetAttributes().ApproximateNumberOfMessages}.");
            lifetime.StopApplication();
        }
    }
}
