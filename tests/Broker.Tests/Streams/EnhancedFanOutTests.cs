using Broker.Streams;

namespace Broker.Tests.Streams;

/// <summary>Consumers and SubscribeToShard (kinesis.md §1.10; contract decision 9). Waits are bounded and wait on events, never on time.</summary>
public sealed class EnhancedFanOutTests : StreamFixture
{
    private static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan TakeoverDelay = TimeSpan.FromSeconds(5);

    [Fact]
    public void RegisterConsumer_returns_an_active_consumer_that_ListConsumers_shows()
    {
        var stream = Create(shards: 1);
        Time.Advance(TimeSpan.FromMinutes(3));

        var consumer = stream.RegisterConsumer("reader");

        Assert.Equal("reader", consumer.ConsumerName);
        Assert.False(string.IsNullOrEmpty(consumer.ConsumerArn));
        Assert.Equal(Now, consumer.CreatedAt);
        Assert.Equal(["reader"], stream.ListConsumers().Select(c => c.ConsumerName));
        Assert.Equal(consumer.ConsumerArn, stream.ListConsumers()[0].ConsumerArn);
        Assert.Equal(1, stream.Describe().ConsumerCount);
    }

    [Fact]
    public void Consumers_have_distinct_arns()
    {
        var stream = Create(shards: 1);

        var arns = Enumerable.Range(0, 5).Select(i => stream.RegisterConsumer($"c{i}").ConsumerArn).ToList();

        Assert.Equal(5, arns.Distinct().Count());
    }

    [Fact]
    public void RegisterConsumer_with_a_name_in_use_is_ResourceInUseException()
    {
        var stream = Create(shards: 1);
        var first = stream.RegisterConsumer("reader");

        ThrowsBroker(BrokerErrorCodes.ResourceInUseException, () => stream.RegisterConsumer("reader"));

        Assert.Equal(first, Assert.Single(stream.ListConsumers()));
    }

    [Fact]
    public void The_21st_consumer_is_LimitExceededException_until_one_is_deregistered()
    {
        var stream = Create(shards: 1);
        for (var i = 0; i < 20; i++)
        {
            stream.RegisterConsumer($"c{i}");
        }

        ThrowsBroker(BrokerErrorCodes.LimitExceededException, () => stream.RegisterConsumer("c20"));
        Assert.Equal(20, stream.ListConsumers().Count);

        stream.DeregisterConsumer("c7");
        stream.RegisterConsumer("c20");

        Assert.Equal(Enumerable.Range(0, 21).Where(i => i != 7).Select(i => $"c{i}").Order(StringComparer.Ordinal), stream.ListConsumers().Select(c => c.ConsumerName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_consumer_limit_is_per_stream()
    {
        var one = Create("one", shards: 1);
        var two = Create("two", shards: 1);
        for (var i = 0; i < 20; i++)
        {
            one.RegisterConsumer($"c{i}");
        }

        two.RegisterConsumer("c0");

        Assert.Single(two.ListConsumers());
    }

    [Fact]
    public void DeregisterConsumer_removes_it_and_frees_the_name()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");
        stream.RegisterConsumer("other");

        stream.DeregisterConsumer("reader");

        Assert.Equal(["other"], stream.ListConsumers().Select(c => c.ConsumerName));
        Assert.Equal(1, stream.Describe().ConsumerCount);
        stream.RegisterConsumer("reader");
    }

    [Fact]
    public void DeregisterConsumer_of_an_unknown_consumer_is_ResourceNotFoundException()
    {
        var stream = Create(shards: 1);

        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => stream.DeregisterConsumer("nobody"));
    }

    [Fact]
    public async Task SubscribeToShard_delivers_records_put_after_subscribing()
    {
        var stream = Create(shards: 2);
        stream.RegisterConsumer("reader");
        await using var subscription = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest));

        await PutAt(stream, 0, "a");
        await PutAt(stream, MaxHashKey, "elsewhere");
        await PutAt(stream, 1, "b");

