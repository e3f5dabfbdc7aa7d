namespace Broker.Streams;

/// <summary>
/// A data stream with the semantics of Amazon Kinesis Data Streams: an ordered, sharded, replayable log kept for a
/// retention period and read by many consumers at their own pace. Get one from <see cref="MessageBroker.CreateStream"/>.
/// Every failure is a <see cref="BrokerException"/> whose <see cref="BrokerException.ErrorCode"/> is Kinesis's
/// exception name; once the stream is deleted every call fails with <c>ResourceNotFoundException</c>.
/// </summary>
/// <remarks>
/// Putting and reading take no lock. Resharding, retention changes and consumer registration are cold paths that lock
/// the stream briefly. There are no CREATING or UPDATING phases in-process: every change takes effect at once and the
/// status is always <c>ACTIVE</c>.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The name is the product's contract: it is a data stream (Kinesis), not a System.IO.Stream.")]
public interface IDataStream
{
    /// <summary>The stream's name.</summary>
    string Name { get; }

    /// <summary>The stream's ARN: <c>arn:aws:kinesis:{region}:{account}:stream/{name}</c>.</summary>
    string Arn { get; }

    /// <summary>A summary of the stream (Kinesis: DescribeStreamSummary).</summary>
    /// <returns>Name, ARN, status, retention, open shard count, maximum record size, creation time and consumer count.</returns>
    StreamDescription Describe();

