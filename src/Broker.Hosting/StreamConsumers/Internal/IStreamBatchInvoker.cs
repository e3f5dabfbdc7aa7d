using Broker.Streams;

namespace Broker.Hosting.Internal;

/// <summary>One invocation of a stream consumer's handler, kept apart from the batching so the batcher is not generic.</summary>
internal interface IStreamBatchInvoker
{
    /// <summary>
    /// Deserializes the records and hands them to a handler resolved from a new DI scope, with a consumer activity, logs and
    /// metrics. A record that cannot be deserialized fails the invocation without calling the handler.
    /// </summary>
    /// <param name="records">The batch, in shard order; not empty.</param>
    /// <param name="shardId">Their shard.</param>
    /// <param name="attempt">How many times these records have been handed over, this time included.</param>
    /// <param name="millisBehindLatest">From the read that returned the records.</param>
    /// <param name="cancellationToken">The handler's token.</param>
    /// <returns><see langword="null"/> when the handler succeeded, else the failure (already logged and counted).</returns>
    ValueTask<Exception?> InvokeAsync(ArraySegment<StreamRecord> records, string shardId, int attempt, long millisBehindLatest, CancellationToken cancellationToken);
}
