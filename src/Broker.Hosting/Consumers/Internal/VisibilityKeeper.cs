using Broker.Queues;
using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Internal;

/// <summary>
/// Keeps the messages of one receive invisible while the worker that received them still holds them: every half
/// visibility timeout, on the broker's clock, each held message whose visibility ends within half a timeout is
/// extended by a whole timeout (one ChangeMessageVisibilityBatch). A message leaves the keeper (<see cref="ForgetAsync(ReceivedMessage)"/>)
/// before the worker deletes it, fails it or releases it, so that an extension never overrides what the worker decided:
/// the two are serialized by <see cref="gate"/>.
/// </summary>
internal sealed class VisibilityKeeper : IAsyncDisposable
{
    private readonly IMessageQueue queue;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly TimeSpan timeout;

    /// <summary>Held by whoever reads or writes <see cref="held"/> and <see cref="visibleUntil"/>, across the queue call.</summary>
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>The messages still held, by their index in the receive; null once the worker is done with one.</summary>
    private readonly ReceivedMessage?[] held;

    /// <summary>When each held message becomes visible again, in UTC ticks of the broker's clock, as far as the keeper knows.</summary>
    private readonly long[] visibleUntil;

    private readonly ITimer timer;
    private volatile bool stopped;

    public VisibilityKeeper(IMessageQueue queue, IReadOnlyList<ReceivedMessage> messages, TimeSpan timeout, TimeProvider time, ILogger logger)
    {
        this.queue = queue;
        this.time = time;
        this.logger = logger;
        this.timeout = timeout;
        held = [.. messages];
        visibleUntil = new long[held.Length];
        Array.Fill(visibleUntil, time.GetUtcNow().UtcTicks + timeout.Ticks);
        var period = timeout / 2;
        timer = time.CreateTimer(static state => _ = ((VisibilityKeeper)state!).ExtendDueAsync(), this, period, period);
    }

    /// <summary>Stops extending <paramref name="message"/>; after this returns the keeper never touches it again.</summary>
    public async ValueTask ForgetAsync(ReceivedMessage message)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var index = Array.IndexOf(held, message);
            if (index >= 0)
            {
                held[index] = null;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops extending every message of <paramref name="messages"/>.</summary>
    public async ValueTask ForgetAsync(IEnumerable<ReceivedMessage> messages)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var message in messages)
            {
                var index = Array.IndexOf(held, message);
                if (index >= 0)
                {
                    held[index] = null;
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A handler's own extension (<see cref="MessageContext.ExtendVisibilityAsync"/>): the keeper adopts the new deadline.</summary>
    public async ValueTask ExtendAsync(ReceivedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await queue.ChangeVisibilityAsync(message, visibilityTimeout, cancellationToken).ConfigureAwait(false);
            var index = Array.IndexOf(held, message);
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

    /// <summary>Stops extending at once, without waiting for an extension in progress (the host's shutdown timeout ended).</summary>
    public void Stop()
    {
        stopped = true;
        timer.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        stopped = true;
        gate.Release();
        await timer.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ExtendDueAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (stopped)
            {
                return;
            }

            var now = time.GetUtcNow().UtcTicks;
            List<ChangeVisibilityBatchEntry>? due = null;
            for (var i = 0; i < held.Length; i++)
            {
                if (held[i] is { } message && visibleUntil[i] - now <= timeout.Ticks / 2)
                {
                    (due ??= new List<ChangeVisibilityBatchEntry>(held.Length)).Add(new ChangeVisibilityBatchEntry(BatchEntryIds.Ids[i], message, timeout));
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
