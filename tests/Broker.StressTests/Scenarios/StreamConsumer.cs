using Broker.Streams;
using Broker.StressTests.History;

namespace Broker.StressTests.Scenarios;

/// <summary>
/// A consumer that follows every shard's lineage, as the Kinesis Client Library does: it reads a shard only once its
/// parents are read to their end (or gone), keeps its place by sequence number, and takes a new iterator when one
/// expires. One sequential task, so its reads are recorded in its program order.
/// </summary>
/// <param name="id">The consumer's number in the history.</param>
/// <param name="stream">The stream.</param>
/// <param name="history">Where its reads go.</param>
/// <param name="clock">The run's clock.</param>
/// <param name="laggard">A random source for a consumer that now and then stalls for many hours of fake time, so that
/// records expire before it reads them and it resumes past a trimmed stretch (null: never stalls).</param>
internal sealed class StreamConsumer(int id, IDataStream stream, StreamHistory history, StressClock clock, Random? laggard)
{
    private readonly Dictionary<string, Cursor> cursors = [];
    private long order;

    /// <summary>Reads round the eligible shards until <paramref name="stop"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (laggard is not null && laggard.Next(300) == 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromHours(laggard.Next(6, 30)), clock.Time, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            foreach (var shard in Eligible())
            {
                await ReadPageAsync(shard, catchingUp: false);
                clock.Tick();
                await Task.Yield();
                if (stop.IsCancellationRequested)
                {
                    return;
                }
            }

            await Task.Yield();
        }
    }

    /// <summary>After the producers stopped, with the clock frozen: reads every shard to its end or its tip.</summary>
    public async Task CatchUpAsync()
    {
        for (var round = 0; round < 100_000; round++)
        {
            var pending = Eligible().Where(s => !cursors[s].CaughtUp).ToArray();
            if (pending.Length == 0)
            {
                return;
            }

            foreach (var shard in pending)
            {
                await ReadPageAsync(shard, catchingUp: true);
            }
        }

        throw new InvalidOperationException($"consumer {id} did not catch up with the stream");
    }

    /// <summary>The listed shards not yet finished whose parents are finished or no longer listed (expired).</summary>
    private List<string> Eligible()
    {
        var shards = stream.ListShards();
        var listed = shards.Select(s => s.ShardId).ToHashSet();
        var eligible = new List<string>();
        foreach (var shard in shards)
        {
            var cursor = CursorOf(shard.ShardId);
            if (cursor.Done)
            {
                continue;
            }

            if (new[] { shard.ParentShardId, shard.AdjacentParentShardId }.All(p => p is null || !listed.Contains(p) || CursorOf(p).Done))
            {
                eligible.Add(shard.ShardId);
            }
        }

        return eligible;
    }

    private async Task ReadPageAsync(string shardId, bool catchingUp)
    {
        var cursor = CursorOf(shardId);
        var before = clock.Now;
        try
        {
            cursor.Iterator ??= cursor.LastSequenceNumber is null
                ? stream.GetShardIterator(shardId, ShardIteratorType.TrimHorizon)
                : stream.GetShardIterator(shardId, ShardIteratorType.AfterSequenceNumber, cursor.LastSequenceNumber);
            var page = await stream.GetRecordsAsync(cursor.Iterator, limit: 500);
            var records = page.Records.Select(r => new ReadRecord(r.SequenceNumber, r.PartitionKey, System.Text.Encoding.UTF8.GetString(r.Data.Span))).ToArray();
            var atEnd = page.NextShardIterator is null;
            var caughtUp = catchingUp && !atEnd && records.Length == 0;
            history.Read(new ReadEvent(id, order++, shardId, records, atEnd, caughtUp, new Stamp(before, clock.Now)));
            cursor.Iterator = page.NextShardIterator;
            cursor.LastSequenceNumber = records.Length > 0 ? records[^1].SequenceNumber : cursor.LastSequenceNumber;
            cursor.Done = atEnd;
            cursor.CaughtUp = caughtUp;
        }
        catch (BrokerException e) when (e.ErrorCode == BrokerErrorCodes.ExpiredIteratorException)
        {
            cursor.Iterator = null; // five minutes passed since it was issued: take a new one where we were
        }
        catch (BrokerException e) when (e.ErrorCode == BrokerErrorCodes.ResourceNotFoundException)
        {
            // The shard expired between the listing and the read: everything in it is past retention.
            history.Read(new ReadEvent(id, order++, shardId, [], AtEnd: true, CaughtUp: false, new Stamp(before, clock.Now)));
            cursor.Done = true;
        }
    }

    private Cursor CursorOf(string shardId)
    {
        if (!cursors.TryGetValue(shardId, out var cursor))
        {
            cursor = new Cursor();
            cursors[shardId] = cursor;
        }

        return cursor;
    }

    private sealed class Cursor
    {
        public string? Iterator;
        public string? LastSequenceNumber;
        public bool Done;
        public bool CaughtUp;
    }
}
