namespace Broker.Hosting.Internal;

/// <summary>
/// What a running hosted consumer reports about itself: its failures in a row (read by <c>BrokerHealthCheck</c>)
/// and its workers and pending receives (which make its scaling observable). Every field is written with interlocked
/// operations by the consumer's workers and read without locks.
/// </summary>
internal sealed class ConsumerState
{
    private TaskCompletionSource? changed;
    private int consecutiveFailures;
    private int workers;
    private int pendingReceives;
    private long receives;
    private long messagesFinished;
    private int stopping;

    public ConsumerState(string kind, string source, Type handlerType)
    {
        Kind = kind;
        Source = source;
        HandlerType = handlerType;
    }

    /// <summary>What the consumer reads: <c>queue</c>, <c>topic</c> or <c>stream</c>.</summary>
    public string Kind { get; }

    /// <summary>The queue, topic or stream name.</summary>
    public string Source { get; }

    /// <summary>The handler's type.</summary>
    public Type HandlerType { get; }

    /// <summary>Failed deliveries since the last success (a handler that threw or timed out, or a body that did not deserialize).</summary>
    public int ConsecutiveFailures => Volatile.Read(ref consecutiveFailures);

    /// <summary>Workers running now.</summary>
    public int Workers => Volatile.Read(ref workers);

    /// <summary>Receives that are waiting for messages now (long polls in progress).</summary>
    public int PendingReceives => Volatile.Read(ref pendingReceives);

    /// <summary>Receives issued since the consumer started.</summary>
    public long Receives => Interlocked.Read(ref receives);

    /// <summary>
    /// Messages the consumer received and is done with (handled and deleted, released, or left to reappear): the
    /// harness of Broker.Testing compares it with the messages the broker reports received with <see cref="ReceiveRequest"/>.
    /// </summary>
    public long MessagesFinished => Interlocked.Read(ref messagesFinished);

    /// <summary>The request object of every receive this consumer issues (a queue consumer's), set before it starts.</summary>
    public object? ReceiveRequest { get; set; }

    /// <summary>Whether the consumer has begun to stop.</summary>
    public bool Stopping => Volatile.Read(ref stopping) != 0;

    public void RecordFailure()
    {
        Interlocked.Increment(ref consecutiveFailures);
        OnChanged();
    }

    public void RecordSuccess()
    {
        if (Interlocked.Exchange(ref consecutiveFailures, 0) != 0)
        {
            OnChanged();
        }
    }

    public void SetWorkers(int count)
    {
        Volatile.Write(ref workers, count);
        OnChanged();
    }

    public void ReceiveIssued()
    {
        Interlocked.Increment(ref receives);
        OnChanged();
    }

    public void ReceiveWaiting(bool waiting)
    {
        Interlocked.Add(ref pendingReceives, waiting ? 1 : -1);
        OnChanged();
    }

    /// <summary>The consumer is done with <paramref name="count"/> received messages (once per receive, not per message).</summary>
    public void Finished(int count)
    {
        Interlocked.Add(ref messagesFinished, count);
        OnChanged();
    }

    public void SetStopping()
    {
        Volatile.Write(ref stopping, 1);
        OnChanged();
    }

    /// <summary>
    /// A task that completes at the next change of any value above. Take it before reading the values, so that no change
    /// falls between the read and the wait. Only observers (tests, diagnostics) call this; without them a change costs a read.
    /// </summary>
    public Task NextChange()
    {
        while (true)
        {
            var current = Volatile.Read(ref changed);
            if (current is not null)
            {
                return current.Task;
            }

            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Interlocked.CompareExchange(ref changed, created, null) is null)
            {
                return created.Task;
            }
        }
    }

    private void OnChanged()
    {
        if (Volatile.Read(ref changed) is not null)
        {
            Interlocked.Exchange(ref changed, null)?.TrySetResult();
        }
    }
}
