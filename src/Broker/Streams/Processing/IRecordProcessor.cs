namespace Broker.Streams.Processing;

/// <summary>
/// Processes the records of one shard for a <see cref="StreamProcessor"/>, as a KCL 2.x <c>ShardRecordProcessor</c>
/// does. The processor creates one instance per shard lease it takes (through the factory it was given) and calls it
/// from one task at a time, in this order: <see cref="InitializeAsync"/> once, <see cref="ProcessRecordsAsync"/> for each
/// non-empty batch in sequence-number order, then exactly one of <see cref="LeaseLostAsync"/>,
/// <see cref="ShardEndedAsync"/> or <see cref="ShutdownRequestedAsync"/>.
/// </summary>
/// <remarks>
/// Delivery is at least once: records after the last checkpoint are handed again to the next owner of the shard
/// (after a restart, a failover or a rebalance), so make downstream effects idempotent. An exception from a callback
/// ends processing of the shard on this worker and releases its lease, so the records after the last checkpoint are
/// delivered again (KCL logs and skips the batch instead; the broker has no logger and never skips records).
/// </remarks>
public interface IRecordProcessor
{
    /// <summary>Called once before any records are handed over (KCL: <c>initialize</c>).</summary>
    /// <param name="input">The shard and the checkpoint processing starts after.</param>
    /// <param name="cancellationToken">Cancelled when the processor is stopped or the lease is lost.</param>
    /// <returns>A task that completes when the processor is ready.</returns>
    ValueTask InitializeAsync(InitializationInput input, CancellationToken cancellationToken);

    /// <summary>
    /// Called with each non-empty batch of records, in order (KCL: <c>processRecords</c>). Checkpoint through
    /// <see cref="ProcessRecordsInput.Checkpointer"/> to record progress; records after the last checkpoint are
    /// delivered again if the shard changes owner.
    /// </summary>
    /// <param name="input">The records, how far behind the tip of the shard they are, and the checkpointer.</param>
    /// <param name="cancellationToken">Cancelled when the processor is stopped or the lease is lost.</param>
    /// <returns>A task that completes when the batch is processed; the next batch is not handed over before.</returns>
    ValueTask ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken);

    /// <summary>
    /// Called when another worker took the shard's lease (KCL: <c>leaseLost</c>). The processor can no longer
    /// checkpoint: its checkpointer throws <see cref="LeaseLostException"/>. Records after the last checkpoint will be
    /// delivered to the new owner.
    /// </summary>
    /// <param name="cancellationToken">Cancelled when the processor is stopped.</param>
    /// <returns>A task that completes when the processor has let go of the shard.</returns>
    ValueTask LeaseLostAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Called when every record of a closed shard has been handed over (KCL: <c>shardEnded</c>). The processor MUST
    /// call <see cref="ICheckpointer.CheckpointAsync(CancellationToken)"/>, which records <c>SHARD_END</c>; only then is
    /// the shard finished and are leases for its child shards created. If it does not, the call is repeated after
    /// <see cref="StreamProcessorOptions.IdleTimeBetweenReads"/> and the children never start.
    /// </summary>
    /// <param name="checkpointer">The checkpointer; its parameterless checkpoint records <c>SHARD_END</c>.</param>
    /// <param name="cancellationToken">Cancelled when the processor is stopped or the lease is lost.</param>
    /// <returns>A task that completes when the processor is done with the shard.</returns>
    ValueTask ShardEndedAsync(ICheckpointer checkpointer, CancellationToken cancellationToken);

    /// <summary>
    /// Called when the <see cref="StreamProcessor"/> stops gracefully (KCL: <c>shutdownRequested</c>); a final checkpoint
    /// is allowed, after which the lease is released.
    /// </summary>
    /// <param name="checkpointer">The checkpointer, still valid during this call.</param>
    /// <param name="cancellationToken">The token passed to <see cref="StreamProcessor.StopAsync"/>.</param>
    /// <returns>A task that completes when the processor is done.</returns>
    ValueTask ShutdownRequestedAsync(ICheckpointer checkpointer, CancellationToken cancellationToken);
}
