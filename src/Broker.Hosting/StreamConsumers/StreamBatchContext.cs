namespace Broker.Hosting;

/// <summary>What a stream handler knows about the batch it handles besides its records.</summary>
public sealed class StreamBatchContext
{
    /// <summary>Creates a context. Hosted stream consumers create these; tests of handlers may too.</summary>
    /// <param name="streamName">The stream's name.</param>
    /// <param name="shardId">The shard the records come from.</param>
    /// <param name="consumerGroup">The consumer group (the processor's application name).</param>
    /// <param name="attempt">How many times these records have been handed to the handler, this time included (1 the first time).</param>
    /// <param name="millisBehindLatest">How far the shard's newest record is ahead of the last one read, in milliseconds.</param>
    /// <param name="services">The DI scope of this batch.</param>
    public StreamBatchContext(string streamName, string shardId, string consumerGroup, int attempt, long millisBehindLatest, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(streamName);
        ArgumentNullException.ThrowIfNull(shardId);
        ArgumentNullException.ThrowIfNull(consumerGroup);
        ArgumentNullException.ThrowIfNull(services);
        StreamName = streamName;
        ShardId = shardId;
        ConsumerGroup = consumerGroup;
        Attempt = attempt;
        MillisBehindLatest = millisBehindLatest;
        Services = services;
    }

    /// <summary>The stream's name.</summary>
    public string StreamName { get; }

    /// <summary>The shard every record of the batch comes from.</summary>
    public string ShardId { get; }

    /// <summary>The consumer group: consumers with the same group and lease store share the stream's shards and checkpoints.</summary>
    public string ConsumerGroup { get; }

    /// <summary>
    /// How many times these records have been handed to the handler, this time included: 1 the first time, 2 on the first
    /// retry. A half of a bisected batch counts the invocations of the batch it was split from (Lambda's
    /// <c>approximateInvokeCount</c>).
    /// </summary>
    public int Attempt { get; }

    /// <summary>
    /// How far behind the newest record of the shard the consumer was when it read these records, in milliseconds (Kinesis:
    /// <c>MillisBehindLatest</c>); 0 when it was caught up.
    /// </summary>
    public long MillisBehindLatest { get; }

    /// <summary>The DI scope created for this batch; it is disposed when the handler returns.</summary>
    public IServiceProvider Services { get; }
}
