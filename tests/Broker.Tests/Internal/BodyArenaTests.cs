using System.Runtime.InteropServices;
using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.Tests.Internal;

public sealed class BodyArenaTests : QueueFixture
{
    [Fact]
    public void Small_bodies_are_copied_side_by_side_into_one_page()
    {
        var arena = new BodyArena();
        byte[] first = [1, 2, 3];
        byte[] second = [4, 5];

        var a = arena.Copy(first);
        var b = arena.Copy(second);

        Assert.True(MemoryMarshal.TryGetArray(a, out var pageA));
        Assert.True(MemoryMarshal.TryGetArray(b, out var pageB));
        Assert.Same(pageA.Array, pageB.Array);
        Assert.Equal(pageA.Offset + first.Length, pageB.Offset);
        Assert.Equal(first, a.ToArray());
        Assert.Equal(second, b.ToArray());

        first[0] = 99; // the copy is the arena's, not the caller's
        Assert.Equal(1, a.Span[0]);
    }

    [Fact]
    public void A_body_over_the_pooled_size_gets_an_array_of_its_own()
    {
        var arena = new BodyArena();
        var large = Enumerable.Range(0, BodyArena.MaxPooledBody + 1).Select(i => (byte)i).ToArray();

        var copy = arena.Copy(large);

        Assert.True(MemoryMarshal.TryGetArray(copy, out var segment));
        Assert.Equal((0, large.Length), (segment.Offset, segment.Array!.Length));
        Assert.NotSame(large, segment.Array);
        Assert.Equal(large, copy.ToArray());
    }

    [Fact]
    public void Pages_start_small_and_double_up_to_the_largest_size()
    {
        var arena = new BodyArena();
        var body = new byte[BodyArena.MaxPooledBody];
        var pages = new List<byte[]>();
        for (var i = 0; i < 200; i++)
        {
            Assert.True(MemoryMarshal.TryGetArray(arena.Copy(body), out var segment));
            if (pages.Count == 0 || !ReferenceEquals(pages[^1], segment.Array))
            {
                pages.Add(segment.Array!);
            }
        }

        var sizes = pages.Select(p => p.Length).ToArray();
        Assert.Equal([BodyArena.MinPageSize, 1024, 2048, BodyArena.MaxPageSize], sizes[..4]);
        Assert.All(sizes[4..], size => Assert.Equal(BodyArena.MaxPageSize, size));
    }

    [Fact]
    public async Task Concurrent_copies_never_overlap()
    {
        const int Writers = 4;
        const int PerWriter = 20_000;
        var arena = new BodyArena();
        var copies = new ReadOnlyMemory<byte>[Writers][];
        using var start = new Barrier(Writers);
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Factory.StartNew(
            () =>
            {
                var mine = copies[w] = new ReadOnlyMemory<byte>[PerWriter];
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                for (var i = 0; i < PerWriter; i++)
                {
                    mine[i] = arena.Copy(BodyOf(w, i));
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));

        for (var w = 0; w < Writers; w++)
        {
            for (var i = 0; i < PerWriter; i++)
            {
                Assert.True(BodyOf(w, i).AsSpan().SequenceEqual(copies[w][i].Span), $"writer {w}, copy {i} was overwritten");
            }
        }

        // 1 to 64 bytes each, filled with the writer's and the copy's numbers, so that any overlap shows.
        static byte[] BodyOf(int writer, int index)
        {
            var body = new byte[1 + ((writer * 31) + index) % 64];
            for (var k = 0; k < body.Length; k++)
            {
                body[k] = (byte)((writer * 64) + index + k);
            }

            return body;
        }
    }

    [Fact]
    public async Task A_dead_lettered_message_takes_its_body_out_of_the_source_queues_page()
    {
        // Otherwise a message left in the dead-letter queue for days would keep a page of the source queue alive.
        var dlq = Broker.CreateQueue("jobs-dlq");
        var source = Broker.CreateQueue("jobs", new QueueOptions { VisibilityTimeout = TimeSpan.Zero, RedrivePolicy = new RedrivePolicy("jobs-dlq", 1) });
        await source.SendAsync(new SendMessageRequest("abc"u8.ToArray()));
        var firstReceive = await source.ReceiveAsync(Take(1));
        Assert.Empty(await source.ReceiveAsync(Take(1))); // its second receive moves it
        await source.SendAsync(new SendMessageRequest("def"u8.ToArray())); // into the same page of the source queue
        var stillHere = await ReceiveOne(source);
        var moved = await ReceiveOne(dlq);

        Assert.Equal(firstReceive[0].MessageId, moved.MessageId);
        Assert.Equal("abc", moved.GetBodyAsString());
        Assert.True(MemoryMarshal.TryGetArray(stillHere.Body, out var sourcePage));
        Assert.True(MemoryMarshal.TryGetArray(moved.Body, out var movedPage));
        Assert.NotSame(sourcePage.Array, movedPage.Array);
    }
}
