using Broker.Streams.Processing.Internal;

namespace Broker.Streams.Processing;

/// <summary>
/// A consumer-group processor for a data stream in the style of the Kinesis Client Library 2.x: the processors that
/// share an <see cref="StreamProcessorOptions.ApplicationName"/> and a <see cref="StreamProcessorOptions.LeaseStore"/>
/// split the stream's shards through leases, each leased shard is read by its own <see cref="IRecordProcessor"/>, and
/// progress is checkpointed in the lease so the next owner resumes after it.
/// </summary>
/// <remarks>
/// <para>
/// As the KCL: an empty lease table is seeded from ListShards with the filter of the initial position; expired leases
/// (counter unchanged for <see cref="StreamProcessorOptions.FailoverTime"/> as seen by this worker) are taken first;
/// otherwise a worker below its share (ceil(leases / workers)) steals at most
/// <see cref="StreamProcessorOptions.MaxLeasesToStealAtOneTime"/> from the most loaded worker; held leases are renewed
/// every third of the failover time; child shards start at <c>TRIM_HORIZON</c> only after every parent is at
/// <c>SHARD_END</c>. Delivery is at least once.
/// </para>
/// <para>
/// Every wait uses the broker's <see cref="TimeProvider"/>, so a test on a fake clock drives the processor by advancing
/// it. In-process differences: lease taking runs on the renewal beat (the KCL takes every two failover times); a
/// processor that throws loses its lease instead of skipping the batch; finished (<c>SHARD_END</c>) leases are released
/// and kept, not deleted.
/// </para>
/// </remarks>
public sealed class StreamProcessor : IAsyncDisposable
{
    private readonly Scheduler scheduler;
    private readonly ActivityTracker activity = new();
    private int state; // 0 new, 1 started, 2 stopped

    /// <summary>Creates a processor for a stream on the clock of its broker.</summary>
    /// <param name="broker">The broker that holds the stream; its <see cref="MessageBroker.TimeProvider"/> drives every wait.</param>
    /// <param name="streamName">The stream's name or ARN.</param>
    /// <param name="options">The settings.</param>
    /// <param name="processorFactory">Creates the processor for a shard id, once per lease taken.</param>
    /// <exception cref="BrokerException">No such stream (<c>ResourceNotFoundException</c>).</exception>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public StreamProcessor(MessageBroker broker, string streamName, StreamProcessorOptions options, Func<string, IRecordProcessor> processorFactory)
        : this(GetStream(broker, streamName), broker.TimeProvider, options, processorFactory)
    {
    }

    /// <summary>Creates a processor for a stream.</summary>
    /// <param name="stream">The stream to read.</param>
    /// <param name="timeProvider">The clock every wait uses: the stream's broker's <see cref="MessageBroker.TimeProvider"/>.</param>
    /// <param name="options">The settings.</param>
    /// <param name="processorFactory">Creates the processor for a shard id, once per lease taken.</param>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public StreamProcessor(IDataStream stream, TimeProvider timeProvider, StreamProcessorOptions options, Func<string, IRecordProcessor> processorFactory)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(processorFactory);
        Validate(options);
        Options = options;
        scheduler = new Scheduler(new ProcessorContext(stream, timeProvider, options, processorFactory, activity));
    }

    /// <summary>The settings.</summary>
    public StreamProcessorOptions Options { get; }

    /// <summary>This worker's id, written as the owner of the leases it holds.</summary>
    public string WorkerId => Options.WorkerId;

    /// <summary>The shards whose leases this worker holds now.</summary>
    internal IReadOnlyCollection<string> HeldShardIds => scheduler.HeldShardIds;

    /// <summary>
    /// Starts the worker: its first round (shard sync, taking leases, starting processors) begins at once in the
    /// background. A processor starts once and stops once.
    /// </summary>
    /// <param name="cancellationToken">Not used after the call returns; stop with <see cref="StopAsync"/>.</param>
    /// <returns>A completed task.</returns>
    /// <exception cref="InvalidOperationException">Already started or stopped.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.CompareExchange(ref state, 1, 0) != 0)
        {
            throw new InvalidOperationException("A StreamProcessor starts once; create a new one to start again.");
        }

        scheduler.Start();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops gracefully (KCL: graceful shutdown): no more leases are taken or renewed, each processor gets
    /// <see cref="IRecordProcessor.ShutdownRequestedAsync"/> and may checkpoint, then its lease is released so another
    /// worker takes it at its next round. Does nothing if not started or already stopped.
    /// </summary>
    /// <param name="cancellationToken">Passed to <see cref="IRecordProcessor.ShutdownRequestedAsync"/>.</param>
    /// <returns>A task that completes when every processor has shut down.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        Interlocked.CompareExchange(ref state, 2, 1) == 1 ? scheduler.StopAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Stops gracefully, as <see cref="StopAsync"/>.</summary>
    /// <returns>A task that completes when every processor has shut down.</returns>
    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>A task that completes when every loop of this worker waits on the clock (for tests on a fake clock).</summary>
    internal Task WhenIdleAsync() => activity.WhenIdleAsync();

    /// <summary>Stops without callbacks or releasing leases, as if the process died (for failover tests).</summary>
    internal Task AbandonAsync() =>
        Interlocked.CompareExchange(ref state, 2, 1) == 1 ? scheduler.AbandonAsync() : Task.CompletedTask;

    private static IDataStream GetStream(MessageBroker broker, string streamName)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        return broker.GetStream(streamName);
    }

    private static void Validate(StreamProcessorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.ApplicationName, "options.ApplicationName");
        ArgumentException.ThrowIfNullOrEmpty(options.WorkerId, "options.WorkerId");
        ArgumentNullException.ThrowIfNull(options.LeaseStore, "options.LeaseStore");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRecords, 1, "options.MaxRecords");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxRecords, 10_000, "options.MaxRecords");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.IdleTimeBetweenReads, TimeSpan.Zero, "options.IdleTimeBetweenReads");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.FailoverTime, TimeSpan.Zero, "options.FailoverTime");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ShardSyncInterval, TimeSpan.Zero, "options.ShardSyncInterval");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLeasesToStealAtOneTime, 1, "options.MaxLeasesToStealAtOneTime");
        if (options.InitialPosition == InitialPosition.AtTimestamp && options.InitialTimestamp is null)
        {
            throw new ArgumentException("InitialPosition AtTimestamp needs InitialTimestamp; set it, or choose Latest or TrimHorizon.", nameof(options));
        }

        if (!Enum.IsDefined(options.InitialPosition))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.InitialPosition, "InitialPosition must be Latest, TrimHorizon or AtTimestamp.");
        }
    }
}
