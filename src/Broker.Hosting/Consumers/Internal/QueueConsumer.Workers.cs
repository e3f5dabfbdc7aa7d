using System.Diagnostics;
using Broker.Queues;

namespace Broker.Hosting.Internal;

/// <summary>
/// The workers and their scaling (the policy is documented on <see cref="QueueConsumerOptions"/>).
/// <para>
/// State: <see cref="workers"/>, <see cref="loops"/>, <see cref="idleReceiveActive"/> and <see cref="stopping"/> change
/// only under <see cref="sync"/>, and every decision to start or end a loop is taken there; the loops themselves are
/// started outside it. Invariants: <c>MinConcurrency &lt;= workers &lt;= MaxConcurrency</c> while running (a worker that
/// fails unexpectedly is replaced); the idle receive runs only while no worker does and the consumer is not stopping;
/// <see cref="loops"/> counts the workers and the idle receive that have not ended, and <see cref="drained"/> completes
/// when it reaches zero after the consumer began to stop.
/// </para>
/// <para>
/// Why a lock here: this is the hosting layer's worker bookkeeping, not the engine's send/receive/delete path. It is
/// taken at start and stop, when a worker starts or retires, and at most a few times per received batch (scaling
/// decision, visibility keeper added and removed), never per message, and only for a few field updates; the
/// engine calls themselves run outside it.
/// </para>
/// </summary>
internal abstract partial class QueueConsumer
{
    private readonly Lock sync = new();
    private ITimer? scaleTimer;
    private bool scaleTimerArmed;
    private int workers;
    private int loops;
    private bool idleReceiveActive;
    private bool started;
    private bool stopping;

