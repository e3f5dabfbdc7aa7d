namespace Broker.Hosting;

/// <summary>
/// How a hosted queue consumer (<c>AddQueueConsumer</c>, <c>AddQueueBatchConsumer</c>) receives, handles and scales.
/// Every value is checked when the consumer is registered; a value out of range fails the registration with an
/// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> that names it.
/// </summary>
/// <remarks>
/// <para><b>Workers.</b> A worker is an asynchronous loop: it long-polls the queue for up to <see cref="BatchSize"/>
/// messages (waiting up to <see cref="WaitTime"/>), hands them to the handler one by one (or all at once to a batch
/// handler), deletes each message whose handler succeeded, and polls again. Workers hold no thread while they wait.</para>
/// <para><b>Scaling policy.</b> The consumer runs between <see cref="MinConcurrency"/> and <see cref="MaxConcurrency"/>
/// workers, driven by the queue's load: its depth (<c>ApproximateNumberOfMessages</c>, the messages visible and waiting)
/// and the age of its oldest message.</para>
/// <list type="bullet">
/// <item><description>Start: <see cref="MinConcurrency"/> workers start with the host.</description></item>
/// <item><description>Idle at zero: with no worker running, the consumer keeps exactly one long-poll receive pending and
/// re-issues it when its wait ends. That receive holds no thread and no timer of its own; a producer's send wakes it, and
/// the messages it gets go to a new worker.</description></item>
/// <item><description>Scale up on depth: after every receive that returned messages, and every
/// <see cref="ScaleInterval"/> while some but fewer than <see cref="MaxConcurrency"/> workers run and none of them is
/// waiting for messages, the consumer reads the load and starts one more worker for every
/// <see cref="ScaleUpBacklogPerWorker"/> visible messages (rounded down).</description></item>
/// <item><description>Scale up on age: when that adds none but messages are visible and the oldest message in the queue
/// is at least <see cref="ScaleUpAge"/> old, it starts one more worker.</description></item>
/// <item><description>Never above <see cref="MaxConcurrency"/> workers in all.</description></item>
/// <item><description>Scale down: a worker whose receive comes back empty (it waited <see cref="WaitTime"/> and got
/// nothing) stops, as long as more than <see cref="MinConcurrency"/> workers run. An idle consumer is therefore back at
/// <see cref="MinConcurrency"/> one <see cref="WaitTime"/> after the last message.</description></item>
/// </list>
/// <para>The number of workers is reported by the <c>broker.consumer.concurrency</c> instrument of the "Broker" meter.</para>
/// <para><b>Failures.</b> A handler that throws, or runs past <see cref="HandlerTimeout"/>, leaves its message in the
/// queue: it becomes visible again when its visibility timeout ends (or after <see cref="RetryDelay"/>), and the queue's
/// redrive policy moves it to the dead-letter queue after <c>MaxReceiveCount</c> receives. A body that cannot be
/// deserialized is logged, counted (<c>broker.consumer.deserialization_failures</c>) and left to the redrive policy the
/// same way. On a FIFO queue the messages after a failed one in the same receive are not handled but released at once,
/// so that the group's order holds when the failed message is delivered again.</para>
/// <para><b>Shutdown.</b> When the host stops, the consumer stops receiving (pending receives are cancelled), releases
/// the messages it received but did not start (their visibility is set to zero, so another consumer can take them at
/// once) and lets the handlers that run finish. When the host's shutdown timeout ends first, their cancellation tokens
/// are cancelled and their messages return after their visibility timeout. A message is deleted only after its handler
/// succeeded, so nothing accepted is lost across a stop and a restart.</para>
/// </remarks>
public sealed class QueueConsumerOptions
{
    /// <summary>
    /// Workers that always run, from 0 to <see cref="MaxConcurrency"/>. Default 0: an idle consumer keeps one pending
    /// receive and no worker, and wakes on the next message.
    /// </summary>
    public int MinConcurrency { get; set; }

    /// <summary>The most workers that run at once, and so the most handlers running at once, 1 to 1,000. Default 10.</summary>
    public int MaxConcurrency { get; set; } = 10;

    /// <summary>
    /// The most messages one receive returns, 1 to 10 (SQS's <c>MaxNumberOfMessages</c>). Default 10. A worker handles the
    /// messages of one receive one after another; a batch handler gets them all at once.
    /// </summary>
    public int BatchSize { get; set; } = 10;

    /// <summary>
    /// How long a receive waits for a message when none is visible (long polling, SQS's <c>WaitTimeSeconds</c>), greater
    /// than zero and at most 20 seconds. Default 20 seconds. It is also how long a worker stays idle before it stops
    /// (see the scaling policy). Zero (short polling) is not allowed: a hosted consumer would poll in a loop.
    /// </summary>
    public TimeSpan WaitTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The visibility timeout of the messages this consumer receives, in whole seconds from 0 to 12 hours; null (the
    /// default) takes the queue's <c>VisibilityTimeout</c>.
    /// </summary>
    public TimeSpan? VisibilityTimeout { get; set; }

    /// <summary>
    /// How long a handler may run, the analogue of a Lambda function's timeout: greater than zero and at most 12 hours, or
    /// <see cref="Timeout.InfiniteTimeSpan"/> (the default) for no limit. When it elapses, on the broker's clock, the
    /// handler's cancellation token is cancelled and the invocation counts as a failure even if the handler then returns:
    /// its message is not deleted. A handler is never abandoned; it should observe its token.
    /// </summary>
    public TimeSpan HandlerTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Whether the consumer keeps the messages it holds invisible while their handler runs, so that a long handler does
    /// not see its message delivered again. Default true. Every half visibility timeout, each held message whose visibility
    /// ends within half a timeout is extended by a whole timeout (SQS ChangeMessageVisibility), until its handler ends or
    /// SQS's limit of 12 hours from the receive is reached. Has no effect with a visibility timeout of zero.
    /// </summary>
    public bool ExtendVisibility { get; set; } = true;

    /// <summary>
    /// How soon a failed message is delivered again, from its receive count (1 on the first delivery); null (the default)
    /// leaves it invisible until its visibility timeout ends. The delay is rounded up to whole seconds and capped at
    /// 12 hours; the consumer sets it with ChangeMessageVisibility. Exponential backoff, for example:
    /// <c>attempt =&gt; TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, attempt)))</c>.
    /// </summary>
    public Func<int, TimeSpan>? RetryDelay { get; set; }

    /// <summary>
    /// Visible messages that justify one more worker, 1 to 120,000 (see the scaling policy). Default 10, one receive's
    /// worth at the default <see cref="BatchSize"/>.
    /// </summary>
    public int ScaleUpBacklogPerWorker { get; set; } = 10;

    /// <summary>
    /// The age of the queue's oldest message that justifies one more worker even when the depth alone does not (see the
    /// scaling policy), greater than zero. Default 5 seconds.
    /// </summary>
    public TimeSpan ScaleUpAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the consumer reads the queue's load while all of its workers are busy and more may start, on the broker's
    /// clock, from 10 milliseconds to 1 hour. Default 1 second. Nothing is read while the consumer is idle.
    /// </summary>
    public TimeSpan ScaleInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A copy, so that a consumer keeps the values it was registered with.</summary>
    internal QueueConsumerOptions Copy() => (QueueConsumerOptions)MemberwiseClone();
}
