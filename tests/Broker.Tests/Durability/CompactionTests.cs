using Broker.Durability;
using Broker.Durability.Internal;
using Broker.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Durability;

/// <summary>
/// Compaction of a durable broker's journal: the sealed segments become one snapshot of what they hold live, while
/// senders and consumers go on, so that disk use and recovery follow the live data; a crash at any step loses nothing.
/// </summary>
public sealed class CompactionTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("broker-compaction-").FullName;
    private readonly FakeTimeProvider time = new();

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task Compaction_leaves_one_snapshot_of_the_live_messages_with_their_receive_state()
    {
        List<string> kept;
        using (var broker = Open())
        {
            var queue = broker.CreateQueue("orders");
            await SendAsync(queue, 400);
            kept = await DeleteAllButAsync(queue, keep: 40);
            var before = JournalBytes();

            await broker.Store!.CompactAsync();

            Assert.Equal(1, broker.Store.Compactions);
            Assert.Null(broker.Store.CompactionError);
            Assert.Equal(2, SegmentFiles.List(directory).Count); // the snapshot and the active segment
            Assert.True(JournalBytes() < before / 4, $"{JournalBytes()} bytes after compaction, {before} before");
        }

        using var recovered = Open();
        var orders = recovered.GetQueue("orders");
        Assert.Equal(40, orders.GetAttributes().ApproximateNumberOfMessagesNotVisible); // their visibility change survived
        var all = await DrainAsync(orders);
        Assert.Equal(kept.Order(), all.Select(m => m.MessageId).Order());
        Assert.All(all, m => Assert.Equal(2, m.ApproximateReceiveCount));
    }

    [Fact]
    public async Task Sends_and_deletes_during_a_compaction_all_survive_it()
    {
        using (var broker = Open())
        {
            var queue = broker.CreateQueue("orders");
            await SendAsync(queue, 200);
            await DeleteAllButAsync(queue, keep: 100);
            var compaction = broker.Store!.CompactAsync();
            await SendAsync(queue, 50); // while it runs, or after: either way recorded after the seal
            await DeleteAllButAsync(queue, keep: 20);
            await compaction;
            Assert.Null(broker.Store.CompactionError);
        }

        using var recovered = Open();
        Assert.Equal(120, (await DrainAsync(recovered.GetQueue("orders"))).Count);
    }

    [Fact]
    public async Task Message_ids_are_never_reused_after_the_newest_message_was_deleted_and_the_journal_compacted()
    {
        string newestId;
        using (var broker = Open())
        {
            var queue = broker.CreateQueue("orders");
            await queue.SendAsync("kept");
            newestId = (await queue.SendAsync("deleted")).MessageId;
            var received = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 });
            await queue.DeleteAsync(received.Single(m => m.GetBodyAsString() == "deleted"));
            await broker.Store!.CompactAsync();
        }

        using var recovered = Open();
        var next = await recovered.GetQueue("orders").SendAsync("next");

        Assert.NotEqual(newestId, next.MessageId);
    }

    [Fact]
    public async Task A_crash_after_the_snapshot_replaced_the_last_segment_but_before_older_ones_were_deleted_recovers_the_same_state()
    {
        using (var broker = Open(segmentSize: 64 * 1024))
        {
            var queue = broker.CreateQueue("orders");
            await SendAsync(queue, 100, bodySize: 4000);
            await DeleteAllButAsync(queue, keep: 30);
        }

        var segments = SegmentFiles.List(directory);
        Assert.True(segments.Count > 3);
        var older = segments.Take(segments.Count - 1).Select(s => (s.Path, Bytes: File.ReadAllBytes(s.Path))).ToList();
        using (var broker = Open(segmentSize: 64 * 1024))
        {
            await broker.Store!.CompactAsync();
        }

        foreach (var (path, bytes) in older.Where(o => !File.Exists(o.Path)))
        {
            File.WriteAllBytes(path, bytes); // as if the crash came before these deletes
        }

        using var recovered = Open(segmentSize: 64 * 1024);
        Assert.Equal(30, (await DrainAsync(recovered.GetQueue("orders"))).Count);
    }

    [Fact]
    public async Task A_snapshot_a_crash_left_half_written_is_deleted_and_changes_nothing()
    {
        using (var broker = Open())
        {
            await SendAsync(broker.CreateQueue("orders"), 10);
        }

        var leftover = SegmentFiles.PathOf(directory, 1) + JournalCompactor.TemporarySuffix;
        File.WriteAllBytes(leftover, [1, 2, 3]);

        using var recovered = Open();

        Assert.False(File.Exists(leftover));
        Assert.Equal(10, (await DrainAsync(recovered.GetQueue("orders"))).Count);
    }

    [Fact]
    public async Task The_writer_starts_a_compaction_by_itself_once_enough_was_written_and_the_journal_stays_small()
    {
        using var broker = Open(segmentSize: 64 * 1024, compactAfterBytes: 256 * 1024);
        var queue = broker.CreateQueue("orders");
        for (var round = 0; round < 20; round++)
        {
            await SendAsync(queue, 100, bodySize: 800);
            await DeleteAllButAsync(queue, keep: 10);
        }

        await broker.Store!.CompactAsync(); // waits for one under way, or runs one more

        Assert.True(broker.Store.Compactions >= 2, $"{broker.Store.Compactions} compactions");
        Assert.True(JournalBytes() < 1200 * 1024, $"{JournalBytes()} bytes on disk for 200 live messages after about 2.4 MB written");
    }

    private MessageBroker Open(long segmentSize = 64L * 1024 * 1024, long compactAfterBytes = 64L * 1024 * 1024) => new(
        new BrokerOptions
        {
            PurgeCooldown = TimeSpan.Zero,
            Storage = new DurableStorage { Directory = directory, SegmentSize = segmentSize, CompactAfterBytes = compactAfterBytes },
        },
        time);

    /// <summary>The bytes the segments' records take (the active segment's file also holds the zeros reserved past them).</summary>
    private long JournalBytes() =>
        SegmentFiles.List(directory).Sum(s => SegmentScanner.Scan(s.Path, isLastSegment: true, static (_, _, _) => { }).ValidLength);

    private static async Task<List<string>> SendAsync(IMessageQueue queue, int count, int bodySize = 200)
    {
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add((await queue.SendAsync(new SendMessageRequest(new string('x', bodySize)))).MessageId);
        }

        return ids;
    }

    /// <summary>
    /// Receives everything visible and deletes all but <paramref name="keep"/>, which stay in flight for two hours
    /// (a visibility change); returns the ids kept.
    /// </summary>
    private static async Task<List<string>> DeleteAllButAsync(IMessageQueue queue, int keep)
    {
        var kept = new List<string>();
        while (await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, VisibilityTimeout = TimeSpan.FromHours(1) }) is { Count: > 0 } batch)
        {
            foreach (var message in batch)
            {
                if (kept.Count < keep)
                {
                    kept.Add(message.MessageId);
                    await queue.ChangeVisibilityAsync(message, TimeSpan.FromHours(2));
                }
                else
                {
                    await queue.DeleteAsync(message);
                }
            }
        }

        return kept;
    }

    private async Task<List<ReceivedMessage>> DrainAsync(IMessageQueue queue)
    {
        time.Advance(TimeSpan.FromHours(3)); // every kept message visible again
        var all = new List<ReceivedMessage>();
        while (await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, VisibilityTimeout = TimeSpan.FromHours(12) }) is { Count: > 0 } batch)
        {
            all.AddRange(batch);
        }

        return all;
    }
}
