using Broker.Queues;

namespace Broker.Tests.Queues;

/// <summary>The memory bar: at most 100 bytes of managed memory per queued message beyond its body.</summary>
[Collection(nameof(MeasuresTheWholeHeap))]
public sealed class MemoryFootprintTests : QueueFixture
{
    [Fact]
    public async Task A_million_queued_messages_cost_at_most_100_bytes_each_beyond_their_bodies()
    {
        const int Count = 1_000_000;
        const int BodyLength = 16;
        var queue = Broker.CreateQueue("deep");
        ReadOnlyMemory<byte> body = new byte[BodyLength];
        body.Span.ToArray().AsSpan().Fill((byte)'x');
        var request = new SendMessageRequest(Enumerable.Repeat((byte)'x', BodyLength).ToArray());

        // Warm the send path so that one-time allocations do not count.
        await queue.SendAsync(request);
        await queue.PurgeAsync();
        var before = GC.GetTotalMemory(forceFullCollection: true);

        for (var i = 0; i < Count; i++)
        {
            // The request's memory is the caller's, so the queue copies it: every message holds its own body array.
            await queue.SendAsync(request);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var beyondBody = ((after - before) / (double)Count) - BodyLength;
        Assert.Equal(Count, queue.GetAttributes().ApproximateNumberOfMessages);
        Assert.True(beyondBody <= 100, $"{beyondBody:F1} bytes per queued message beyond its {BodyLength}-byte body");
        GC.KeepAlive(queue);
    }
}

/// <summary>Runs alone: the measurement reads the whole process's heap, which parallel tests would disturb.</summary>
[CollectionDefinition(nameof(MeasuresTheWholeHeap), DisableParallelization = true)]
public sealed class MeasuresTheWholeHeap
{
}
