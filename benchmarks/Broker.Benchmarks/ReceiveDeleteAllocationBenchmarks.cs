using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Broker.Queues;

namespace Broker.Benchmarks;

/// <summary>
/// Allocation per message on the consumer side, single-threaded: each operation moves a batch of 10 messages.
/// <see cref="SendBatch"/> alone is measured so that its share can be subtracted from <see cref="SendReceiveDeleteBatch"/>;
/// <see cref="ReceiveAndReturnBatch"/> receives 10 and hands them back with a zero visibility change, with no send at all.
/// The baseline writes and reads 10 items through an unbounded <see cref="Channel{T}"/>.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class ReceiveDeleteAllocationBenchmarks
{
    private static readonly string[] EntryIds = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    private static readonly ReceiveRequest Receive = new() { MaxNumberOfMessages = 10 };
    private int sendsSincePurge;

    private readonly byte[] payload = new byte[64];
    private readonly List<DeleteMessageBatchEntry> deletes = new(10);
    private readonly List<ChangeVisibilityBatchEntry> returns = new(10);
    private List<SendMessageBatchEntry> sends = null!;
    private Channel<byte[]> channel = null!;
    private MessageBroker broker = null!;
    private IMessageQueue queue = null!;
    private IMessageQueue parked = null!;
    private IMessageQueue sink = null!;

    [GlobalSetup]
    public void Setup()
    {
        channel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        broker = new MessageBroker(new BrokerOptions { PurgeCooldown = TimeSpan.Zero }, TimeProvider.System);
        queue = broker.CreateQueue("alloc");
        sink = broker.CreateQueue("sink");
        parked = broker.CreateQueue("parked");
        sends = EntryIds.Select(id => new SendMessageBatchEntry(id, "0123456789012345678901234567890123456789012345678901234567890123")).ToList();
        parked.SendBatchAsync(sends).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => broker.Dispose();

    [Benchmark(Baseline = true)]
    public int Channel()
    {
        for (var i = 0; i < 10; i++)
        {
            channel.Writer.TryWrite(payload);
        }

        var read = 0;
        while (channel.Reader.TryRead(out _))
        {
            read++;
        }

        return Checked(read);
    }

    [Benchmark]
    public async Task<int> SendBatch()
    {
        var result = await sink.SendBatchAsync(sends).ConfigureAwait(false);
        if (++sendsSincePurge == 100)
        {
            sendsSincePurge = 0;
            await sink.PurgeAsync().ConfigureAwait(false);
        }

        return Checked(result.Successful.Count);
    }

    [Benchmark]
    public async Task<int> SendReceiveDeleteBatch()
    {
        await queue.SendBatchAsync(sends).ConfigureAwait(false);
        var got = await queue.ReceiveAsync(Receive).ConfigureAwait(false);
        deletes.Clear();
        for (var i = 0; i < got.Count; i++)
        {
            deletes.Add(new DeleteMessageBatchEntry(EntryIds[i], got[i].ReceiptHandle));
        }

        var deleted = await queue.DeleteBatchAsync(deletes).ConfigureAwait(false);
        return Checked(deleted.Successful.Count);
    }

    [Benchmark]
    public async Task<int> ReceiveAndReturnBatch()
    {
        var got = await parked.ReceiveAsync(Receive).ConfigureAwait(false);
        returns.Clear();
        for (var i = 0; i < got.Count; i++)
        {
            returns.Add(new ChangeVisibilityBatchEntry(EntryIds[i], got[i].ReceiptHandle, TimeSpan.Zero));
        }

        var returned = await parked.ChangeVisibilityBatchAsync(returns).ConfigureAwait(false);
        return Checked(returned.Successful.Count);
    }

    private static int Checked(int done) =>
        done == 10 ? done : throw new InvalidOperationException($"{done} of the batch's 10 messages went through.");
}
