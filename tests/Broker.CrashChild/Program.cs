// A durable broker under load, to be killed at any moment. Producers send unique bodies to a standard queue and to a
// FIFO queue (four groups), and consumers receive and delete them; every line on stdout is written after the fact it states:
//   S <body>   the send of <body> was acknowledged
//   d <body>   a consumer is about to delete <body> (it may or may not be deleted if the process dies now)
//   D <body>   the delete of <body> was acknowledged
//   P <body> <sequence number>   the put of <body> to the stream was acknowledged, at that sequence number
//   K <counter> <checkpoint>      the lease "cp" of application "crash" was updated to that checkpoint, that counter
// The journal's segments are small and compacted often, so kills also land in the middle of compactions and, in the
// stream's own journal, of segment rolls.
// Usage: Broker.CrashChild <journal directory> <run number> <producers> <consumers> <policy: Always, Batched or None>
// Always and None promise that a process crash loses nothing acknowledged; Batched that it loses only the latest calls.
using System.Globalization;
using Broker;
using Broker.Durability;
using Broker.Durability.Internal;
using Broker.Queues;
using Broker.Streams;
using Broker.Streams.Processing;

var directory = args[0];
var run = int.Parse(args[1], CultureInfo.InvariantCulture);
var producers = int.Parse(args[2], CultureInfo.InvariantCulture);
var consumers = int.Parse(args[3], CultureInfo.InvariantCulture);
var policy = Enum.Parse<DurabilityPolicy>(args[4]);

using var broker = new MessageBroker(new BrokerOptions
{
    Storage = new DurableStorage { Directory = directory, Policy = policy, SegmentSize = 64 * 1024, CompactAfterBytes = 256 * 1024 },
});
var queue = broker.TryGetQueue("work", out var existing)
    ? existing!
    : broker.CreateQueue("work", new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) });
var fifo = broker.TryGetQueue("work.fifo", out var existingFifo)
    ? existingFifo!
    : broker.CreateQueue("work.fifo", new QueueOptions { FifoQueue = true, VisibilityTimeout = TimeSpan.FromSeconds(30) });
var stream = broker.TryGetStream("events", out var existingStream)
    ? existingStream!
    : broker.CreateStream("events", new StreamOptions { ShardCount = 2 });
var output = TextWriter.Synchronized(Console.Out);
output.WriteLine($"READY {queue.GetAttributes().ApproximateNumberOfMessages} {broker.Recovery!.Segments}");

var tasks = new List<Task>();
for (var p = 0; p < producers; p++)
{
    var producer = p;
    tasks.Add(Task.Run(async () =>
    {
        for (var n = 0; ; n++)
        {
            var body = $"r{run}-p{producer}-{n}";
            await queue.SendAsync(body);
            output.WriteLine($"S {body}");
            await Task.Yield(); // under Batched and None an append can complete at once: let the other tasks have the threads
        }
    }));
}

for (var c = 0; c < consumers; c++)
{
    tasks.Add(Task.Run(async () =>
    {
        while (true)
        {
            foreach (var message in await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(1) }))
            {
                var body = message.GetBodyAsString();
                output.WriteLine($"d {body}");
                await queue.DeleteAsync(message);
                output.WriteLine($"D {body}");
            }
        }
    }));
}

// FIFO: one producer over four groups, one consumer; bodies are f<run>-g<group>-<n>, n increasing within a run.
tasks.Add(Task.Run(async () =>
{
    for (var n = 0; ; n++)
    {
        var body = $"f{run}-g{n % 4}-{n}";
        await fifo.SendAsync(new SendMessageRequest(body) { MessageGroupId = $"g{n % 4}", MessageDeduplicationId = body });
        output.WriteLine($"S {body}");
        await Task.Yield(); // under Batched and None an append can complete at once: let the other tasks have the threads
    }
}));
tasks.Add(Task.Run(async () =>
{
    while (true)
    {
        foreach (var message in await fifo.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(1) }))
        {
            var body = message.GetBodyAsString();
            output.WriteLine($"d {body}");
            await fifo.DeleteAsync(message);
            output.WriteLine($"D {body}");
        }
    }
}));

// The stream: two producers with a partition key per record, so both shards fill, concurrently.
for (var p = 0; p < 2; p++)
{
    var producer = p;
    tasks.Add(Task.Run(async () =>
    {
        for (var n = 0; ; n++)
        {
            var body = $"e{run}-s{producer}-{n}";
            var put = await stream.PutRecordAsync(new PutRecordRequest(body, System.Text.Encoding.UTF8.GetBytes(body)));
            output.WriteLine($"P {body} {put.SequenceNumber}");
            await Task.Yield(); // under Batched and None an append can complete at once: let the other tasks have the threads
        }
    }));
}

// A checkpointer: the broker's lease store, one lease updated again and again.
tasks.Add(Task.Run(async () =>
{
    var leases = broker.LeaseStore;
    await leases.CreateLeaseIfNotExistsAsync("crash", new Lease("cp"));
    for (var n = 0; ; n++)
    {
        var lease = (await leases.GetLeaseAsync("crash", "cp"))!;
        var updated = await leases.UpdateLeaseAsync("crash", lease with { Checkpoint = $"k{run}-{n}" });
        output.WriteLine($"K {updated!.LeaseCounter} {updated.Checkpoint}");
        await Task.Yield();
    }
}));

await Task.WhenAll(tasks); // runs until killed
