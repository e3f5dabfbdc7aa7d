using Broker.Streams;

namespace Broker.Tests.Streams;

/// <summary>GetShardIterator and GetRecords (kinesis.md §1.6; contract decisions 3 and 7).</summary>
public sealed class ShardIteratorTests : StreamFixture
{
    private static readonly TimeSpan IteratorLifetime = TimeSpan.FromMinutes(5);

    private async Task<(IDataStream Stream, List<PutRecordResult> Put)> OneShardWith(params string[] texts)
    {
        var stream = Create(shards: 1);
        var put = new List<PutRecordResult>();
        foreach (var text in texts)
        {
            put.Add(await Put(stream, "k", text));
        }

        return (stream, put);
    }

    [Fact]
    public async Task GetRecords_on_an_empty_shard_returns_no_records_and_a_next_iterator()
    {
        var stream = Create(shards: 1);

        var result = await stream.GetRecordsAsync(stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));

        Assert.Empty(result.Records);
        Assert.NotNull(result.NextShardIterator);
        Assert.Equal(0, result.MillisBehindLatest);
        Assert.Empty(result.ChildShards);
    }

    [Theory]
    [InlineData(ShardIteratorType.TrimHorizon)]
    [InlineData(ShardIteratorType.Latest)]
    public async Task On_an_empty_shard_TrimHorizon_and_Latest_both_see_the_first_record_put_later(ShardIteratorType type)
    {
        var stream = Create(shards: 1);
        var iterator = stream.GetShardIterator(ShardId(0), type);
        var empty = await stream.GetRecordsAsync(iterator);
        Assert.Empty(empty.Records);

        await Put(stream, "k", "first");

        var result = await stream.GetRecordsAsync(empty.NextShardIterator!);
        Assert.Equal(["first"], result.Records.Select(Text));
    }

    [Fact]
    public async Task TrimHorizon_starts_at_the_oldest_record()
    {
        var (stream, _) = await OneShardWith("a", "b", "c");

        Assert.Equal(["a", "b", "c"], await ReadTexts(stream, ShardId(0)));
    }

    [Fact]
    public async Task Latest_sees_only_records_put_after_the_iterator_was_taken()
    {
        var (stream, _) = await OneShardWith("a", "b");
        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.Latest);

        await Put(stream, "k", "c");
        await Put(stream, "k", "d");

        var (records, _) = await Drain(stream, iterator);
        Assert.Equal(["c", "d"], records.Select(Text));
    }

    [Fact]
    public async Task Latest_with_nothing_put_afterwards_returns_nothing()
    {
        var (stream, _) = await OneShardWith("a", "b");

        var result = await stream.GetRecordsAsync(stream.GetShardIterator(ShardId(0), ShardIteratorType.Latest));

        Assert.Empty(result.Records);
        Assert.NotNull(result.NextShardIterator);
    }

    [Theory]
    [InlineData(0, new[] { "a", "b", "c", "d" })]
    [InlineData(2, new[] { "c", "d" })]
    [InlineData(3, new[] { "d" })]
    public async Task AtSequenceNumber_starts_at_that_record(int index, string[] expected)
    {
        var (stream, put) = await OneShardWith("a", "b", "c", "d");

        Assert.Equal(expected, await ReadTexts(stream, ShardId(0), ShardIteratorType.AtSequenceNumber, put[index].SequenceNumber));
    }

    [Theory]
    [InlineData(0, new[] { "b", "c", "d" })]
    [InlineData(1, new[] { "c", "d" })]
    [InlineData(3, new string[0])]
    public async Task AfterSequenceNumber_starts_just_after_that_record(int index, string[] expected)
    {
        var (stream, put) = await OneShardWith("a", "b", "c", "d");

        Assert.Equal(expected, await ReadTexts(stream, ShardId(0), ShardIteratorType.AfterSequenceNumber, put[index].SequenceNumber));
    }

    [Fact]
    public async Task AfterSequenceNumber_of_the_last_record_sees_the_next_one_put()
    {
        var (stream, put) = await OneShardWith("a");
        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.AfterSequenceNumber, put[0].SequenceNumber);

        await Put(stream, "k", "b");

        Assert.Equal(["b"], (await Drain(stream, iterator)).Records.Select(Text));
    }

    [Fact]
    public async Task AtTimestamp_starts_at_the_first_record_that_arrived_at_or_after_it()
    {
        var stream = Create(shards: 1);
        var start = Now;
        await Put(stream, "k", "a0");
        await Put(stream, "k", "a1");
        Time.Advance(TimeSpan.FromSeconds(1));
        await Put(stream, "k", "b");
        Time.Advance(TimeSpan.FromSeconds(1));
        await Put(stream, "k", "c");
        Time.Advance(TimeSpan.FromSeconds(1));

        // Exact arrival time of a record: that record first.
        Assert.Equal(["b", "c"], await ReadTexts(stream, ShardId(0), ShardIteratorType.AtTimestamp, timestamp: start.AddSeconds(1)));
        Assert.Equal(["a0", "a1", "b", "c"], await ReadTexts(stream, ShardId(0), ShardIteratorType.AtTimestamp, timestamp: start));

        // Between two records: the later one.
        Assert.Equal(["c"], await ReadTexts(stream, ShardId(0), ShardIteratorType.AtTimestamp, timestamp: start.AddMilliseconds(1_001)));
        Assert.Equal(["b", "c"], await ReadTexts(stream, ShardId(0), ShardIteratorType.AtTimestamp, timestamp: start.AddMilliseconds(1)));

        // Before everything: all of it.
        Assert.Equal(["a0", "a1", "b", "c"], await ReadTexts(stream, ShardId(0), ShardIteratorType.AtTimestamp, timestamp: start.AddYears(-1)));
    }

    [Fact]
    public async Task AtTimestamp_after_the_newest_record_sees_only_records_put_later()
    {
        var stream = Create(shards: 1);
        await Put(stream, "k", "a");
        Time.Advance(TimeSpan.FromSeconds(10));
        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.AtTimestamp, timestamp: Now.AddSeconds(-5));
        Assert.Empty((await stream.GetRecordsAsync(iterator)).Records);

        await Put(stream, "k", "b");

        Assert.Equal(["b"], (await Drain(stream, iterator)).Records.Select(Text));
    }

    [Fact]
    public async Task AtTimestamp_before_the_trim_horizon_starts_at_the_oldest_record_still_kept()
    {
        var stream = Create(shards: 1);
        var start = Now;
        await Put(stream, "k", "old");
        Time.Advance(TimeSpan.FromHours(12));
        await Put(stream, "k", "kept");
        Time.Advance(TimeSpan.FromHours(13));

        Assert.Equal(["kept"], await ReadTexts(stream, ShardId(0), ShardIteratorType.AtTimestamp, timestamp: start));
    }

    [Theory]
    [InlineData(ShardIteratorType.AtSequenceNumber)]
    [InlineData(ShardIteratorType.AfterSequenceNumber)]
    public async Task A_sequence_number_iterator_without_a_sequence_number_is_InvalidArgumentException(ShardIteratorType type)
    {
        var (stream, _) = await OneShardWith("a");

        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetShardIterator(ShardId(0), type));
    }

    [Fact]
    public async Task AtTimestamp_without_a_timestamp_is_InvalidArgumentException()
    {
        var (stream, _) = await OneShardWith("a");

        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetShardIterator(ShardId(0), ShardIteratorType.AtTimestamp));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("99999999999999999999999999999999999999999999999999999999")]
    public async Task A_sequence_number_that_is_malformed_or_never_issued_is_InvalidArgumentException(string sequenceNumber)
    {
        var (stream, _) = await OneShardWith("a");

        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetShardIterator(ShardId(0), ShardIteratorType.AtSequenceNumber, sequenceNumber));
        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetShardIterator(ShardId(0), ShardIteratorType.AfterSequenceNumber, sequenceNumber));
    }

    [Fact]
    public async Task A_sequence_number_of_another_shard_is_InvalidArgumentException()
    {
        var stream = Create(shards: 2);
        var onZero = await PutAt(stream, 0, "a");
        await PutAt(stream, MaxHashKey, "b");

        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetShardIterator(ShardId(1), ShardIteratorType.AtSequenceNumber, onZero.SequenceNumber));
        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetShardIterator(ShardId(1), ShardIteratorType.AfterSequenceNumber, onZero.SequenceNumber));
    }

    [Fact]
    public async Task A_sequence_number_another_stream_issued_is_InvalidArgumentException()
    {
        var (stream, _) = await OneShardWith("a");
        var other = Create("other", shards: 1);
        await Put(other, "k", "x");
        await Put(other, "k", "y");
        var third = await Put(other, "k", "z");

        // This stream issued one number on its shard 0; the other stream's third number on its shard 0 is not one of them.
        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetShardIterator(ShardId(0), ShardIteratorType.AtSequenceNumber, third.SequenceNumber));
    }

    [Fact]
    public async Task The_sequence_number_the_shard_will_issue_next_is_InvalidArgumentException_until_it_is_issued()
    {
        var (stream, _) = await OneShardWith("a");
        var other = Create("other", shards: 1);
        await Put(other, "k", "x");

        // The other stream's second number on its shard 0: this stream's shard 0 has issued one number so far.
        var second = await Put(other, "k", "y");

        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetShardIterator(ShardId(0), ShardIteratorType.AtSequenceNumber, second.SequenceNumber));
        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetShardIterator(ShardId(0), ShardIteratorType.AfterSequenceNumber, second.SequenceNumber));
    }

    [Fact]
    public void GetShardIterator_of_an_unknown_shard_is_ResourceNotFoundException()
    {
        var stream = Create(shards: 2);

        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => stream.GetShardIterator(ShardId(2), ShardIteratorType.TrimHorizon));
        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => stream.GetShardIterator("shardId-999999999999", ShardIteratorType.Latest));
    }

    [Fact]
    public async Task A_garbled_iterator_is_InvalidArgumentException()
    {
        var (stream, _) = await OneShardWith("a");
        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetRecordsAsync("not-an-iterator").AsTask());
        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetRecordsAsync(string.Empty).AsTask());
        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetRecordsAsync(iterator[..(iterator.Length / 2)]).AsTask());
        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetRecordsAsync(iterator + "AAAA").AsTask());
    }

    [Fact]
    public async Task An_iterator_with_any_one_character_changed_is_InvalidArgumentException()
    {
        var (stream, _) = await OneShardWith("a");
        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);

        // Every position, so that a forger cannot move the position, shard or issue time of a genuine iterator. The last
        // three characters are left out: in base64 the final character may carry bits the decoder ignores.
        for (var i = 0; i < iterator.Length - 3; i++)
        {
            var chars = iterator.ToCharArray();
            chars[i] = chars[i] == 'A' ? 'B' : 'A';
            var forged = new string(chars);
            await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetRecordsAsync(forged).AsTask());
        }

        Assert.Equal(["a"], (await Drain(stream, iterator)).Records.Select(Text));
    }

    [Fact]
    public async Task An_iterator_of_another_stream_is_InvalidArgumentException()
    {
        var (stream, _) = await OneShardWith("a");
        var other = Create("other", shards: 1);

        var foreign = other.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetRecordsAsync(foreign).AsTask());
    }

    [Fact]
    public async Task An_iterator_of_a_deleted_stream_is_refused_by_a_new_stream_of_the_same_name()
    {
        var old = Create("orders", shards: 1);
        await Put(old, "k", "old");
        var iterator = old.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);
        Broker.DeleteStream("orders");

        var fresh = Create("orders", shards: 1);
        await Put(fresh, "k", "new");

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => fresh.GetRecordsAsync(iterator).AsTask());
    }

    [Fact]
    public async Task An_iterator_is_valid_until_5_minutes_after_issue_then_ExpiredIteratorException()
    {
        var (stream, _) = await OneShardWith("a");
        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);

        Time.Advance(IteratorLifetime - TimeSpan.FromTicks(1));
        var stillValid = await stream.GetRecordsAsync(iterator);
        Assert.Equal(["a"], stillValid.Records.Select(Text));

        Time.Advance(TimeSpan.FromTicks(1));
        var error = await ThrowsBroker(BrokerErrorCodes.ExpiredIteratorException, () => stream.GetRecordsAsync(iterator).AsTask());
        Assert.False(string.IsNullOrEmpty(error.Message));

        // The iterator GetRecords handed out a tick before is fresh: it carries on.
        await Put(stream, "k", "b");
        Assert.Equal(["b"], (await stream.GetRecordsAsync(stillValid.NextShardIterator!)).Records.Select(Text));
    }

    [Fact]
    public async Task A_next_iterator_expires_5_minutes_after_the_GetRecords_that_returned_it()
    {
        var (stream, _) = await OneShardWith("a");
        var first = await stream.GetRecordsAsync(stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));
        Time.Advance(TimeSpan.FromMinutes(4));
        var second = await stream.GetRecordsAsync(first.NextShardIterator!);

        Time.Advance(TimeSpan.FromMinutes(4));

        await ThrowsBroker(BrokerErrorCodes.ExpiredIteratorException, () => stream.GetRecordsAsync(first.NextShardIterator!).AsTask());
        Assert.Empty((await stream.GetRecordsAsync(second.NextShardIterator!)).Records);
    }

    [Fact]
    public async Task An_iterator_can_be_reused_before_it_expires_and_returns_the_same_records()
    {
        var (stream, _) = await OneShardWith("a", "b", "c");
        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);

        var first = await stream.GetRecordsAsync(iterator, limit: 2);
        Time.Advance(TimeSpan.FromMinutes(1));
        var again = await stream.GetRecordsAsync(iterator, limit: 2);

        Assert.Equal(["a", "b"], first.Records.Select(Text));
        Assert.Equal(first.Records.Select(r => r.SequenceNumber), again.Records.Select(r => r.SequenceNumber));
        Assert.Equal(["c"], (await stream.GetRecordsAsync(again.NextShardIterator!)).Records.Select(Text));
    }

    [Fact]
    public async Task NextShardIterator_continues_where_the_last_call_stopped()
    {
        var (stream, _) = await OneShardWith("a", "b", "c", "d", "e");
        var iterator = stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon);

        var pages = new List<List<string>>();
        for (var i = 0; i < 3; i++)
        {
            var result = await stream.GetRecordsAsync(iterator, limit: 2);
            pages.Add(result.Records.Select(Text).ToList());
            iterator = result.NextShardIterator!;
        }

        Assert.Equal(["a", "b", "c", "d", "e"], pages.SelectMany(p => p));
        Assert.All(pages, p => Assert.True(p.Count <= 2));
        Assert.Empty((await stream.GetRecordsAsync(iterator)).Records);
    }

    [Fact]
    public async Task Limit_1_returns_exactly_one_record()
    {
        var (stream, _) = await OneShardWith("a", "b");

        var result = await stream.GetRecordsAsync(stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon), limit: 1);

        Assert.Equal(["a"], result.Records.Select(Text));
    }

    [Fact]
    public async Task Limit_10000_returns_up_to_10000_records_in_one_call()
    {
        var stream = Create(shards: 1);
        for (var i = 0; i < 21; i++)
        {
            await stream.PutRecordsAsync(Enumerable.Range(0, 500).Select(n => new PutRecordsRequestEntry("k", Bytes($"{(i * 500) + n}"))).ToList());
        }

        var result = await stream.GetRecordsAsync(stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon), limit: 10_000);

        Assert.Equal(10_000, result.Records.Count);
        Assert.Equal(Enumerable.Range(0, 10_000).Select(n => $"{n}"), result.Records.Select(Text));
        Assert.Equal(500, (await stream.GetRecordsAsync(result.NextShardIterator!)).Records.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_001)]
    public async Task A_limit_outside_1_to_10000_is_InvalidArgumentException(int limit)
    {
        var (stream, _) = await OneShardWith("a");

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.GetRecordsAsync(stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon), limit).AsTask());
    }

    [Fact]
    public async Task GetRecords_returns_at_most_10_MiB_of_data_per_call()
    {
        var stream = Broker.CreateStream("big", new StreamOptions { ShardCount = 1, MaxRecordSizeInKiB = 4096 });
        var threeMiB = new byte[3 * 1024 * 1024];
        for (var i = 0; i < 5; i++)
        {
            await stream.PutRecordAsync(new PutRecordRequest("k", threeMiB));
        }

        var result = await stream.GetRecordsAsync(stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));

        Assert.InRange(result.Records.Sum(r => (long)r.Data.Length), 1, 10L * 1024 * 1024);
        var (rest, _) = await Drain(stream, result.NextShardIterator!);
        Assert.Equal(5, result.Records.Count + rest.Count);
    }

    [Fact]
    public async Task MillisBehindLatest_is_zero_when_caught_up_and_otherwise_the_gap_to_the_newest_arrival()
    {
        var stream = Create(shards: 1);
        await Put(stream, "k", "a");
        Time.Advance(TimeSpan.FromMilliseconds(1_250));
        await Put(stream, "k", "b");
        Time.Advance(TimeSpan.FromSeconds(2));
        await Put(stream, "k", "c");
        Time.Advance(TimeSpan.FromMinutes(1));

        var first = await stream.GetRecordsAsync(stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon), limit: 1);
        var second = await stream.GetRecordsAsync(first.NextShardIterator!, limit: 1);
        var third = await stream.GetRecordsAsync(second.NextShardIterator!, limit: 1);
        var fourth = await stream.GetRecordsAsync(third.NextShardIterator!, limit: 1);

        Assert.Equal(3_250, first.MillisBehindLatest);
        Assert.Equal(2_000, second.MillisBehindLatest);
        Assert.Equal(0, third.MillisBehindLatest);
        Assert.Equal(0, fourth.MillisBehindLatest);
    }

    [Fact]
    public async Task Arrival_timestamps_come_from_the_broker_clock_in_milliseconds()
    {
        var stream = Create(shards: 1);
        Time.Advance(TimeSpan.FromTicks(12_345_678));
        var arrived = Now;

        await Put(stream, "k", "a");

        var record = (await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon))).Records.Single();
        Assert.Equal(arrived.ToUnixTimeMilliseconds(), record.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds());
        Assert.Equal(0, record.ApproximateArrivalTimestamp.Ticks % TimeSpan.TicksPerMillisecond);
    }

    [Fact]
    public async Task Each_shard_has_its_own_records()
    {
        var stream = Create(shards: 2);
        await PutAt(stream, 0, "zero");
        await PutAt(stream, MaxHashKey, "one");

        Assert.Equal(["zero"], await ReadTexts(stream, ShardId(0)));
        Assert.Equal(["one"], await ReadTexts(stream, ShardId(1)));
    }
}
