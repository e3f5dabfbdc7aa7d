namespace Broker.Streams.Processing;

/// <summary>
/// Records how far a <see cref="IRecordProcessor"/> got in its shard, in the shard's lease (KCL:
/// <c>RecordProcessorCheckpointer</c>). The next owner of the shard resumes after the checkpointed sequence number.
/// </summary>
public interface ICheckpointer
{
    /// <summary>
    /// Checkpoints the last record handed to the processor; during <see cref="IRecordProcessor.ShardEndedAsync"/> it
    /// records <c>SHARD_END</c> instead, which finishes the shard.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for the lease store.</param>
    /// <returns>A task that completes when the checkpoint is stored.</returns>
    /// <exception cref="LeaseLostException">This worker no longer holds the shard's lease.</exception>
    ValueTask CheckpointAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Checkpoints at a record already handed to this processor for this shard (KCL validates the same way).
    /// Checkpointing the current checkpoint again does nothing.
    /// </summary>
    /// <param name="sequenceNumber">The sequence number of a record handed over since the last checkpoint.</param>
    /// <param name="cancellationToken">Cancels the wait for the lease store.</param>
    /// <returns>A task that completes when the checkpoint is stored.</returns>
    /// <exception cref="ArgumentException">The sequence number was not handed to this processor after the last
    /// checkpoint (unknown, of another shard, or behind the checkpoint).</exception>
    /// <exception cref="LeaseLostException">This worker no longer holds the shard's lease.</exception>
    ValueTask CheckpointAsync(string sequenceNumber, CancellationToken cancellationToken = default);
}
