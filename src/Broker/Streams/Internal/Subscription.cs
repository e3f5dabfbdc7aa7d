using System.Runtime.CompilerServices;
using Broker.Queues.Internal;

namespace Broker.Streams.Internal;

/// <summary>
/// One enhanced fan-out subscription: reads a shard from a position and yields an event whenever records arrive.
/// <para>
/// No polling and no lost wake-up: with nothing to read it registers a waiter on the shard, publishes it in
/// <see cref="currentWaiter"/>, and only then re-checks the log and <see cref="ended"/>; a writer publishes a record and
/// then wakes the shard's waiters, and <see cref="End"/> sets <see cref="ended"/> and then completes the published waiter.
/// The wait also ends at the 5-minute deadline, on the broker's clock.
/// </para>
/// </summary>
internal sealed class Subscription(DataStream stream, StreamShard shard, long position, DateTimeOffset startedAt, TimeProvider time)
{
    private readonly DateTimeOffset deadline = startedAt + StreamDefaults.SubscriptionLifetime;
    private Waiter? currentWaiter;
    private int ended;

    public long StartedTicks { get; } = startedAt.UtcTicks;

    /// <summary>Ends the enumeration (taken over, deregistered, or stream deleted); it completes at its next step.</summary>
    public void End()
    {
        Interlocked.Exchange(ref ended, 1);
        Volatile.Read(ref currentWaiter)?.TryComplete(true);
    }

    public async IAsyncEnumerable<SubscribeToShardEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = position;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = time.GetUtcNow();
            if (Volatile.Read(ref ended) != 0 || stream.IsDeleted || now >= deadline)
            {
                yield break;
            }

            var batch = stream.ReadBatch(shard, next, StreamDefaults.MaxGetRecordsLimit, now.ToUnixTimeMilliseconds());
            next = batch.Next;
            if (batch.Records.Count > 0 || batch.AtEnd)
            {
                var continuation = batch.Records.Count > 0 ? batch.Records[^1].SequenceNumber : shard.EndingSequenceNumber() ?? shard.StartingSequenceNumber;
                yield return new SubscribeToShardEvent(batch.Records, continuation, batch.MillisBehindLatest, batch.AtEnd ? shard.Children : []);
                if (batch.AtEnd)
                {
                    yield break;
                }

                continue;
            }

            var waiter = shard.Waiters.Register();
            Interlocked.Exchange(ref currentWaiter, waiter);
            if (Volatile.Read(ref ended) != 0 || shard.Log.Published > next || shard.Log.IsClosed || stream.IsDeleted)
            {
                waiter.TryComplete(true);
                continue;
            }

            await waiter.WaitAsync(deadline - now, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
