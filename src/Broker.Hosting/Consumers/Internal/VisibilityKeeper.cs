using Broker.Queues;
using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Internal;

/// <summary>
/// Keeps the messages of one receive invisible while the worker that received them still holds them: every half
/// visibility timeout, on the broker's clock, each held message whose visibility ends within half a timeout is
/// extended by a whole timeout (one ChangeMessageVisibilityBatch). A message leaves the keeper (<see cref="ForgetAsync(ReceivedMessage)"/>)
/// before the worker deletes it, fails it or releases it, so that an extension never overrides what the worker decided:
/// the two are serialized by <see cref="gate"/>.
/// <para>
/// A worker owns one keeper for its whole life and holds one receive at a time in it (<see cref="HoldAsync"/> …
/// <see cref="ReleaseAsync"/>): its timer is created once and re-armed per receive, not created and disposed per receive.
/// </para>
/// </summary>
internal sealed class VisibilityKeeper : IAsyncDisposable, IVisibilityExtender
{
    private readonly IMessageQueue queue;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    /// <summary>Held by whoever reads or writes the held messages, across the queue call.</summary>
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>The messages still held, by their index in the receive (the first <see cref="count"/>); null once the worker is done with one.</summary>
    private ReceivedMessage?[] held = new ReceivedMessage?[10];

    /// <summary>When each held message becomes visible again, in UTC ticks of the broker's clock, as far as the keeper knows.</summary>
    private long[] visibleUntil = new long[10];

    private int count;
    private TimeSpan timeout;
    private ITimer? timer;
    private volatile bool stopped;

    public VisibilityKeeper(IMessageQueue queue, TimeProvider time, ILogger logger)
    {
        this.queue = queue;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>Starts holding the messages of a receive, each visible for <paramref name="visibilityTimeout"/> from now.</summary>
    public async ValueTask HoldAsync(IReadOnlyList<ReceivedMessage> messages, TimeSpan visibilityTimeout)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (held.Length < messages.Count)
            {
                held = new ReceivedMessage?[messages.Count];
                visibleUntil = new long[messages.Count];
            }

            count = messages.Count;
            timeout = visibilityTimeout;
            var until = time.GetUtcNow().UtcTicks + visibilityTimeout.Ticks;
            for (var i = 0; i < count; i++)
            {
                held[i] = messages[i];
                visibleUntil[i] = until;
            }

            if (!stopped)
            {
                var period = visibilityTimeout / 2;
                timer ??= time.CreateTimer(static state => _ = ((VisibilityKeeper)state!).ExtendDueAsync(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                timer.Change(period, period);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops holding the current receive (its messages were all deleted, failed or released): the timer rests.</summary>
    public async ValueTask ReleaseAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Array.Clear(held, 0, count);
            count = 0;
            if (!stopped)
            {
                timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The worker is done with a message: never extend it again.</summary>
    public ValueTask ForgetAsync(ReceivedMessage message)
    {
        // Uncontended (no extension running), this completes without an await.
        if (gate.Wait(0))
        {
            Forget(message);
            gate.Release();
            return default;
        }

        return ForgetWhenFreeAsync(message);
    }

    /// <summary>The worker is done with these messages.</summary>
    public async ValueTask ForgetAsync(IEnumerable<ReceivedMessage> messages)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var message in messages)
            {
                Forget(message);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The handler's own extension (<see cref="MessageContext.ExtendVisibilityAsync"/>), serialized with the keeper's.</summary>
    public async ValueTask ExtendAsync(ReceivedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await queue.ChangeVisibilityAsync(message, visibilityTimeout, cancellationToken).ConfigureAwait(false);
            var index = Array.IndexOf(held, message, 0, count);
            if (index >= 0)
            {
                visibleUntil[index] = time.GetUtcNow().UtcTicks + visibilityTimeout.Ticks;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops extending at once (the host's shutdown passed its timeout); does not wait for an extension in progress.</summary>
    public void Stop()
    {
        stopped = true;
        timer?.Dispose();
    }

    /// <summary>Stops extending, after any extension in progress (the worker ends).</summary>
    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        stopped = true;
        gate.Release();
        if (timer is not null)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask ForgetWhenFreeAsync(ReceivedMessage message)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Forget(message);
        }
        finally
        {
            gate.Release();
        }
    }

    private void Forget(ReceivedMessage message)
    {
        var index = Array.IndexOf(held, message, 0, count);
        if (index >= 0)
        {
            held[index] = null;
        }
    }

    private async Task ExtendDueAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (stopped || count == 0)
            {
                return;
            }

            var now = time.GetUtcNow().UtcTicks;
            List<ChangeVisibilityBatchEntry>? due = null;
            for (var i = 0; i < count; i++)
            {
                if (held[i] is { } message && visibleUntil[i] - now <= timeout.Ticks / 2)
                {
                    (due ??= new List<ChangeVisibilityBatchEntry>(count)).Add(new ChangeVisibilityBatchEntry(BatchEntryIds.Ids[i], message, timeout));
                }
            }

            if (due is null)
            {
                return;
            }

            var result = await queue.ChangeVisibilityBatchAsync(due).ConfigureAwait(false);
            foreach (var id in result.Successful)
            {
                visibleUntil[BatchEntryIds.IndexOf(id)] = now + timeout.Ticks;
            }

            foreach (var failure in result.Failed)
            {
                // Deleted, expired, or at SQS's 12 hours from the receive: nothing more to keep.
                var index = BatchEntryIds.IndexOf(failure.Id);
                Log.QueueVisibilityNotExtended(logger, queue.Name, held[index]!.MessageId, failure.Message);
                held[index] = null;
            }
        }
        catch (Exception exception) when (exception is BrokerException or ObjectDisposedException)
        {
            // The queue was deleted (or the broker disposed): nothing can be extended any more.
            stopped = true;
            Log.QueueVisibilityNotExtended(logger, queue.Name, "*", exception.Message);
        }
        finally
        {
            gate.Release();
        }
    }
}
