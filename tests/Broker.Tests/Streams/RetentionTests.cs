using Broker.Streams;

namespace Broker.Tests.Streams;

/// <summary>Retention (kinesis.md §1.7; contract decision 4: readable while now &lt; arrival + retention).</summary>
public sealed class RetentionTests : StreamFixture
{
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);

    [Fact]
    public async Task A_record_is_readable_until_arrival_plus_retention_and_then_gone()
    {
        var stream = Create(shards: 1);
        await Put(stream, "k", "a");

        Time.Advance(Day - TimeSpan.FromTicks(1));
        Assert.Equal(["a"], await ReadTexts(stream, ShardId(0)));

        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Empty(await ReadTexts(stream, ShardId(0)));
    }

    [Fact]
    public async Task A_record_expires_without_any_read_in_between()
    {
        var stream = Create(shards: 1);
        await Put(stream, "k", "a");

        Time.Advance(TimeSpan.FromDays(3));

        Assert.Empty(await ReadTexts(stream, ShardId(0)));
        Assert.Empty(await ReadTexts(stream, ShardId(0), ShardIteratorType.AtTimestamp, timestamp: Now.AddDays(-10)));
    }

    [Fact]
    public async Task A_longer_retention_keeps_records_longer()
    {
        var stream = Create(shards: 1, retention: TimeSpan.FromHours(72));
        await Put(stream, "k", "a");

        Time.Advance(TimeSpan.FromHours(72) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(["a"], await ReadTexts(stream, ShardId(0)));

        Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Empty(await ReadTexts(stream, ShardId(0)));
    }

    [Fact]
    public async Task TrimHorizon_moves_forward_as_records_expire()
    {
        var stream = Create(shards: 1);
        await Put(stream, "k", "a");
        Time.Advance(TimeSpan.FromHours(1));
        await Put(stream, "k", "b");
        Time.Advance(TimeSpan.FromHours(1));
        await Put(stream, "k", "c");

        Time.Advance(TimeSpan.FromHours(22));
        Assert.Equal(["b", "c"], await ReadTexts(stream, ShardId(0)));

        Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(["c"], await ReadTexts(stream, ShardId(0)));
    }

    [Fact]
    public async Task Expired_records_cannot_be_reached_by_sequence_number()
    {
        var stream = Create(shards: 1);
        var old = await Put(stream, "k", "a");
        Time.Advance(TimeSpan.FromHours(1));
        await Put(stream, "k", "b");
        Time.Advance(TimeSpan.FromHours(23));

        // Whether AT_SEQUENCE_NUMBER of a trimmed record is refused or starts at the trim horizon, "a" is never returned.
        try
        {
            Assert.Equal(["b"], await ReadTexts(stream, ShardId(0), ShardIteratorType.AtSequenceNumber, old.SequenceNumber));
        }
        catch (BrokerException error)
        {
            Assert.Equal(BrokerErrorCodes.InvalidArgumentException, error.ErrorCode);
        }
    }

    [Fact]
    public async Task An_iterator_pointing_at_records_trimmed_since_continues_at_the_trim_horizon()
    {
        var stream = Create(shards: 1);
        await Put(stream, "k", "a");
        Time.Advance(TimeSpan.FromHours(1));
        await Put(stream, "k", "b");
        await Put(stream, "k", "c");
        Time.Advance(Day - TimeSpan.FromHours(1) - TimeSpan.FromMinutes(1));
        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);

        // "a" expires while the iterator (still valid for 5 minutes) points at it.
        Time.Advance(TimeSpan.FromMinutes(2));

        var result = await stream.GetRecordsAsync(iterator);
        Assert.Equal(["b", "c"], result.Records.Select(Text));
    }

    [Fact]
    public async Task IncreaseRetentionPeriod_keeps_later_records_longer()
    {
        var stream = Create(shards: 1);
        await Put(stream, "k", "a");

        stream.IncreaseRetentionPeriod(TimeSpan.FromHours(48));

        Assert.Equal(TimeSpan.FromHours(48), stream.Describe().RetentionPeriod);
        Time.Advance(TimeSpan.FromHours(47));
        Assert.Equal(["a"], await ReadTexts(stream, ShardId(0)));
        Time.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await ReadTexts(stream, ShardId(0)));
    }

    [Fact]
    public async Task IncreaseRetentionPeriod_does_not_resurrect_expired_records_even_unread()
    {
        var stream = Create(shards: 1);
        await Put(stream, "k", "old");
        Time.Advance(TimeSpan.FromHours(12));
        await Put(stream, "k", "young");
        Time.Advance(TimeSpan.FromHours(13));

        // No read since "old" expired: lazy trimming must not let the increase bring it back.
        stream.IncreaseRetentionPeriod(TimeSpan.FromHours(168));

        Assert.Equal(["young"], await ReadTexts(stream, ShardId(0)));
        Assert.Equal(["young"], await ReadTexts(stream, ShardId(0), ShardIteratorType.AtTimestamp, timestamp: Now.AddDays(-5)));
    }

    [Fact]
    public async Task IncreaseRetentionPeriod_does_not_resurrect_records_a_read_saw_expire()
    {
        var stream = Create(shards: 1);
        await Put(stream, "k", "old");
        Time.Advance(TimeSpan.FromHours(25));
        Assert.Empty(await ReadTexts(stream, ShardId(0)));

        stream.IncreaseRetentionPeriod(TimeSpan.FromHours(168));

        Assert.Empty(await ReadTexts(stream, ShardId(0)));
    }

    [Fact]
    public async Task DecreaseRetentionPeriod_hides_older_records_at_once()
    {
        var stream = Create(shards: 1, retention: TimeSpan.FromHours(48));
        await Put(stream, "k", "a");
        Time.Advance(TimeSpan.FromHours(30));
        await Put(stream, "k", "b");
        Assert.Equal(["a", "b"], await ReadTexts(stream, ShardId(0)));

        stream.DecreaseRetentionPeriod(Day);

        Assert.Equal(Day, stream.Describe().RetentionPeriod);
        Assert.Equal(["b"], await ReadTexts(stream, ShardId(0)));
        Time.Advance(Day - TimeSpan.FromTicks(1));
        Assert.Equal(["b"], await ReadTexts(stream, ShardId(0)));
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Empty(await ReadTexts(stream, ShardId(0)));
    }

    [Fact]
    public async Task DecreaseRetentionPeriod_hides_records_from_an_iterator_taken_before()
    {
        var stream = Create(shards: 1, retention: TimeSpan.FromHours(48));
        await Put(stream, "k", "a");
        Time.Advance(TimeSpan.FromHours(30));
        await Put(stream, "k", "b");
        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);

        stream.DecreaseRetentionPeriod(Day);

        Assert.Equal(["b"], (await stream.GetRecordsAsync(iterator)).Records.Select(Text));
    }

    [Theory]
    [InlineData(24)]
    [InlineData(47)]
    [InlineData(8_761)]
    public void IncreaseRetentionPeriod_below_the_current_period_or_above_8760_hours_is_InvalidArgumentException(int hours)
    {
        var stream = Create(shards: 1, retention: TimeSpan.FromHours(48));

        var error = ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.IncreaseRetentionPeriod(TimeSpan.FromHours(hours)));

        Assert.False(string.IsNullOrEmpty(error.Message));
        Assert.Equal(TimeSpan.FromHours(48), stream.Describe().RetentionPeriod);
    }

    [Theory]
    [InlineData(49)]
    [InlineData(100)]
    [InlineData(23)]
    public void DecreaseRetentionPeriod_above_the_current_period_or_below_24_hours_is_InvalidArgumentException(int hours)
    {
        var stream = Create(shards: 1, retention: TimeSpan.FromHours(48));

        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.DecreaseRetentionPeriod(TimeSpan.FromHours(hours)));

        Assert.Equal(TimeSpan.FromHours(48), stream.Describe().RetentionPeriod);
    }

    [Fact]
    public void The_retention_bounds_are_24_and_8760_hours_inclusive()
    {
        var stream = Create(shards: 1, retention: TimeSpan.FromHours(48));

        stream.IncreaseRetentionPeriod(TimeSpan.FromHours(8_760));
        Assert.Equal(TimeSpan.FromHours(8_760), stream.Describe().RetentionPeriod);

        stream.DecreaseRetentionPeriod(TimeSpan.FromHours(24));
        Assert.Equal(TimeSpan.FromHours(24), stream.Describe().RetentionPeriod);
    }

    [Fact]
    public void IncreaseRetentionPeriod_message_points_to_DecreaseRetentionPeriod()
    {
        var stream = Create(shards: 1, retention: TimeSpan.FromHours(48));

        var error = ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.IncreaseRetentionPeriod(TimeSpan.FromHours(24)));

        Assert.Contains("DecreaseRetentionPeriod", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_applies_per_record_across_shards()
    {
        var stream = Create(shards: 2);
        await PutAt(stream, 0, "zero-old");
        Time.Advance(TimeSpan.FromHours(2));
        await PutAt(stream, MaxHashKey, "one-young");
        Time.Advance(TimeSpan.FromHours(23));

        Assert.Empty(await ReadTexts(stream, ShardId(0)));
        Assert.Equal(["one-young"], await ReadTexts(stream, ShardId(1)));
    }

    [Fact]
    public async Task Records_already_returned_keep_their_data_after_retention_trims_and_new_records_arrive()
    {
        var stream = Create(shards: 1);
        for (var i = 0; i < 2_000; i++)
        {
            await Put(stream, $"old-{i}", $"old-data-{i:D6}");
        }

        var (held, _) = await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));
        Assert.Equal(2_000, held.Count);

        // Everything expires; new records of the same sizes arrive and are read, so freed storage may be reused.
        Time.Advance(TimeSpan.FromHours(25));
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 2_000; i++)
            {
                await Put(stream, $"new-{i}", $"NEW-DATA-{i:D6}");
            }

            await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));
            Time.Advance(TimeSpan.FromHours(25));
        }

        for (var i = 0; i < held.Count; i++)
        {
            Assert.Equal($"old-data-{i:D6}", Text(held[i]));
            Assert.Equal($"old-{i}", held[i].PartitionKey);
        }
    }
}
