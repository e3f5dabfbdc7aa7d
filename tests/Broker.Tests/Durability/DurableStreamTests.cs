using System.Text;
using Broker.Durability;
using Broker.Durability.Internal;
using Broker.Streams;
using Broker.Streams.Internal;
using Broker.Streams.Processing;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Durability;

/// <summary>
/// A durable broker's streams come back after a restart: their records at their sequence numbers, shards and lineage,
/// settings, consumers and the lease table's checkpoints; retention deletes whole segments, and sequence numbers never
/// go back.
/// </summary>
public sealed class DurableStreamTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("broker-durable-streams-").FullName;
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task Records_come_back_at_their_sequence_numbers_with_keys_data_and_arrival_and_new_puts_follow_them()
    {
        var put = new List<(PutRecordResult Result, string Key, string Data, DateTimeOffset At)>();
        using (var broker = Open())
        {
            var stream = broker.CreateStream("clicks", new StreamOptions { ShardCount = 3 });
            for (var i = 0; i < 30; i++)
            {
                var key = $"user-{i % 7}";
                put.Add((await stream.PutRecordAsync(new PutRecordRequest(key, Encoding.UTF8.GetBytes($"click {i}"))), key, $"click {i}", time.GetUtcNow()));
                time.Advance(TimeSpan.FromMilliseconds(250));
            }

            var batch = await stream.PutRecordsAsync([new PutRecordsRequestEntry("user-1", "batched a"u8.ToArray()), new PutRecordsRequestEntry("user-2", "batched b"u8.ToArray())]);
            Assert.Equal(0, batch.FailedRecordCount);
        }

        using var recovered = Open();
        var restored = recovered.GetStream("clicks");
        Assert.Equal(3, restored.ListShards().Count);
        var read = await ReadAll(restored);
        Assert.Equal(32, read.Count);
        foreach (var (result, key, data, at) in put)
        {
            var record = Assert.Single(read, r => r.SequenceNumber == result.SequenceNumber);
            Assert.Equal(key, record.PartitionKey);
            Assert.Equal(data, Encoding.UTF8.GetString(record.Data.Span));
            Assert.Equal(at.ToUnixTimeMilliseconds(), record.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds());
        }

        // An iterator from a sequence number issued before the restart reads on from it.
        var first = put[0].Result;
        var iterator = restored.GetShardIterator(first.ShardId, ShardIteratorType.AfterSequenceNumber, first.SequenceNumber);
        var after = await restored.GetRecordsAsync(iterator);
        Assert.Equal(
            put.Where(p => p.Result.ShardId == first.ShardId).Skip(1).Select(p => p.Result.SequenceNumber),
            after.Records.Take(put.Count(p => p.Result.ShardId == first.ShardId) - 1).Select(r => r.SequenceNumber));

        // A new put on the same shard takes the next sequence number, after every one issued before.
        var next = await restored.PutRecordAsync(new PutRecordRequest("user-0", "after restart"u8.ToArray()));
        var before = put.Where(p => p.Result.ShardId == next.ShardId).Select(p => p.Result.SequenceNumber).Max(StringComparer.Ordinal)!;
        Assert.True(string.CompareOrdinal(next.SequenceNumber, before) > 0);
    }

    [Fact]
    public async Task Splits_and_merges_come_back_with_lineage_closed_ranges_and_child_shards_at_the_end_of_a_parent()
    {
        IReadOnlyList<Shard> shardsBefore;
        string parentLast;
        using (var broker = Open())
        {
            var stream = broker.CreateStream("orders", new StreamOptions { ShardCount = 2 });
            var shard0 = stream.ListShards()[0];
            for (var i = 0; i < 5; i++)
            {
                await stream.PutRecordAsync(new PutRecordRequest("k", "x"u8.ToArray()) { ExplicitHashKey = "1" });
            }

            parentLast = (await stream.PutRecordAsync(new PutRecordRequest("k", "last in parent"u8.ToArray()) { ExplicitHashKey = "1" })).SequenceNumber;
            stream.SplitShard(shard0.ShardId, "1000");
            stream.MergeShards("shardId-000000000002", "shardId-000000000003");
            stream.UpdateShardCount(4);
            await stream.PutRecordAsync(new PutRecordRequest("k", "in a child"u8.ToArray()) { ExplicitHashKey = "1" });
            shardsBefore = stream.ListShards();
        }

        using var recovered = Open();
        var restored = recovered.GetStream("orders");

        Assert.Equal(shardsBefore, restored.ListShards());
        Assert.Equal(4, restored.Describe().OpenShardCount);
        var iterator = restored.GetShardIterator("shardId-000000000000", ShardIteratorType.AtSequenceNumber, parentLast);
        var end = await restored.GetRecordsAsync(iterator);
        Assert.Equal("last in parent", Encoding.UTF8.GetString(Assert.Single(end.Records).Data.Span));
        Assert.Null(end.NextShardIterator);
        Assert.Equal(["shardId-000000000002", "shardId-000000000003"], end.ChildShards.Select(c => c.ShardId));
        var put = await restored.PutRecordAsync(new PutRecordRequest("k", "after"u8.ToArray()) { ExplicitHashKey = "1" });
        Assert.True(restored.ListShards().Single(s => s.ShardId == put.ShardId).SequenceNumberRange.EndingSequenceNumber is null);
    }

    [Fact]
    public void Retention_max_record_size_and_consumers_come_back_and_a_deleted_stream_does_not()
    {
        StreamConsumer consumer;
        using (var broker = Open())
        {
            var stream = broker.CreateStream("settings");
            stream.IncreaseRetentionPeriod(TimeSpan.FromHours(72));
            stream.DecreaseRetentionPeriod(TimeSpan.FromHours(48));
            stream.UpdateMaxRecordSize(2048);
            consumer = stream.RegisterConsumer("analytics");
            stream.RegisterConsumer("gone");
            stream.DeregisterConsumer("gone");
            broker.CreateStream("deleted");
            broker.DeleteStream("deleted");
        }

        using var recovered = Open();
        var restored = recovered.GetStream("settings");
        var description = restored.Describe();
        Assert.Equal(TimeSpan.FromHours(48), description.RetentionPeriod);
        Assert.Equal(2048, description.MaxRecordSizeInKiB);
        Assert.Equal([consumer], restored.ListConsumers());
        Assert.False(recovered.TryGetStream("deleted", out _));
        Assert.Single(Directory.GetDirectories(Path.Combine(directory, "streams")));
    }

    [Fact]
    public async Task A_scratch_stream_is_never_journaled_and_is_gone_after_a_restart_while_a_durable_one_beside_it_comes_back()
    {
        using (var broker = Open())
        {
            var scratch = broker.CreateStream("scratch", new StreamOptions { ShardCount = 1, Durable = false });
            await scratch.PutRecordAsync(new PutRecordRequest("k", "scratch-record"u8.ToArray()));
            scratch.SplitShard("shardId-000000000000", "1000");
            scratch.RegisterConsumer("reader");
            Assert.Null(((DataStream)scratch).Journal);
            await broker.CreateStream("kept", new StreamOptions { ShardCount = 1 }).PutRecordAsync(new PutRecordRequest("k", "kept-record"u8.ToArray()));
        }

        var journaled = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).ToList();
        Assert.DoesNotContain(journaled, bytes => bytes.AsSpan().IndexOf("scratch"u8) >= 0);
        Assert.Contains(journaled, bytes => bytes.AsSpan().IndexOf("kept-record"u8) >= 0);

        using var recovered = Open();
        Assert.Equal(["kept"], recovered.ListStreams().Select(s => s.Name));
        Assert.Equal(1, recovered.Recovery!.Streams);
        Assert.Equal(1, recovered.Recovery.StreamRecords);
        Assert.Equal(2, recovered.Recovery.Segments); // the broker's journal and the stream's own
    }

    [Fact]
    public async Task A_stream_created_again_after_its_deletion_starts_empty_after_a_restart()
    {
        using (var broker = Open())
        {
            await broker.CreateStream("reused", new StreamOptions { ShardCount = 1 }).PutRecordAsync(new PutRecordRequest("k", "old"u8.ToArray()));
            broker.DeleteStream("reused");
            await broker.CreateStream("reused", new StreamOptions { ShardCount = 1 }).PutRecordAsync(new PutRecordRequest("k", "new"u8.ToArray()));
        }

        using var recovered = Open();
        var read = await ReadAll(recovered.GetStream("reused"));
        Assert.Equal(["new"], read.Select(r => Encoding.UTF8.GetString(r.Data.Span)));
    }

    [Fact]
    public async Task Retention_deletes_whole_expired_segments_and_sequence_numbers_never_go_back()
    {
        var lastBefore = string.Empty;
        using (var broker = Open(segmentSize: 4096))
        {
            var stream = broker.CreateStream("telemetry", new StreamOptions { ShardCount = 1 });
            for (var i = 0; i < 200; i++)
            {
                lastBefore = (await stream.PutRecordAsync(new PutRecordRequest("sensor", new byte[100]))).SequenceNumber;
            }

            var journal = ((DataStream)stream).Journal!;
            var full = journal.SegmentCount;
            Assert.True(full >= 5, $"{full} segments");

            time.Advance(TimeSpan.FromHours(25)); // every record so far has expired
            for (var i = 0; i < 40; i++)
            {
                await stream.PutRecordAsync(new PutRecordRequest("sensor", new byte[100]));
            }

            Assert.True(journal.SegmentCount < 5, $"{journal.SegmentCount} of {full} segments left");
            lastBefore = (await stream.PutRecordAsync(new PutRecordRequest("sensor", new byte[100]))).SequenceNumber;
        }

        time.Advance(TimeSpan.FromHours(25)); // and now every record has
        using (var broker = Open(segmentSize: 4096))
        {
            var stream = broker.GetStream("telemetry");
            Assert.Empty(await ReadAll(stream));
            var next = await stream.PutRecordAsync(new PutRecordRequest("sensor", new byte[100]));
            Assert.True(string.CompareOrdinal(next.SequenceNumber, lastBefore) > 0, $"{next.SequenceNumber} after {lastBefore}");
        }

        // Even once retention has deleted every segment that held a record, the next number is past all of them.
        time.Advance(TimeSpan.FromHours(25));
        using var last = Open(segmentSize: 4096);
        Assert.Single(Directory.GetFiles(((DataStream)last.GetStream("telemetry")).Journal!.Directory));
        var after = await last.GetStream("telemetry").PutRecordAsync(new PutRecordRequest("sensor", new byte[100]));
        Assert.True(string.CompareOrdinal(after.SequenceNumber, lastBefore) > 0);
    }

    [Fact]
    public async Task A_shard_whose_every_segment_retention_deleted_keeps_its_numbering_after_a_restart()
    {
        // Shard 0 gets records, then only shard 1 does, until retention has deleted every segment that held shard 0's.
        string lastOfShard0 = string.Empty;
        using (var broker = Open(segmentSize: 4096))
        {
            var stream = broker.CreateStream("uneven", new StreamOptions { ShardCount = 2 });
            for (var i = 0; i < 60; i++)
            {
                lastOfShard0 = (await stream.PutRecordAsync(new PutRecordRequest("k", new byte[100]) { ExplicitHashKey = "1" })).SequenceNumber;
            }

            for (var day = 0; day < 3; day++)
            {
                time.Advance(TimeSpan.FromHours(25));
                for (var i = 0; i < 60; i++)
                {
                    await stream.PutRecordAsync(new PutRecordRequest("k", new byte[100]) { ExplicitHashKey = "340282366920938463463374607431768211455" });
                }
            }

            Assert.DoesNotContain(await ReadAll(stream), r => r.SequenceNumber.StartsWith(SequenceNumbers.Format(0, 0)[..13], StringComparison.Ordinal));
        }

        using var recovered = Open(segmentSize: 4096);
        var next = await recovered.GetStream("uneven").PutRecordAsync(new PutRecordRequest("k", new byte[100]) { ExplicitHashKey = "1" });
        Assert.True(string.CompareOrdinal(next.SequenceNumber, lastOfShard0) > 0, $"{next.SequenceNumber} after {lastOfShard0}");
    }

    [Fact]
    public async Task Records_trimmed_under_a_shorter_retention_stay_gone_after_it_is_increased_and_the_broker_restarts()
    {
        using (var broker = Open())
        {
            var stream = broker.CreateStream("short", new StreamOptions { ShardCount = 1 });
            await stream.PutRecordAsync(new PutRecordRequest("k", "expired"u8.ToArray()));
            time.Advance(TimeSpan.FromHours(30));
            stream.IncreaseRetentionPeriod(TimeSpan.FromHours(48));
            await stream.PutRecordAsync(new PutRecordRequest("k", "kept"u8.ToArray()));
            Assert.Equal(["kept"], (await ReadAll(stream)).Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        }

        using var recovered = Open();
        Assert.Equal(["kept"], (await ReadAll(recovered.GetStream("short"))).Select(r => Encoding.UTF8.GetString(r.Data.Span)));
    }

    [Fact]
    public async Task A_position_whose_put_was_lost_in_a_crash_is_skipped_and_the_numbers_around_it_keep_their_meaning()
    {
        // Concurrent puts reach the journal out of position order: a crash can keep position 2 and lose position 1.
        int streamId;
        using (var broker = Open())
        {
            streamId = ((DataStream)broker.CreateStream("gappy", new StreamOptions { ShardCount = 1 })).StreamId;
        }

        var streamDirectory = StreamJournal.DirectoryOf(directory, streamId);
        var lastSegment = Directory.GetFiles(streamDirectory).Length;
        await using (var writer = JournalWriter.Start(new JournalWriterOptions { Directory = streamDirectory }, lastSegment + 1))
        {
            var arrival = time.GetUtcNow().ToUnixTimeMilliseconds();
            await AppendPut(writer, new PutEntry(0, 0, arrival, "k", "zero"u8.ToArray()));
            await AppendPut(writer, new PutEntry(0, 2, arrival, "k", "two"u8.ToArray()));
        }

        using var recovered = Open();
        var stream = recovered.GetStream("gappy");
        var read = await ReadAll(stream);
        Assert.Equal([SequenceNumbers.Format(0, 0), SequenceNumbers.Format(0, 2)], read.Select(r => r.SequenceNumber));
        Assert.Equal(["zero", "two"], read.Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        var next = await stream.PutRecordAsync(new PutRecordRequest("k", "three"u8.ToArray()));
        Assert.Equal(SequenceNumbers.Format(0, 3), next.SequenceNumber);
        var afterGap = stream.GetShardIterator("shardId-000000000000", ShardIteratorType.AtSequenceNumber, SequenceNumbers.Format(0, 1));
        Assert.Equal(["two", "three"], (await stream.GetRecordsAsync(afterGap)).Records.Select(r => Encoding.UTF8.GetString(r.Data.Span)));
    }

    [Fact]
    public async Task A_stream_journal_with_a_torn_tail_is_cut_and_one_damaged_in_the_middle_stops_recovery_naming_the_file()
    {
        string segment;
        using (var broker = Open())
        {
            var stream = broker.CreateStream("damaged", new StreamOptions { ShardCount = 1 });
            for (var i = 0; i < 3; i++)
            {
                await stream.PutRecordAsync(new PutRecordRequest("k", Encoding.UTF8.GetBytes($"record {i}")));
            }

            segment = Directory.GetFiles(((DataStream)stream).Journal!.Directory).Single();
        }

        var intact = File.ReadAllBytes(segment);
        File.AppendAllText(segment, "half a record"); // a put the crash interrupted
        using (var cut = Open())
        {
            Assert.Contains(Path.GetFileName(segment), cut.Recovery!.CutTail, StringComparison.Ordinal);
            Assert.Equal(3, (await ReadAll(cut.GetStream("damaged"))).Count);
        }

        var damaged = (byte[])intact.Clone();
        damaged[intact.Length / 2] ^= 0x5A; // inside a record with good ones after it
        File.WriteAllBytes(segment, damaged);
        var refused = Assert.Throws<BrokerException>(() => Open());
        Assert.Equal(BrokerErrorCodes.InternalFailure, refused.ErrorCode);
        Assert.Contains(segment, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Records_of_a_shard_the_table_never_journaled_are_not_read_and_their_index_is_not_given_again()
    {
        // A power loss under Batched can keep a child shard's record and lose the split that made the child.
        int streamId;
        using (var broker = Open())
        {
            streamId = ((DataStream)broker.CreateStream("orphans", new StreamOptions { ShardCount = 1 })).StreamId;
        }

        var streamDirectory = StreamJournal.DirectoryOf(directory, streamId);
        await using (var writer = JournalWriter.Start(new JournalWriterOptions { Directory = streamDirectory }, Directory.GetFiles(streamDirectory).Length + 1))
        {
            await AppendPut(writer, new PutEntry(2, 0, time.GetUtcNow().ToUnixTimeMilliseconds(), "k", "orphan"u8.ToArray()));
        }

        using (var recovered = Open())
        {
            var stream = recovered.GetStream("orphans");
            stream.SplitShard("shardId-000000000000", "170141183460469231731687303715884105728");
            Assert.Equal(["shardId-000000000003", "shardId-000000000004"], stream.ListShards().Skip(1).Select(s => s.ShardId));
        }

        using var again = Open();
        Assert.DoesNotContain(await ReadAll(again.GetStream("orphans")), r => Encoding.UTF8.GetString(r.Data.Span) == "orphan");
    }

    [Fact]
    public async Task A_durable_put_is_readable_only_once_its_record_is_flushed()
    {
        using var disk = new SegmentDisk();
        using var broker = Open(disk: disk);
        var stream = broker.CreateStream("flushed", new StreamOptions { ShardCount = 1 });
        using var gate = new ManualResetEventSlim();
        disk.FlushGate = gate;
        var put = stream.PutRecordAsync(new PutRecordRequest("k", "waiting"u8.ToArray())).AsTask();
        Assert.True(await disk.FlushWaiting.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.False(put.IsCompleted);
        Assert.Empty(await ReadAll(stream));

        gate.Set();
        disk.FlushGate = null;
        await put.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["waiting"], (await ReadAll(stream)).Select(r => Encoding.UTF8.GetString(r.Data.Span)));
    }

    [Fact]
    public async Task A_full_disk_fails_the_put_and_each_entry_of_a_batch_with_InternalFailure_and_a_restart_keeps_every_acknowledged_record()
    {
        var acknowledged = new List<string>();
        using (var disk = new SegmentDisk())
        using (var broker = Open(disk: disk))
        {
            var stream = broker.CreateStream("full", new StreamOptions { ShardCount = 1 });
            for (var i = 0; i < 3; i++)
            {
                acknowledged.Add((await stream.PutRecordAsync(new PutRecordRequest("k", Encoding.UTF8.GetBytes($"r{i}")))).SequenceNumber);
            }

            disk.DiskSpace = 0;
            var full = await Assert.ThrowsAsync<BrokerException>(async () => await stream.PutRecordAsync(new PutRecordRequest("k", "lost"u8.ToArray())));
            Assert.Equal(BrokerErrorCodes.InternalFailure, full.ErrorCode);
            var batch = await stream.PutRecordsAsync([new PutRecordsRequestEntry("k", "a"u8.ToArray()), new PutRecordsRequestEntry("k", "b"u8.ToArray())]);
            Assert.Equal(2, batch.FailedRecordCount);
            Assert.All(batch.Records, r => Assert.Equal(BrokerErrorCodes.InternalFailure, r.ErrorCode));
            Assert.Equal(acknowledged, (await ReadAll(stream)).Select(r => r.SequenceNumber));
        }

        using var recovered = Open();
        Assert.Equal(acknowledged, (await ReadAll(recovered.GetStream("full"))).Select(r => r.SequenceNumber));
    }

    [Fact]
    public async Task Leases_and_checkpoints_in_the_brokers_lease_store_come_back()
    {
        using (var broker = Open())
        {
            var leases = broker.LeaseStore;
            Assert.True(await leases.CreateLeaseIfNotExistsAsync("billing", new Lease("shardId-000000000000")));
            Assert.True(await leases.CreateLeaseIfNotExistsAsync("billing", new Lease("shardId-000000000001") { ParentShardIds = ["shardId-000000000000"] }));
            Assert.True(await leases.CreateLeaseIfNotExistsAsync("billing", new Lease("shardId-000000000009")));
            var taken = await leases.UpdateLeaseAsync("billing", new Lease("shardId-000000000000") { LeaseOwner = "worker-1", Checkpoint = "49590338271490256608559692538361571095921575989136588898" });
            Assert.NotNull(taken);
            Assert.True(await leases.DeleteLeaseAsync("billing", "shardId-000000000009", 0));
        }

        using var recovered = Open();
        var restored = await recovered.LeaseStore.ListLeasesAsync("billing");
        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], restored.Select(l => l.LeaseKey));
        Assert.Equal("worker-1", restored[0].LeaseOwner);
        Assert.Equal(1, restored[0].LeaseCounter);
        Assert.Equal("49590338271490256608559692538361571095921575989136588898", restored[0].Checkpoint);
        Assert.Equal(["shardId-000000000000"], restored[1].ParentShardIds);
    }

    [Fact]
    public async Task Compaction_keeps_streams_their_shard_tables_consumers_and_leases()
    {
        IReadOnlyList<Shard> shards;
        using (var broker = Open())
        {
            var stream = broker.CreateStream("compacted", new StreamOptions { ShardCount = 2 });
            stream.SplitShard("shardId-000000000001", "300000000000000000000000000000000000000");
            stream.RegisterConsumer("reader");
            stream.IncreaseRetentionPeriod(TimeSpan.FromHours(36));
            await stream.PutRecordAsync(new PutRecordRequest("k", "kept"u8.ToArray()));
            broker.CreateStream("dropped");
            broker.DeleteStream("dropped");
            await broker.LeaseStore.CreateLeaseIfNotExistsAsync("app", new Lease("shardId-000000000000") { Checkpoint = "LATEST" });
            shards = stream.ListShards();
            await broker.Store!.CompactAsync();
            Assert.Null(broker.Store.CompactionError);
        }

        using var recovered = Open();
        var restored = recovered.GetStream("compacted");
        Assert.Equal(shards, restored.ListShards());
        Assert.Equal(["reader"], restored.ListConsumers().Select(c => c.ConsumerName));
        Assert.Equal(TimeSpan.FromHours(36), restored.Describe().RetentionPeriod);
        Assert.Equal(["kept"], (await ReadAll(restored)).Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        Assert.Equal("LATEST", Assert.Single(await recovered.LeaseStore.ListLeasesAsync("app")).Checkpoint);
        Assert.False(recovered.TryGetStream("dropped", out _));
    }

    [Fact]
    public async Task A_stream_created_after_a_compaction_takes_an_id_no_deleted_stream_had()
    {
        int deletedId;
        using (var broker = Open())
        {
            deletedId = ((DataStream)broker.CreateStream("first")).StreamId;
            broker.DeleteStream("first");
            await broker.Store!.CompactAsync();
            Assert.Null(broker.Store.CompactionError);
        }

        using var recovered = Open();
        Assert.True(((DataStream)recovered.CreateStream("second")).StreamId > deletedId);
    }

    [Fact]
    public async Task A_crash_under_Always_keeps_every_acknowledged_put_of_concurrent_producers_in_order_per_shard()
    {
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        var signalled = 0;
        string[] acknowledgedAtCrash;
        string copy;
        using (var broker = Open())
        {
            var stream = broker.CreateStream("busy", new StreamOptions { ShardCount = 2 });
            using var stop = new CancellationTokenSource();
            using var hundred = new SemaphoreSlim(0);
            var producers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    acknowledged.Add((await stream.PutRecordAsync(new PutRecordRequest($"p{p}-{i}", Encoding.UTF8.GetBytes($"{p}:{i}")))).SequenceNumber);
                    // At least 100, signalled once: producers adding at the same moment can step over exactly 100.
                    if (acknowledged.Count >= 100 && Interlocked.Exchange(ref signalled, 1) == 0)
                    {
                        hundred.Release();
                    }
                }
            })).ToArray();
            Assert.True(await hundred.WaitAsync(TimeSpan.FromSeconds(60)));

            // The crash: what the disk holds now, while the producers go on writing.
            acknowledgedAtCrash = [.. acknowledged];
            copy = Crashes.CopyJournal(directory, directory + "-crash");
            await stop.CancelAsync();
            await Task.WhenAll(producers).WaitAsync(TimeSpan.FromSeconds(60));
        }

        try
        {
            using var recovered = new MessageBroker(Options(copy), time);
            var read = await ReadAll(recovered.GetStream("busy"));
            Assert.Subset(read.Select(r => r.SequenceNumber).ToHashSet(), acknowledgedAtCrash.ToHashSet());
            foreach (var shard in read.GroupBy(r => r.SequenceNumber[..13]))
            {
                var numbers = shard.Select(r => r.SequenceNumber).ToList();
                Assert.Equal(numbers.Order(StringComparer.Ordinal), numbers);
                Assert.Equal(numbers.Count, numbers.Distinct().Count());
            }
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static async Task AppendPut(JournalWriter writer, PutEntry entry)
    {
        var payload = new PayloadWriter(64);
        try
        {
            StreamJournal.WriteRecordsPut(ref payload, [entry]);
            await writer.AppendAsync((byte)StreamLogRecordType.RecordsPut, payload.Written);
        }
        finally
        {
            payload.Dispose();
        }
    }

    /// <summary>Every record of every shard, from the trim horizon to the tip.</summary>
    private static async Task<List<StreamRecord>> ReadAll(IDataStream stream)
    {
        var records = new List<StreamRecord>();
        foreach (var shard in stream.ListShards())
        {
            var iterator = stream.GetShardIterator(shard.ShardId, ShardIteratorType.TrimHorizon);
            while (iterator is not null)
            {
                var result = await stream.GetRecordsAsync(iterator);
                records.AddRange(result.Records);
                iterator = result.Records.Count == 0 ? null : result.NextShardIterator;
            }
        }

        return records;
    }

    private static BrokerOptions Options(string path, long segmentSize = 64L * 1024 * 1024, SegmentDisk? disk = null) => new()
    {
        Storage = disk is null
            ? new DurableStorage { Directory = path, SegmentSize = segmentSize, MinimumSegmentSize = segmentSize }
            : new DurableStorage { Directory = path, SegmentSize = segmentSize, MinimumSegmentSize = segmentSize, CreateSegment = p => new SegmentStream(p, disk) },
    };

    private MessageBroker Open(long segmentSize = 64L * 1024 * 1024, SegmentDisk? disk = null) => new(Options(directory, segmentSize, disk), time);
}
