using Broker.Streams;
using FsCheck;
using FsCheck.Fluent;
using static Broker.BrokerErrorCodes;

namespace Broker.PropertyTests.Hostile;

/// <summary>Hostile partition and hash keys, shard ids, sequence numbers, iterators, reshard and retention arguments, consumer and stream names (see <see cref="HostileInventory"/>).</summary>
public sealed class StreamHostileTests
{
    private const int Cases = 100;

    /// <summary>Kinesis answers malformed arguments with one of these two, depending on whether its model or its service checks them.</summary>
    private static readonly string[] Malformed = [InvalidArgumentException, ValidationException];

    private static readonly string[] LiveShards = ["shardId-000000000001", "shardId-000000000002", "shardId-000000000003"];

    private static readonly Gen<string> ShardIdGen = Gen.Frequency(
        (4, Gen.Elements([.. LiveShards, "shardId-000000000000"])),
        (1, Gen.Elements("shardId-000000000004", "shardId-000000000099", "shardId-0000000000001", "shardId--00000000001", "shardId-99999999999999999999", "SHARDID-000000000001", "shardId-00000000000\u0661")),
        (2, HostileText.Arbitrary().Generator.Select(static t => t.Value)));

    private static readonly Gen<string> HashKeyGen = Gen.Frequency(
        (3, Gen.Elements("0", "1", "42", "85070591730234615865843651857942052864", "170141183460469231731687303715884105728", "340282366920938463463374607431768211455")),
        (2, Gen.Elements("340282366920938463463374607431768211456", "-1", "01", " 1", "1e5", "+1", "1.0", "\u0663", "", new string('9', 10_000))),
        (1, HostileText.Arbitrary().Generator.Select(static t => t.Value)));

    private static bool IsHashKey(string text) =>
        text.Length is > 0 and <= 39 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
        && System.Numerics.BigInteger.Parse(text, System.Globalization.CultureInfo.InvariantCulture) < (System.Numerics.BigInteger.One << 128);

