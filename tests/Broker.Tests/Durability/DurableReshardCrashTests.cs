using System.Text;
using Broker.Durability;
using Broker.Streams;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Durability;

/// <summary>
/// A reshard and a crash: a split journals its shard table before a child shard can take a put, so a crash while the
/// table is being flushed can neither lose a put acknowledged meanwhile nor leave a record on a shard that never was.
/// </summary>
public sealed class DurableReshardCrashTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("broker-review-").FullName;
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        Directory.Delete(directory, recursive: true);
        if (Directory.Exists(directory + "-crash"))
        {
            Directory.Delete(directory + "-crash", recursive: true);
        }
    }

    [Fact]
    public async Task A_put_acknowledged_while_a_split_is_being_journaled_survives_a_crash()
    {
        using var disk = new SegmentDisk();
        var copy = directory + "-crash";
        string acknowledged;
        var options = new BrokerOptions
        {
            Storage = new DurableStorage { Directory = directory, CreateSegment = p => new SegmentStream(p, disk) },
        };
        using (var broker = new MessageBroker(options, time))
        {
            var stream = broker.CreateStream("split", new StreamOptions { ShardCount = 1 });
            await stream.PutRecordAsync(new PutRecordRequest("k", "parent"u8.ToArray()));

            using var gate = new ManualResetEventSlim();
            disk.GatedPaths = p => !p.Contains($"{Path.DirectorySeparatorChar}streams{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
            disk.FlushGate = gate; // the main journal's flushes wait; the stream journal's do not
            var split = Task.Run(() => stream.SplitShard("shardId-000000000000", "170141183460469231731687303715884105728"));
            Assert.True(await disk.FlushWaiting.WaitAsync(TimeSpan.FromSeconds(30)));

            var put = await stream.PutRecordAsync(new PutRecordRequest("k", "child"u8.ToArray()) { ExplicitHashKey = "340282366920938463463374607431768211455" });
            acknowledged = put.SequenceNumber;

            Crashes.CopyJournalAsFlushed(directory, copy, disk);

            gate.Set();
            disk.FlushGate = null;
            await split.WaitAsync(TimeSpan.FromSeconds(30));
        }

        using var recovered = new MessageBroker(new BrokerOptions { Storage = new DurableStorage { Directory = copy } }, time);
        var restored = recovered.GetStream("split");
        var read = new List<string>();
        foreach (var shard in restored.ListShards())
        {
            var page = await restored.GetRecordsAsync(restored.GetShardIterator(shard.ShardId, ShardIteratorType.TrimHorizon));
            read.AddRange(page.Records.Select(r => r.SequenceNumber + "=" + Encoding.UTF8.GetString(r.Data.Span)));
        }

        Assert.Contains(acknowledged + "=child", read);
    }

    [Fact]
    public async Task A_split_lost_in_a_crash_leaves_no_record_for_a_later_split_of_the_same_shard_index()
    {
        using var disk = new SegmentDisk();
        var copy = directory + "-crash";
        var options = new BrokerOptions
        {
            Storage = new DurableStorage { Directory = directory, CreateSegment = p => new SegmentStream(p, disk) },
        };
        using (var broker = new MessageBroker(options, time))
        {
            var stream = broker.CreateStream("split", new StreamOptions { ShardCount = 1 });
            using var gate = new ManualResetEventSlim();
            disk.GatedPaths = p => !p.Contains($"{Path.DirectorySeparatorChar}streams{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
            disk.FlushGate = gate;
            var split = Task.Run(() => stream.SplitShard("shardId-000000000000", "170141183460469231731687303715884105728"));
            Assert.True(await disk.FlushWaiting.WaitAsync(TimeSpan.FromSeconds(30)));
            await stream.PutRecordAsync(new PutRecordRequest("k", "ghost"u8.ToArray()) { ExplicitHashKey = "340282366920938463463374607431768211455" });
            Crashes.CopyJournalAsFlushed(directory, copy, disk);

            gate.Set();
            disk.FlushGate = null;
            await split.WaitAsync(TimeSpan.FromSeconds(30));
        }

        var copyOptions = new BrokerOptions { Storage = new DurableStorage { Directory = copy } };
        using (var recovered = new MessageBroker(copyOptions, time))
        {
            var stream = recovered.GetStream("split");
            stream.SplitShard("shardId-000000000000", "170141183460469231731687303715884105728"); // indices 1 and 2 again
        }

        using var again = new MessageBroker(copyOptions, time);
        var restored = again.GetStream("split");
        var page = await restored.GetRecordsAsync(restored.GetShardIterator("shardId-000000000002", ShardIteratorType.TrimHorizon));
        Assert.Empty(page.Records.Select(r => Encoding.UTF8.GetString(r.Data.Span))); // nobody put to the new shard 2
    }
}