    /// <summary>
    /// Writes one record to the open shard that owns its hash key (Kinesis: PutRecord). Records written serially to one
    /// shard get increasing sequence numbers.
    /// </summary>
    /// <param name="request">The partition key, data and optional explicit hash key.</param>
    /// <param name="cancellationToken">Cancels the call before the record is written.</param>
    /// <returns>The shard and sequence number.</returns>
    /// <exception cref="BrokerException"><c>InvalidArgumentException</c> for an empty or too long partition key, a bad
    /// explicit hash key or sequence number for ordering, or a record larger than the maximum record size;
    /// <c>ProvisionedThroughputExceededException</c> when <see cref="StreamOptions.EnforceThroughputLimits"/> is on and the shard is over its write rate.</exception>
    ValueTask<PutRecordResult> PutRecordAsync(PutRecordRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes 1 to 500 records (Kinesis: PutRecords). Each entry succeeds or fails on its own, so the order of records
    /// in a shard is not guaranteed to follow the request when some fail; a bad entry fails the whole request.
    /// </summary>
    /// <param name="records">1 to 500 entries, together at most 10 MiB of data and partition keys.</param>
    /// <param name="cancellationToken">Cancels the call before any record is written.</param>
    /// <returns>One result per entry, in order, and the number that failed.</returns>
    /// <exception cref="BrokerException"><c>InvalidArgumentException</c> for no entries, more than 500, more than 10 MiB, or any invalid entry.</exception>
    ValueTask<PutRecordsResult> PutRecordsAsync(IReadOnlyList<PutRecordsRequestEntry> records, CancellationToken cancellationToken = default);

    /// <summary>
    /// An opaque iterator for reading a shard with <see cref="GetRecordsAsync"/> (Kinesis: GetShardIterator). It is valid
    /// for 5 minutes of the broker's clock and may be used any number of times in that window. On a closed shard,
    /// <see cref="ShardIteratorType.Latest"/> points at its end.
    /// </summary>
    /// <param name="shardId">The shard to read.</param>
    /// <param name="type">Where to start.</param>
    /// <param name="startingSequenceNumber">Required for the two sequence-number types; a number of this shard.</param>
    /// <param name="timestamp">Required for <see cref="ShardIteratorType.AtTimestamp"/>; a time before the trim horizon starts there.</param>
    /// <returns>The iterator.</returns>
    /// <exception cref="BrokerException"><c>ResourceNotFoundException</c> for an unknown or expired shard;
    /// <c>InvalidArgumentException</c> for a missing or malformed argument or a sequence number this shard never issued.</exception>
    string GetShardIterator(string shardId, ShardIteratorType type, string? startingSequenceNumber = null, DateTimeOffset? timestamp = null);

    /// <summary>
    /// Reads records from a shard (Kinesis: GetRecords): up to <paramref name="limit"/> records and at most 10 MiB of data.
    /// An empty page is normal. At the end of a closed shard the result has no next iterator and lists the child shards.
    /// Records that retention has trimmed are skipped: the read continues at the trim horizon.
    /// </summary>
    /// <param name="shardIterator">An iterator from <see cref="GetShardIterator"/> or a previous result.</param>
    /// <param name="limit">The most records to return, 1 to 10,000. Default 10,000.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The records, the next iterator and how far behind the shard's newest record they are.</returns>
    /// <exception cref="BrokerException"><c>InvalidArgumentException</c> for a limit out of range or an iterator this stream
    /// did not issue; <c>ExpiredIteratorException</c> for an iterator older than 5 minutes;
    /// <c>ProvisionedThroughputExceededException</c> when throughput limits are on and the shard is over its read rate.</exception>
    ValueTask<GetRecordsResult> GetRecordsAsync(string shardIterator, int limit = 10_000, CancellationToken cancellationToken = default);

    /// <summary>
    /// The stream's shards in id order (Kinesis: ListShards, every page at once). The default filter,
    /// <see cref="ShardFilterType.FromTrimHorizon"/>, lists closed shards too; expired shards (closed, with every record
    /// past retention) are never listed.
    /// </summary>
    /// <param name="filter">Which shards; <see langword="null"/> for <see cref="ShardFilterType.FromTrimHorizon"/>.</param>
    /// <returns>The shards.</returns>
    /// <exception cref="BrokerException"><c>InvalidArgumentException</c> when the filter lacks its shard id or timestamp.</exception>
    IReadOnlyList<Shard> ListShards(ShardFilter? filter = null);

    /// <summary>
    /// A page of the stream's shards in id order (Kinesis: ListShards with MaxResults, NextToken and
    /// ExclusiveStartShardId). Follow <see cref="ListShardsResult.NextToken"/> until it is <see langword="null"/>; a shard
    /// created between pages is listed on a later page when its id comes after the last one listed.
    /// </summary>
    /// <param name="request">The page to list.</param>
    /// <returns>The page and the token of the next one.</returns>
    /// <exception cref="BrokerException"><c>ValidationException</c> for MaxResults outside 1 to 10,000;
    /// <c>InvalidArgumentException</c> for a token combined with ExclusiveStartShardId or ShardFilter, a token that is not
    /// one of this stream's, or a filter that lacks its shard id or timestamp; <c>ExpiredNextTokenException</c> for a
    /// token older than 5 minutes.</exception>
    ListShardsResult ListShards(ListShardsRequest request);

    /// <summary>
    /// Closes an open shard and creates two children (Kinesis: SplitShard): the first owns
    /// <c>[start, newStartingHashKey − 1]</c>, the second <c>[newStartingHashKey, end]</c>. In-process it takes effect at
    /// once (Kinesis goes through UPDATING): new writes go to the children, the parent stays readable to its end.
    /// </summary>
    /// <param name="shardToSplit">The open shard to split.</param>
    /// <param name="newStartingHashKey">A decimal hash key greater than the shard's start plus one and less than its end.</param>
    /// <exception cref="BrokerException"><c>ResourceNotFoundException</c> for an unknown shard; <c>ResourceInUseException</c>
    /// for a closed one; <c>InvalidArgumentException</c> for a bad hash key; <c>LimitExceededException</c> beyond 10,000 open shards.</exception>
    void SplitShard(string shardToSplit, string newStartingHashKey);

    /// <summary>
    /// Closes two adjacent open shards and creates one child owning both ranges (Kinesis: MergeShards). The child's
    /// parent is <paramref name="shardToMerge"/> and its adjacent parent <paramref name="adjacentShardToMerge"/>, in
    /// either hash order. Takes effect at once.
    /// </summary>
    /// <param name="shardToMerge">One open shard.</param>
    /// <param name="adjacentShardToMerge">An open shard whose range touches the first's.</param>
    /// <exception cref="BrokerException"><c>ResourceNotFoundException</c> for an unknown shard; <c>ResourceInUseException</c>
    /// for a closed one; <c>InvalidArgumentException</c> when the shards are the same or not adjacent.</exception>
    void MergeShards(string shardToMerge, string adjacentShardToMerge);

    /// <summary>
    /// Rescales the stream to <paramref name="targetShardCount"/> open shards of even ranges, through splits and merges
    /// (Kinesis: UpdateShardCount with UNIFORM_SCALING); intermediate shards may appear, closed, in the listing.
    /// Takes effect at once.
    /// </summary>
    /// <param name="targetShardCount">1 to 10,000, at most twice and at least half the open shard count.</param>
    /// <exception cref="BrokerException"><c>InvalidArgumentException</c> for a target out of those bounds;
    /// <c>LimitExceededException</c> for more than 10 scalings in a rolling 24 hours of the broker's clock.</exception>
    void UpdateShardCount(int targetShardCount);

    /// <summary>
    /// Lengthens retention (Kinesis: IncreaseStreamRetentionPeriod). Records already trimmed stay gone.
    /// </summary>
    /// <param name="retentionPeriod">Whole hours, 24 to 8,760, not shorter than the current period.</param>
    /// <exception cref="BrokerException"><c>InvalidArgumentException</c> for a period out of range or shorter than the current one.</exception>
    void IncreaseRetentionPeriod(TimeSpan retentionPeriod);

    /// <summary>Shortens retention (Kinesis: DecreaseStreamRetentionPeriod); older records become unreadable at once.</summary>
    /// <param name="retentionPeriod">Whole hours, 24 to 8,760, not longer than the current period.</param>
    /// <exception cref="BrokerException"><c>InvalidArgumentException</c> for a period out of range or longer than the current one.</exception>
    void DecreaseRetentionPeriod(TimeSpan retentionPeriod);

    /// <summary>Changes the largest record accepted (Kinesis: UpdateMaxRecordSize). Stored records are unaffected.</summary>
    /// <param name="maxRecordSizeInKiB">1,024 to 10,240.</param>
    /// <exception cref="BrokerException"><c>ValidationException</c> for a value out of range.</exception>
    void UpdateMaxRecordSize(int maxRecordSizeInKiB);

    /// <summary>Registers an enhanced fan-out consumer (Kinesis: RegisterStreamConsumer); it is ACTIVE at once in-process.</summary>
    /// <param name="consumerName">1 to 128 letters, digits, '_', '.' and '-'.</param>
    /// <returns>The consumer.</returns>
    /// <exception cref="BrokerException"><c>ResourceInUseException</c> when the name is taken; <c>LimitExceededException</c>
    /// beyond 20 consumers; <c>ValidationException</c> for a bad name.</exception>
    StreamConsumer RegisterConsumer(string consumerName);

    /// <summary>Deregisters a consumer (Kinesis: DeregisterStreamConsumer); its subscriptions end.</summary>
    /// <param name="consumerName">The consumer's name.</param>
    /// <exception cref="BrokerException"><c>ResourceNotFoundException</c> for an unknown consumer.</exception>
    void DeregisterConsumer(string consumerName);

    /// <summary>The registered consumers, in ordinal order of name (Kinesis: ListStreamConsumers, without paging).</summary>
    /// <returns>The consumers.</returns>
    IReadOnlyList<StreamConsumer> ListConsumers();

    /// <summary>
    /// Pushes a shard's records to a consumer as they arrive (Kinesis: SubscribeToShard). Each event carries the records
    /// since the previous one; the producer wakes the subscription, nothing polls. The enumeration completes after
    /// 5 minutes of the broker's clock (subscribe again from <see cref="SubscribeToShardEvent.ContinuationSequenceNumber"/>),
    /// after the end of a closed shard (the last event lists the child shards), when another subscription of the same
    /// consumer and shard takes over, or when the consumer is deregistered. Arguments are checked when this method is called.
    /// </summary>
    /// <param name="consumerName">A registered consumer.</param>
    /// <param name="shardId">The shard.</param>
    /// <param name="startingPosition">Where to start, as for <see cref="GetShardIterator"/>.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <returns>The events.</returns>
    /// <exception cref="BrokerException"><c>ResourceNotFoundException</c> for an unknown consumer or shard;
    /// <c>ResourceInUseException</c> when the same consumer subscribed to the same shard less than 5 seconds ago;
    /// <c>InvalidArgumentException</c> for a bad starting position.</exception>
    IAsyncEnumerable<SubscribeToShardEvent> SubscribeToShard(string consumerName, string shardId, StartingPosition startingPosition, CancellationToken cancellationToken = default);
}
