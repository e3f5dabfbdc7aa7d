using Broker.Queues;

namespace Broker.Hosting.Internal;

/// <summary>
/// What a worker does around its handlers: the receive (which tells observers when it waits), and the visibility keeper
/// that holds the messages of one receive while they are handled.
/// </summary>
internal abstract partial class QueueConsumer
{
    private static readonly IReadOnlyList<ReceivedMessage> NoMessages = [];

    /// <summary>The workers' keepers, so that a shutdown past its timeout can stop them. Under <see cref="sync"/>.</summary>
    private readonly HashSet<VisibilityKeeper> keepers = [];

    /// <summary>Every receive of this consumer: BatchSize, WaitTime, VisibilityTimeout, all attributes. Set at start.</summary>
    private ReceiveRequest? receiveRequest;

    /// <summary>Failed receives in a row, for the backoff.</summary>
    private int receiveFailures;

    /// <summary>
    /// Handles one receive's messages, held in the worker's visibility keeper (created on the worker's first receive)
    /// when visibility is extended.
    /// </summary>
    private async Task HandleHeldAsync(IReadOnlyList<ReceivedMessage> messages, WorkerKeeper worker)
    {
        var keeper = await HoldAsync(messages, worker).ConfigureAwait(false);
        try
        {
            await HandleReceivedAsync(messages, keeper).ConfigureAwait(false);
        }
        finally
        {
            if (keeper is not null)
            {
                await keeper.ReleaseAsync().ConfigureAwait(false);
            }

            State.Finished(messages.Count);
        }
    }

    /// <summary>Holds the messages in the worker's keeper; null when visibility is not extended (or the consumer stops).</summary>
    private async ValueTask<VisibilityKeeper?> HoldAsync(IReadOnlyList<ReceivedMessage> messages, WorkerKeeper worker)
    {
        if (!Options.ExtendVisibility)
        {
            return null;
        }

        TimeSpan timeout;
        try
        {
            timeout = Options.VisibilityTimeout ?? Queue.Options.VisibilityTimeout;
        }
        catch (BrokerException)
        {
            return null; // the queue was deleted: there is nothing to keep
        }

        if (timeout <= TimeSpan.Zero)
        {
            return null;
        }

        if (worker.Keeper is null)
        {
            var keeper = new VisibilityKeeper(Queue, Time, Logger);
            lock (sync) // once per worker (a cold path), not per receive
            {
                if (handlerStop.IsCancellationRequested)
                {
                    return null;
                }

                keepers.Add(keeper);
            }

            worker.Keeper = keeper;
        }

        await worker.Keeper.HoldAsync(messages, timeout).ConfigureAwait(false);
        return worker.Keeper;
    }

    /// <summary>Ends a worker's keeper (the worker ends).</summary>
    private async ValueTask EndKeeperAsync(WorkerKeeper worker)
    {
        if (worker.Keeper is not { } keeper)
        {
            return;
        }

        lock (sync) // once per worker, as it ends
        {
            keepers.Remove(keeper);
        }

        await keeper.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A worker's keeper, created on its first receive when visibility is extended.</summary>
    private sealed class WorkerKeeper
    {
        public VisibilityKeeper? Keeper { get; set; }
    }

    /// <summary>
    /// One receive: the messages, an empty list when the wait ended without any (or after a failed receive and its
    /// backoff), or null when the consumer stops.
    /// </summary>
    private async Task<IReadOnlyList<ReceivedMessage>?> ReceiveAsync()
    {
        if (IsStopping)
        {
            return null;
        }

        try
        {
            State.ReceiveIssued();
            var pending = Queue.ReceiveAsync(receiveRequest, receiveStop.Token);
            IReadOnlyList<ReceivedMessage> messages;
            if (pending.IsCompleted)
            {
                messages = pending.Result;
            }
            else
            {
                // The receive has registered its wait (and its timer) by now: observers may move the clock.
                State.ReceiveWaiting(true);
                try
                {
                    messages = await pending.ConfigureAwait(false);
                }
                finally
                {
                    State.ReceiveWaiting(false);
                }
            }

            Volatile.Write(ref receiveFailures, 0);
            return messages;
        }
        catch (OperationCanceledException) when (receiveStop.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception exception) when (exception is BrokerException or ObjectDisposedException)
        {
            // The queue was deleted, or the broker disposed: back off on the broker's clock, 1 s doubling to 1 min.
            var failures = Interlocked.Increment(ref receiveFailures);
            var delay = TimeSpan.FromSeconds(Math.Min(60, 1 << Math.Min(failures - 1, 6)));
            Log.QueueReceiveFailed(Logger, exception, QueueName, delay);
            try
            {
                await Task.Delay(delay, Time, receiveStop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            return NoMessages;
        }
    }

    private void StopKeepers()
    {
        lock (sync)
        {
            foreach (var keeper in keepers)
            {
                keeper.Stop();
            }
        }
    }
}
