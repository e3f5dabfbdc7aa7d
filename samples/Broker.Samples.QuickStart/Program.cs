// A first look at Broker: a worker pool draining a queue the way it would drain Amazon SQS, in one process.
using Broker;
using Broker.Queues;

using var broker = new MessageBroker();
var jobs = broker.CreateQueue("video-jobs", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });

// Producers: one batch of ten jobs, and one job that waits two seconds before anyone may see it.
await jobs.SendBatchAsync(
    Enumerable.Range(1, 10)
        .Select(i => new SendMessageBatchEntry($"job{i}", $"transcode video {i}")
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["resolution"] = MessageAttributeValue.FromString(i % 2 == 0 ? "1080p" : "720p") },
        })
        .ToList());
await jobs.SendAsync(new SendMessageRequest("a late job") { DelaySeconds = 2 });

// Workers: long-poll, handle, delete. A message that is not deleted comes back after its visibility timeout.
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
var handled = 0;
var workers = Enumerable.Range(1, 3).Select(worker => Task.Run(async () =>
{
    var request = new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(5), MessageAttributeNames = ["All"] };
    while (Volatile.Read(ref handled) < 11 && !stop.IsCancellationRequested)
    {
        foreach (var message in await jobs.ReceiveAsync(request, stop.Token))
        {
            var resolution = message.MessageAttributes.TryGetValue("resolution", out var value) ? value.StringValue : "-";
            Console.WriteLine($"worker {worker}: {message.GetBodyAsString()} ({resolution}), receive #{message.ApproximateReceiveCount}");
            await jobs.DeleteAsync(message.ReceiptHandle);
            if (Interlocked.Increment(ref handled) == 11)
            {
                await stop.CancelAsync(); // every job is done: release the workers still long-polling
            }
        }
    }
}));

try
{
    await Task.WhenAll(workers);
}
catch (OperationCanceledException)
{
}

var attributes = jobs.GetAttributes();
Console.WriteLine($"handled {handled} jobs; left: {attributes.ApproximateNumberOfMessages} visible, {attributes.ApproximateNumberOfMessagesNotVisible} in flight, {attributes.ApproximateNumberOfMessagesDelayed} delayed");

// Fan-out: a topic delivers each upload to the queue whose filter policy matches, and to an in-process handler.
var uploaded = broker.CreateTopic("video-uploaded");
var hd = broker.CreateQueue("transcode-1080p");
uploaded.Subscribe(hd, new Broker.Topics.SubscriptionOptions { FilterPolicy = """{"resolution":["1080p"]}""", RawMessageDelivery = true });
var indexed = new TaskCompletionSource<string>();
uploaded.Subscribe((notification, _) =>
{
    indexed.TrySetResult(notification.Message);
    return ValueTask.CompletedTask;
});
foreach (var resolution in new[] { "720p", "1080p" })
{
    await uploaded.PublishAsync(new Broker.Topics.PublishRequest($"uploaded a {resolution} video")
    {
        MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["resolution"] = MessageAttributeValue.FromString(resolution) },
    });
}

var hdJobs = await hd.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 });
Console.WriteLine($"transcode-1080p got: {string.Join(", ", hdJobs.Select(m => m.GetBodyAsString()))}");
Console.WriteLine($"the handler got (first): {await indexed.Task.WaitAsync(TimeSpan.FromSeconds(5))}");