    [Fact]
    public void Partition_and_explicit_hash_keys_are_accepted_only_in_range() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostileText.Arbitrary().Generator.SelectMany(key => Gen.Frequency((1, Gen.Constant<string?>(null)), (2, HashKeyGen.Select(static h => (string?)h))).Select(hash => (key, hash)))), input =>
        {
            using var world = HostileWorld.Create();
            var (key, hash) = input;
            var verdict = key.Value.Length is 0 or > 256 || (hash is not null && !IsHashKey(hash)) ? Verdict.FailsWithOneOf(Malformed) : Verdict.MaySucceedOr();
            var shown = $"key {key}, hash {(hash is null ? "none" : HostileJson.Show(hash))}";
            Expect.Outcome(world, $"PutRecordAsync({shown})", verdict, async () =>
                await world.Clicks.PutRecordAsync(new PutRecordRequest(key.Value, new byte[] { 1 }) { ExplicitHashKey = hash }));
            Expect.Outcome(world, $"PutRecordsAsync({shown})", verdict, async () =>
            {
                var result = await world.Clicks.PutRecordsAsync([new PutRecordsRequestEntry(key.Value, new byte[] { 1 }) { ExplicitHashKey = hash }]);
                Assert.Equal(0, result.FailedRecordCount);
            });
        }), Cases);

    [Fact]
    public void Records_at_and_over_the_size_limit_and_batches_outside_1_to_500_are_refused_whole() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(Gen.Elements(-1, 0, 1, 1_048_576).SelectMany(over => Gen.Elements(0, 1, 500, 501).Select(count => (over, count)))), input =>
        {
            using var world = HostileWorld.Create();
            var (over, count) = input;
            var data = new byte[1_048_576 - 1 + over]; // the 1-byte partition key counts toward the 1 MiB
            Expect.Outcome(world, $"PutRecordAsync({data.Length} bytes)", over > 0 ? Verdict.FailsWithOneOf(Malformed) : Verdict.MaySucceedOr(),
                async () => await world.Clicks.PutRecordAsync(new PutRecordRequest("k", data)));
            Expect.Outcome(world, $"PutRecordsAsync({count} records)", count is 0 or > 500 ? Verdict.FailsWithOneOf(Malformed) : Verdict.MaySucceedOr(),
                async () => await world.Clicks.PutRecordsAsync([.. Enumerable.Range(0, count).Select(i => new PutRecordsRequestEntry("k", new byte[] { 1 }))]));
        }), 16);

    [Fact]
    public void Shard_iterators_are_issued_only_for_live_shards_known_types_and_sequence_numbers_of_that_shard() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(
            from shardId in ShardIdGen
            from type in Gen.Choose(-1, 6)
            from sequence in Gen.Frequency((1, Gen.Constant(-1)), (2, Gen.Choose(0, 9)), (1, Gen.Constant(100)))
            from text in HostileText.Arbitrary().Generator
            from timestamp in Gen.Frequency((1, Gen.Constant<DateTimeOffset?>(null)), (2, HostileGen.Instant.Select(static t => (DateTimeOffset?)t)))
            select (shardId, type, sequence, text, timestamp)), input =>
        {
            using var world = HostileWorld.Create();
            var (shardId, typeNumber, which, text, timestamp) = input;
            var type = (ShardIteratorType)typeNumber;
            var sequence = which < 0 ? null : which < world.ClickSequenceNumbers.Count ? world.ClickSequenceNumbers[which] : text.Value;
            var known = shardId is "shardId-000000000000" || LiveShards.Contains(shardId);
            var needsSequence = type is ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber;
            var verdict = !known ? Verdict.FailsWithOneOf([ResourceNotFoundException, .. Malformed])
                : !Enum.IsDefined(type) || (needsSequence && sequence is null) || (type == ShardIteratorType.AtTimestamp && timestamp is null) ? Verdict.FailsWithOneOf(Malformed)
                : needsSequence && !world.Clicks.ListShards().Any(s => s.ShardId == shardId && BelongsTo(sequence!, s)) ? Verdict.FailsWithOneOf(Malformed)
                : Verdict.MaySucceedOr(Malformed);
            Expect.Outcome(world, $"GetShardIterator({HostileText.Escape(shardId)}, {type}, {HostileJson.Show(sequence ?? "null")}, {timestamp})", verdict,
                () => world.Clicks.GetShardIterator(shardId, type, sequence, timestamp));
        }), Cases);

    [Fact]
    public void Forged_shard_iterators_and_limits_out_of_range_are_refused_and_change_nothing() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostileGen.Recipes.SelectMany(recipe => HostileGen.Int.Select(limit => (recipe, limit)))), input =>
        {
            using var world = HostileWorld.Create();
            var (recipe, limit) = input;
            var genuine = world.ClickIterators[recipe.Which];
            var (token, stillGenuine) = HostileGen.Forge(recipe, genuine, world.ForeignIterator, world.GhostIterator, world.ExpiredIterator);
            var verdict = limit is < 1 or > 10_000 ? Verdict.Fails(InvalidArgumentException)
                : stillGenuine ? Verdict.MaySucceedOr()
                : token == world.ExpiredIterator ? Verdict.Fails(ExpiredIteratorException)
                : Verdict.Fails(InvalidArgumentException);
            Expect.Outcome(world, $"GetRecordsAsync({recipe.Kind} \"{HostileText.Escape(token)}\", {limit})", verdict,
                async () => await world.Clicks.GetRecordsAsync(token, limit));
            if (recipe.Kind == HostileGen.Forgery.FromDeletedAndRecreated)
            {
                // The iterator names shard 0 of a stream called "ghost-stream"; the stream of that name now is a new one.
                Expect.Outcome(world, $"ghost GetRecordsAsync({limit})", Verdict.Fails(InvalidArgumentException),
                    async () => await world.Broker.GetStream("ghost-stream").GetRecordsAsync(token, limit));
            }
        }), Cases);

    [Fact]
    public void Reshard_retention_and_record_size_arguments_out_of_range_are_refused_and_change_nothing() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(
            from first in ShardIdGen
            from second in ShardIdGen
            from key in HashKeyGen
            from count in HostileGen.Int
            from period in HostileGen.Duration
            select (first, second, key, count, period)), input =>
        {
            using var world = HostileWorld.Create();
            var (first, second, key, count, period) = input;
            var stream = world.Clicks;
            string[] anyReshard = [ResourceNotFoundException, ResourceInUseException, LimitExceededException, .. Malformed];
            var splitVerdict = LiveShards.Contains(first) && IsHashKey(key) ? Verdict.MaySucceedOr(anyReshard) : new Verdict(true, anyReshard);
            Expect.Outcome(world, $"SplitShard({HostileText.Escape(first)}, {HostileJson.Show(key)})", splitVerdict, () => stream.SplitShard(first, key));

            var adjacent = (first, second) is ("shardId-000000000002", "shardId-000000000003") or ("shardId-000000000003", "shardId-000000000002")
                or ("shardId-000000000003", "shardId-000000000001") or ("shardId-000000000001", "shardId-000000000003");
            Expect.Outcome(world, $"MergeShards({HostileText.Escape(first)}, {HostileText.Escape(second)})", new Verdict(!adjacent, anyReshard), () => stream.MergeShards(first, second));

            var open = stream.ListShards().Count(s => s.SequenceNumberRange.EndingSequenceNumber is null);
            var countVerdict = count < 1 || count > 10_000 ? Verdict.FailsWithOneOf(Malformed)
                : count * 2 < open || count > open * 2 ? Verdict.FailsWithOneOf([LimitExceededException, .. Malformed])
                : Verdict.MaySucceedOr(LimitExceededException);
            Expect.Outcome(world, $"UpdateShardCount({count}) with {open} open", countVerdict, () => stream.UpdateShardCount(count));

            var wholeHours = period.Ticks % TimeSpan.TicksPerHour == 0 && period >= TimeSpan.FromHours(24) && period <= TimeSpan.FromHours(8760);
            Expect.Outcome(world, $"IncreaseRetentionPeriod({period})", wholeHours ? Verdict.MaySucceedOr() : Verdict.Fails(InvalidArgumentException), () => stream.IncreaseRetentionPeriod(period));
            var current = stream.Describe().RetentionPeriod;
            Expect.Outcome(world, $"DecreaseRetentionPeriod({period}) from {current}", wholeHours && period <= current ? Verdict.MaySucceedOr() : Verdict.Fails(InvalidArgumentException),
                () => stream.DecreaseRetentionPeriod(period));
            Expect.Outcome(world, $"UpdateMaxRecordSize({count})", count is >= 1024 and <= 10_240 ? Verdict.MaySucceedOr() : Verdict.Fails(ValidationException), () => stream.UpdateMaxRecordSize(count));
        }), Cases);

    [Fact]
    public void Stream_and_consumer_names_and_shard_filters_are_accepted_only_when_valid() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(
            from name in HostileText.Arbitrary().Generator
            from shardCount in HostileGen.Int
            from period in HostileGen.Duration
            from filterType in Gen.Choose(-1, 7)
            from shardId in ShardIdGen
            from timestamp in HostileGen.Instant
            select (name, shardCount, period, filterType, shardId, timestamp)), input =>
        {
            using var world = HostileWorld.Create();
            var (name, shardCount, period, filterType, shardId, timestamp) = input;
            var validName = name.IsValidStreamName;
            var options = new StreamOptions { ShardCount = Math.Clamp(shardCount, -1, 10_001), RetentionPeriod = period };
            var validOptions = options.ShardCount is >= 1 and <= 10_000 && period.Ticks % TimeSpan.TicksPerHour == 0 && period >= TimeSpan.FromHours(24) && period <= TimeSpan.FromHours(8760);
            Expect.Outcome(world, $"CreateStream({name}, {options.ShardCount} shards, {period})",
                !validName ? Verdict.Fails(ValidationException) : validOptions ? Verdict.MaySucceedOr(ResourceInUseException) : Verdict.FailsWithOneOf(Malformed),
                () => world.Broker.CreateStream(name.Value, options));
            var exists = world.Broker.TryGetStream(name.Value, out _);
            Expect.Outcome(world, $"GetStream({name})", exists ? Verdict.MaySucceedOr() : Verdict.FailsWithOneOf([ResourceNotFoundException, .. Malformed]), () => world.Broker.GetStream(name.Value));
            Expect.Outcome(world, $"DeleteStream({name})", exists ? Verdict.MaySucceedOr(ResourceInUseException) : Verdict.FailsWithOneOf([ResourceNotFoundException, .. Malformed]),
                () => world.Broker.DeleteStream(name.Value));

            Expect.Outcome(world, $"RegisterConsumer({name})", validName ? Verdict.MaySucceedOr(ResourceInUseException, LimitExceededException) : Verdict.Fails(ValidationException),
                () => world.Clicks.RegisterConsumer(name.Value));
            var registered = world.Clicks.ListConsumers().Any(c => c.ConsumerName == name.Value);
            Expect.Outcome(world, $"DeregisterConsumer({name})", registered ? Verdict.MaySucceedOr() : Verdict.FailsWithOneOf(ResourceNotFoundException, ValidationException),
                () => world.Clicks.DeregisterConsumer(name.Value));
            if (!registered)
            {
                // Only refusals: a valid subscription would wait for records on the fake clock.
                Expect.Outcome(world, $"SubscribeToShard({name}, {HostileText.Escape(shardId)})", Verdict.FailsWithOneOf(ResourceNotFoundException, ValidationException), async () =>
                {
                    await using var events = world.Clicks.SubscribeToShard(name.Value, shardId, new StartingPosition(ShardIteratorType.TrimHorizon)).GetAsyncEnumerator();
                    await events.MoveNextAsync();
                });
            }

            var filter = new ShardFilter((ShardFilterType)filterType, shardId, timestamp);
            Expect.Outcome(world, $"ListShards({filter})", Enum.IsDefined(filter.Type) ? Verdict.MaySucceedOr([ResourceNotFoundException, .. Malformed]) : Verdict.FailsWithOneOf(Malformed),
                () => world.Clicks.ListShards(filter));
        }), Cases);

    private static bool BelongsTo(string sequence, Shard shard) =>
        sequence.Length == 33 && sequence.AsSpan(1, 12).SequenceEqual(shard.ShardId.AsSpan(8));
}