        Assert.Equal(["a", "b"], (await subscription.Records(2)).Select(Text));
    }

    [Fact]
    public async Task SubscribeToShard_keeps_delivering_as_records_keep_arriving()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");
        await using var subscription = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest));

        for (var i = 0; i < 20; i++)
        {
            await Put(stream, "k", $"m{i}");
            Assert.Equal([$"m{i}"], (await subscription.Records(1)).Select(Text));
        }
    }

    [Fact]
    public async Task SubscribeToShard_starts_where_the_starting_position_says()
    {
        var stream = Create(shards: 1);
        var start = Now;
        await Put(stream, "k", "a");
        Time.Advance(TimeSpan.FromSeconds(1));
        var b = await Put(stream, "k", "b");
        Time.Advance(TimeSpan.FromSeconds(1));
        await Put(stream, "k", "c");
        var positions = new (StartingPosition Position, string[] Expected)[]
        {
            (new StartingPosition(ShardIteratorType.TrimHorizon), ["a", "b", "c", "d"]),
            (new StartingPosition(ShardIteratorType.AtSequenceNumber, b.SequenceNumber), ["b", "c", "d"]),
            (new StartingPosition(ShardIteratorType.AfterSequenceNumber, b.SequenceNumber), ["c", "d"]),
            (new StartingPosition(ShardIteratorType.AtTimestamp, Timestamp: start.AddMilliseconds(500)), ["b", "c", "d"]),
            (new StartingPosition(ShardIteratorType.Latest), ["d"]),
        };
        var subscriptions = positions.Select((p, i) =>
        {
            stream.RegisterConsumer($"c{i}");
            return Subscription.Start(stream, $"c{i}", ShardId(0), p.Position);
        }).ToList();

        await Put(stream, "k", "d");

        for (var i = 0; i < positions.Length; i++)
        {
            Assert.Equal(positions[i].Expected, (await subscriptions[i].Records(positions[i].Expected.Length)).Select(Text));
            await subscriptions[i].DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_consumers_each_get_every_record()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("one");
        stream.RegisterConsumer("two");
        await using var one = Subscription.Start(stream, "one", ShardId(0), new StartingPosition(ShardIteratorType.Latest));
        await using var two = Subscription.Start(stream, "two", ShardId(0), new StartingPosition(ShardIteratorType.Latest));

        await Put(stream, "k", "a");
        await Put(stream, "k", "b");

        Assert.Equal(["a", "b"], (await one.Records(2)).Select(Text));
        Assert.Equal(["a", "b"], (await two.Records(2)).Select(Text));
    }

    [Fact]
    public async Task Resubscribing_after_AFTER_SEQUENCE_NUMBER_of_the_continuation_sequence_number_loses_and_repeats_nothing()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");
        await Put(stream, "k", "a");
        await Put(stream, "k", "b");
        string continuation;
        using (var stop = new CancellationTokenSource())
        {
            await using var first = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.TrimHorizon), stop.Token);
            var got = await first.Records(2);
            Assert.Equal(["a", "b"], got.Select(Text));
            continuation = first.Events.Last(e => e.Records.Count > 0).ContinuationSequenceNumber;
            await stop.CancelAsync();
        }

        await Put(stream, "k", "c");
        Time.Advance(TakeoverDelay);
        await using var second = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.AfterSequenceNumber, continuation));
        await Put(stream, "k", "d");

        Assert.Equal(["c", "d"], (await second.Records(2)).Select(Text));
    }

    [Fact]
    public async Task Every_event_carries_a_continuation_sequence_number()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");
        await using var subscription = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest));

        await Put(stream, "k", "a");
        await subscription.Records(1);

        Assert.All(subscription.Events, e => Assert.False(string.IsNullOrEmpty(e.ContinuationSequenceNumber)));
        Assert.All(subscription.Events, e => Assert.Empty(e.ChildShards));
    }

    [Fact]
    public async Task A_subscription_ends_5_minutes_after_it_started_on_the_broker_clock()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");
        await using var subscription = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest));

        Time.Advance(SubscriptionLifetime - TimeSpan.FromTicks(1));
        await Put(stream, "k", "late");
        Assert.Equal(["late"], (await subscription.Records(1)).Select(Text));

        Time.Advance(TimeSpan.FromTicks(1));

        Assert.True(await subscription.EndsWithoutRecords(), "the subscription outlived 5 minutes");
    }

    [Fact]
    public async Task A_subscription_with_no_records_at_all_still_ends_after_5_minutes()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");
        await using var subscription = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest));

        Time.Advance(SubscriptionLifetime);

        Assert.True(await subscription.EndsWithoutRecords(), "the idle subscription outlived 5 minutes");
    }

    [Fact]
    public async Task Resubscribing_the_same_consumer_and_shard_within_5_seconds_is_ResourceInUseException()
    {
        var stream = Create(shards: 2);
        stream.RegisterConsumer("reader");
        stream.RegisterConsumer("other");
        await using var first = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest));

        Time.Advance(TakeoverDelay - TimeSpan.FromTicks(1));

        await Subscription.Fails(BrokerErrorCodes.ResourceInUseException, stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest));

        // Another shard, or another consumer, is a different subscription.
        await using var otherShard = Subscription.Start(stream, "reader", ShardId(1), new StartingPosition(ShardIteratorType.Latest));
        await using var otherConsumer = Subscription.Start(stream, "other", ShardId(0), new StartingPosition(ShardIteratorType.Latest));
        await PutAt(stream, 0, "a");
        await PutAt(stream, MaxHashKey, "b");
        Assert.Equal(["a"], (await first.Records(1)).Select(Text));
        Assert.Equal(["a"], (await otherConsumer.Records(1)).Select(Text));
        Assert.Equal(["b"], (await otherShard.Records(1)).Select(Text));
    }

    [Fact]
    public async Task Resubscribing_5_seconds_later_takes_over_and_ends_the_old_subscription()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");
        await using var first = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest));
        Time.Advance(TakeoverDelay);

        await using var second = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest));
        await Put(stream, "k", "a");

        Assert.Equal(["a"], (await second.Records(1)).Select(Text));
        Assert.True(await first.EndsWithoutRecords(tolerateResourceInUse: true), "the old subscription still ran after the takeover");
    }

    [Fact]
    public async Task At_the_end_of_a_closed_shard_the_last_event_names_the_children_and_the_subscription_completes()
    {
        var stream = Create(shards: 4);
        stream.RegisterConsumer("reader");
        await PutAt(stream, 0, "a");
        await using var subscription = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.TrimHorizon));
        Assert.Equal(["a"], (await subscription.Records(1)).Select(Text));

        stream.SplitShard(ShardId(0), "42535295865117307932921825928971026432");

        SubscribeToShardEvent? withChildren = null;
        for (var i = 0; i < 10 && withChildren is null; i++)
        {
            var next = await subscription.Next();
            Assert.NotNull(next);
            Assert.Empty(next.Records);
            withChildren = next.ChildShards.Count > 0 ? next : null;
        }

        Assert.NotNull(withChildren);
        Assert.Equal([ShardId(4), ShardId(5)], withChildren.ChildShards.Select(c => c.ShardId).Order(StringComparer.Ordinal));
        Assert.All(withChildren.ChildShards, c => Assert.Equal([ShardId(0)], c.ParentShards));
        Assert.Null(await subscription.Next());
    }

    [Fact]
    public async Task Subscribing_to_an_already_closed_and_read_shard_delivers_its_records_then_the_children()
    {
        var stream = Create(shards: 4);
        stream.RegisterConsumer("reader");
        await PutAt(stream, 0, "a");
        stream.MergeShards(ShardId(0), ShardId(1));

        await using var subscription = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.TrimHorizon));

        var records = new List<StreamRecord>();
        var children = new List<ChildShard>();
        while (await subscription.Next() is { } next)
        {
            records.AddRange(next.Records);
            children.AddRange(next.ChildShards);
        }

        Assert.Equal(["a"], records.Select(Text));
        var child = Assert.Single(children);
        Assert.Equal(ShardId(4), child.ShardId);
        Assert.Equal([ShardId(0), ShardId(1)], child.ParentShards.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DeregisterConsumer_ends_its_subscriptions()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");
        await using var subscription = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest));

        stream.DeregisterConsumer("reader");
        await Put(stream, "k", "a");

        Assert.True(await subscription.EndsWithoutRecords(tolerateAnyBrokerError: true), "the subscription outlived its consumer");
    }

    [Fact]
    public async Task Deleting_the_stream_ends_its_subscriptions()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");
        await using var subscription = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest));

        Broker.DeleteStream(stream.Name, enforceConsumerDeletion: true);

        Assert.True(await subscription.EndsWithoutRecords(tolerateAnyBrokerError: true), "the subscription outlived its stream");
    }

    [Fact]
    public async Task SubscribeToShard_with_a_sequence_number_of_another_shard_is_InvalidArgumentException()
    {
        var stream = Create(shards: 2);
        stream.RegisterConsumer("reader");
        var onZero = await PutAt(stream, 0, "a");

        await Subscription.Fails(BrokerErrorCodes.InvalidArgumentException, stream, "reader", ShardId(1), new StartingPosition(ShardIteratorType.AtSequenceNumber, onZero.SequenceNumber));
    }

    [Fact]
    public async Task An_event_behind_the_newest_record_reports_MillisBehindLatest_from_the_broker_clock()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");
        var start = Now;
        await Put(stream, "k", "a");
        Time.Advance(TimeSpan.FromSeconds(3));
        await Put(stream, "k", "b");

        await using var subscription = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.TrimHorizon));
        var records = await subscription.Records(2);

        // Whether both records come in one event (0 behind) or one each (3,000 then 0), the last event is caught up.
        Assert.Equal(["a", "b"], records.Select(Text));
        var withRecords = subscription.Events.Where(e => e.Records.Count > 0).ToList();
        Assert.Equal(0, withRecords[^1].MillisBehindLatest);
        foreach (var e in withRecords)
        {
            Assert.Equal((long)(start.AddSeconds(3) - e.Records[^1].ApproximateArrivalTimestamp).TotalMilliseconds, e.MillisBehindLatest);
        }
    }

    [Fact]
    public async Task SubscribeToShard_of_an_unknown_consumer_or_shard_is_ResourceNotFoundException()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");

        await Subscription.Fails(BrokerErrorCodes.ResourceNotFoundException, stream, "nobody", ShardId(0), new StartingPosition(ShardIteratorType.Latest));
        await Subscription.Fails(BrokerErrorCodes.ResourceNotFoundException, stream, "reader", ShardId(7), new StartingPosition(ShardIteratorType.Latest));
    }

    [Fact]
    public async Task SubscribeToShard_with_a_starting_position_missing_its_value_is_InvalidArgumentException()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("a");
        stream.RegisterConsumer("b");

        await Subscription.Fails(BrokerErrorCodes.InvalidArgumentException, stream, "a", ShardId(0), new StartingPosition(ShardIteratorType.AtSequenceNumber));
        await Subscription.Fails(BrokerErrorCodes.InvalidArgumentException, stream, "b", ShardId(0), new StartingPosition(ShardIteratorType.AtTimestamp));
    }

    [Fact]
    public async Task Cancelling_the_token_ends_the_subscription()
    {
        var stream = Create(shards: 1);
        stream.RegisterConsumer("reader");
        using var stop = new CancellationTokenSource();
        await using var subscription = Subscription.Start(stream, "reader", ShardId(0), new StartingPosition(ShardIteratorType.Latest), stop.Token);

        await stop.CancelAsync();

        Assert.True(await subscription.EndsWithoutRecords(tolerateCancellation: true));
    }

    /// <summary>
    /// One SubscribeToShard enumeration. <see cref="Start"/> calls MoveNextAsync at once, so the subscription is in place
    /// (and LATEST fixed) before the test puts anything; every later wait is bounded.
    /// </summary>
    private sealed class Subscription : IAsyncDisposable
    {
        private readonly IAsyncEnumerator<SubscribeToShardEvent> events;
        private Task<bool>? pending;

        private Subscription(IAsyncEnumerator<SubscribeToShardEvent> events)
        {
            this.events = events;
            pending = events.MoveNextAsync().AsTask();
        }

        public List<SubscribeToShardEvent> Events { get; } = [];

        public static Subscription Start(IDataStream stream, string consumer, string shardId, StartingPosition position, CancellationToken cancellationToken = default)
        {
            var subscription = new Subscription(stream.SubscribeToShard(consumer, shardId, position, cancellationToken).GetAsyncEnumerator(cancellationToken));
            if (subscription.pending is { IsFaulted: true } failed)
            {
                failed.GetAwaiter().GetResult();
            }

            return subscription;
        }

        public static async Task Fails(string code, IDataStream stream, string consumer, string shardId, StartingPosition position)
        {
            var error = await Assert.ThrowsAsync<BrokerException>(async () =>
            {
                var enumerator = stream.SubscribeToShard(consumer, shardId, position).GetAsyncEnumerator();
                await enumerator.MoveNextAsync().AsTask().WaitAsync(Bound);
            });
            Assert.Equal(code, error.ErrorCode);
        }

        /// <summary>The next event, or null when the enumeration completed.</summary>
        public async Task<SubscribeToShardEvent?> Next()
        {
            var move = pending ?? events.MoveNextAsync().AsTask();
            pending = null;
            if (!await move.WaitAsync(Bound))
            {
                return null;
            }

            Events.Add(events.Current);
            return events.Current;
        }

        /// <summary>Exactly <paramref name="count"/> records from the next events (events without records are skipped).</summary>
        public async Task<List<StreamRecord>> Records(int count)
        {
            var records = new List<StreamRecord>();
            while (records.Count < count)
            {
                var next = await Next() ?? throw new InvalidOperationException($"The subscription ended after {records.Count} of {count} records.");
                records.AddRange(next.Records);
            }

            Assert.Equal(count, records.Count);
            return records;
        }

        /// <summary>True when the enumeration completes (or fails as tolerated) without delivering another record.</summary>
        public async Task<bool> EndsWithoutRecords(bool tolerateResourceInUse = false, bool tolerateAnyBrokerError = false, bool tolerateCancellation = false)
        {
            try
            {
                for (var i = 0; i < 100; i++)
                {
                    var next = await Next();
                    if (next is null)
                    {
                        return true;
                    }

                    if (next.Records.Count > 0)
                    {
                        return false;
                    }
                }

                return false;
            }
            catch (BrokerException error) when (tolerateAnyBrokerError || (tolerateResourceInUse && error.ErrorCode == BrokerErrorCodes.ResourceInUseException))
            {
                return true;
            }
            catch (OperationCanceledException) when (tolerateCancellation)
            {
                return true;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await events.DisposeAsync();
            }
            catch (NotSupportedException)
            {
                // An async iterator cannot be disposed while a MoveNextAsync is pending; the broker ends it with the test.
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