    private void StartWorkers()
    {
        scaleTimer = Time.CreateTimer(static state => ((QueueConsumer)state!).OnScaleTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        int added;
        bool idleReceive;
        lock (sync)
        {
            started = true;
            added = Options.MinConcurrency;
            ChangeWorkers(added);
            idleReceive = added == 0;
            idleReceiveActive = idleReceive;
            loops = added + (idleReceive ? 1 : 0);
            OnWorkersChanged();
        }

        Launch(added, idleReceive, null);
    }

    /// <summary>Marks the consumer as stopping; false when it never started or already stops.</summary>
    private bool BeginStop(out int running)
    {
        lock (sync)
        {
            running = workers;
            if (!started || stopping)
            {
                return false;
            }

            stopping = true;
            State.SetStopping();
            OnWorkersChanged();
            if (loops == 0)
            {
                drained.TrySetResult();
            }

            return true;
        }
    }

    /// <summary>Starts loops decided under the lock: <paramref name="newWorkers"/> workers (the first with <paramref name="first"/>) and the idle receive.</summary>
    private void Launch(int newWorkers, bool idleReceive, IReadOnlyList<ReceivedMessage>? first)
    {
        for (var i = 0; i < newWorkers; i++)
        {
            var messages = i == 0 ? first : null;
            _ = Task.Run(() => RunWorkerAsync(messages));
        }

        if (idleReceive)
        {
            _ = Task.Run(RunIdleReceiveAsync);
        }
    }

    /// <summary>A worker: receive, handle, repeat; stops after an empty receive while more than MinConcurrency run.</summary>
    private async Task RunWorkerAsync(IReadOnlyList<ReceivedMessage>? first)
    {
        // A worker belongs to no caller's trace: its activities start from the messages' trace context only.
        Activity.Current = null;
        var retired = false;
        var failed = false;
        var keeper = new WorkerKeeper();
        try
        {
            var messages = first;
            while (true)
            {
                if (messages is null)
                {
                    messages = await ReceiveAsync().ConfigureAwait(false);
                    if (messages is null)
                    {
                        break;
                    }

                    if (messages.Count == 0)
                    {
                        if (TryRetire())
                        {
                            retired = true;
                            break;
                        }

                        messages = null;
                        continue;
                    }

                    ScaleUp();
                }

                await HandleHeldAsync(messages, keeper).ConfigureAwait(false);
                messages = null;
                if (IsStopping)
                {
                    break;
                }
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            failed = true;
            Log.QueueWorkerFailed(Logger, exception, QueueName);
        }
        finally
        {
            await EndKeeperAsync(keeper).ConfigureAwait(false);
            WorkerEnded(retired, failed);
        }
    }

    /// <summary>
    /// The idle receive, while no worker runs: one pending long poll, re-issued when its wait ends empty. The messages it
    /// gets go to a new worker, and the load it then reads may start more.
    /// </summary>
    private async Task RunIdleReceiveAsync()
    {
        Activity.Current = null;
        try
        {
            while (true)
            {
                var messages = await ReceiveAsync().ConfigureAwait(false);
                bool handOff;
                lock (sync)
                {
                    if (messages is null || stopping || workers > 0)
                    {
                        idleReceiveActive = false;
                        handOff = false;
                    }
                    else if (messages.Count == 0)
                    {
                        continue;
                    }
                    else
                    {
                        idleReceiveActive = false;
                        handOff = true;
                        ChangeWorkers(1);
                        loops++;
                        OnWorkersChanged();
                    }
                }

                if (handOff)
                {
                    Launch(1, false, messages);
                    ScaleUp();
                }
                else if (messages is { Count: > 0 })
                {
                    await ReleaseAsync(messages, 0, null).ConfigureAwait(false);
                    State.Finished(messages.Count);
                }

                return;
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            lock (sync)
            {
                idleReceiveActive = false;
            }

            Log.QueueWorkerFailed(Logger, exception, QueueName);
        }
        finally
        {
            LoopEnded();
        }
    }

    /// <summary>Reads the load after a receive that returned messages and starts the workers it calls for.</summary>
    private void ScaleUp()
    {
        if (Volatile.Read(ref workers) >= Options.MaxConcurrency || IsStopping)
        {
            return;
        }

        QueueLoad load;
        try
        {
            load = QueueLoad.Read(Queue, Options);
        }
        catch (BrokerException exception)
        {
            Log.QueueLoadNotRead(Logger, exception, QueueName);
            return;
        }

        int added;
        int running;
        lock (sync)
        {
            added = stopping ? 0 : load.WorkersToAdd(workers, Options);
            ChangeWorkers(added);
            loops += added;
            running = workers;
            if (added > 0)
            {
                OnWorkersChanged();
            }
        }

        if (added > 0)
        {
            Log.QueueConsumerScaledUp(Logger, QueueName, added, running, load.VisibleMessages);
            Launch(added, false, null);
        }
    }

    /// <summary>The scale timer: runs while some but not all workers run; adds workers when none waits for messages.</summary>
    private void OnScaleTick()
    {
        if (State.PendingReceives == 0)
        {
            ScaleUp();
        }
    }

    /// <summary>Decides, after an empty receive, whether this worker stops (more than MinConcurrency run).</summary>
    private bool TryRetire()
    {
        int running;
        lock (sync)
        {
            if (stopping || workers <= Options.MinConcurrency)
            {
                return false;
            }

            ChangeWorkers(-1);
            running = workers;
            OnWorkersChanged();
        }

        Log.QueueConsumerScaledDown(Logger, QueueName, running);
        return true;
    }

    private void WorkerEnded(bool retired, bool failed)
    {
        bool idleReceive;
        var replacement = false;
        lock (sync)
        {
            if (!retired)
            {
                ChangeWorkers(-1);
            }

            loops--;
            if (failed && !stopping && workers < Options.MinConcurrency)
            {
                replacement = true;
                ChangeWorkers(1);
                loops++;
            }

            idleReceive = !stopping && workers == 0 && !idleReceiveActive;
            if (idleReceive)
            {
                idleReceiveActive = true;
                loops++;
            }

            OnWorkersChanged();
            if (stopping && loops == 0)
            {
                drained.TrySetResult();
            }
        }

        Launch(replacement ? 1 : 0, idleReceive, null);
    }

    private void LoopEnded()
    {
        lock (sync)
        {
            loops--;
            if (stopping && loops == 0)
            {
                drained.TrySetResult();
            }
        }
    }

    /// <summary>Changes the worker count and the concurrency instrument together, so that both always agree. Under <see cref="sync"/>.</summary>
    private void ChangeWorkers(int delta)
    {
        if (delta != 0)
        {
            workers += delta;
            Metrics.Concurrency.Add(delta, ConsumerTag);
        }
    }

    /// <summary>Publishes the worker count and arms the scale timer exactly while some but fewer than MaxConcurrency workers run. Under <see cref="sync"/>.</summary>
    private void OnWorkersChanged()
    {
        State.SetWorkers(workers);
        var armed = !stopping && workers > 0 && workers < Options.MaxConcurrency;
        if (armed != scaleTimerArmed)
        {
            scaleTimerArmed = armed;
            var period = armed ? Options.ScaleInterval : Timeout.InfiniteTimeSpan;
            scaleTimer?.Change(period, period);
        }
    }
}
