using System.Numerics;
using System.Text.RegularExpressions;
using Broker.Streams;

namespace Broker.Tests.Streams;

/// <summary>Sequence numbers and PutRecords (kinesis.md §1.3, §1.4; contract decisions 2 and 6).</summary>
public sealed partial class SequenceNumberTests : StreamFixture
{
    [GeneratedRegex("^(0|[1-9][0-9]*)$")]
    private static partial Regex DecimalPattern();

    [Fact]
    public async Task Sequence_numbers_are_decimal_strings_of_at_least_21_digits()
    {
        var stream = Create(shards: 2);

        var results = new List<PutRecordResult>();
        for (var i = 0; i < 10; i++)
        {
            results.Add(await Put(stream, $"k{i}", "x"));
        }

        Assert.All(results, r => Assert.Matches(DecimalPattern(), r.SequenceNumber));
        Assert.All(results, r => Assert.True(r.SequenceNumber.Length >= 21, r.SequenceNumber));
    }

    [Fact]
    public async Task Sequence_numbers_increase_strictly_and_numerically_within_a_shard()
    {
        var stream = Create(shards: 1);

        var previous = BigInteger.MinusOne;
        for (var i = 0; i < 1_000; i++)
        {
            var result = await Put(stream, $"k{i}", "x");
            var current = Big(result.SequenceNumber);
            Assert.True(current > previous, $"put {i}: {current} is not above {previous}");
            previous = current;
        }
    }

    [Fact]
    public async Task Sequence_numbers_keep_increasing_across_clock_advances_and_PutRecords()
    {
        var stream = Create(shards: 1);
        var sequence = new List<BigInteger>();

        for (var round = 0; round < 5; round++)
        {
            sequence.Add(Big((await Put(stream, "k", "x")).SequenceNumber));
            var batch = await stream.PutRecordsAsync(Enumerable.Range(0, 3).Select(_ => new PutRecordsRequestEntry("k", Bytes("y"))).ToList());
            sequence.AddRange(batch.Records.Select(r => Big(r.SequenceNumber!)).Order());
            Time.Advance(TimeSpan.FromMinutes(7));
        }

        Assert.Equal(sequence.Distinct().Count(), sequence.Count);
        Assert.True(sequence.Zip(sequence.Skip(1)).All(p => p.First < p.Second));
    }

    [Fact]
    public async Task Sequence_numbers_are_returned_on_read_as_they_were_on_put()
    {
        var stream = Create(shards: 1);
        var put = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            put.Add((await Put(stream, "k", $"m{i}")).SequenceNumber);
        }

        var (records, _) = await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon));

        Assert.Equal(put, records.Select(r => r.SequenceNumber));
    }

    [Fact]
    public async Task Sequence_numbers_of_different_shards_differ()
    {
        var stream = Create(shards: 4);
        var step = HashSpace / 4;

        var all = new List<PutRecordResult>();
        for (var round = 0; round < 3; round++)
        {
            for (var shard = 0; shard < 4; shard++)
            {
                all.Add(await PutAt(stream, shard * step, "x"));
            }
        }

        Assert.Equal(all.Count, all.Select(r => Big(r.SequenceNumber)).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 4).Select(ShardId), all.Select(r => r.ShardId).Distinct().Order());
    }

    [Fact]
    public async Task SequenceNumberForOrdering_with_a_previous_sequence_number_is_accepted_and_numbers_still_increase()
    {
        var stream = Create(shards: 1);
        var first = await Put(stream, "k", "a");

        var second = await stream.PutRecordAsync(new PutRecordRequest("k", Bytes("b")) { SequenceNumberForOrdering = first.SequenceNumber });

        Assert.True(Big(second.SequenceNumber) > Big(first.SequenceNumber));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.0")]
    public async Task SequenceNumberForOrdering_that_is_not_decimal_is_InvalidArgumentException(string value)
    {
        var stream = Create(shards: 1);

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.PutRecordAsync(new PutRecordRequest("k", Bytes("b")) { SequenceNumberForOrdering = value }).AsTask());

        Assert.Empty(await ReadTexts(stream, ShardId(0)));
    }

    [Fact]
    public async Task PutRecords_answers_each_entry_in_request_order()
    {
        var stream = Create(shards: 4);
        var step = HashSpace / 4;
        var entries = Enumerable.Range(0, 500)
            .Select(i => new PutRecordsRequestEntry($"k{i}", Bytes($"m{i}")) { ExplicitHashKey = Dec(((i * 7) % 4) * step) })
            .ToList();

        var result = await stream.PutRecordsAsync(entries);

        Assert.Equal(0, result.FailedRecordCount);
        Assert.Equal(500, result.Records.Count);
        for (var i = 0; i < 500; i++)
        {
            var entry = result.Records[i];
            Assert.Null(entry.ErrorCode);
            Assert.Null(entry.ErrorMessage);
            Assert.Equal(ShardId((i * 7) % 4), entry.ShardId);

            // The sequence number in slot i is the record of entry i.
            var (records, _) = await Drain(stream, stream.GetShardIterator(entry.ShardId!, ShardIteratorType.AtSequenceNumber, entry.SequenceNumber), limit: 1);
            var record = records[0];
            Assert.Equal($"m{i}", Text(record));
            Assert.Equal($"k{i}", record.PartitionKey);
            Assert.Equal(entry.SequenceNumber, record.SequenceNumber);
        }
    }

    [Fact]
    public async Task PutRecords_with_no_entries_is_InvalidArgumentException()
    {
        var stream = Create(shards: 1);

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.PutRecordsAsync([]).AsTask());
    }

    [Fact]
    public async Task PutRecords_with_501_entries_is_InvalidArgumentException_and_writes_nothing()
    {
        var stream = Create(shards: 1);

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.PutRecordsAsync(
            Enumerable.Range(0, 501).Select(i => new PutRecordsRequestEntry("k", Bytes($"m{i}"))).ToList()).AsTask());

        Assert.Empty(await ReadTexts(stream, ShardId(0)));
    }

    [Fact]
    public async Task PutRecords_of_exactly_10_MiB_including_keys_is_accepted()
    {
        var stream = Create(shards: 1);
        var oneMiB = 1024 * 1024;
        var data = new byte[oneMiB - 1];

        var result = await stream.PutRecordsAsync(Enumerable.Range(0, 10).Select(_ => new PutRecordsRequestEntry("k", data)).ToList());

        Assert.Equal(0, result.FailedRecordCount);
        Assert.Equal(10, result.Records.Count(r => r.SequenceNumber is not null));
    }

    [Fact]
    public async Task PutRecords_one_byte_over_10_MiB_is_InvalidArgumentException_and_writes_nothing()
    {
        var stream = Create(shards: 1);
        var oneMiB = 1024 * 1024;
        var data = new byte[oneMiB - 1];

        // Ten records of exactly 1 MiB (1 key byte + data) less one byte, plus one of 2 bytes: every record fits, the request does not.
        var entries = Enumerable.Range(0, 9).Select(_ => new PutRecordsRequestEntry("k", data)).ToList();
        entries.Add(new PutRecordsRequestEntry("k", new byte[oneMiB - 2]));
        entries.Add(new PutRecordsRequestEntry("k", new byte[1]));

        await ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => stream.PutRecordsAsync(entries).AsTask());

        Assert.Empty((await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon))).Records);
    }

    [Fact]
    public async Task PutRecords_over_the_write_limit_fails_only_the_throttled_entries_and_counts_them()
    {
        var stream = Broker.CreateStream("throttled-stream", new StreamOptions { ShardCount = 2, EnforceThroughputLimits = true });
        var upper = Dec(MaxHashKey);

        // 1,000 records per second per shard: fill shard 0's second, leave shard 1 idle.
        for (var i = 0; i < 2; i++)
        {
            var fill = await stream.PutRecordsAsync(Enumerable.Range(0, 500).Select(_ => new PutRecordsRequestEntry("k", Bytes("f")) { ExplicitHashKey = "0" }).ToList());
            Assert.Equal(0, fill.FailedRecordCount);
        }

        var mixed = Enumerable.Range(0, 100)
            .Select(i => new PutRecordsRequestEntry("k", Bytes($"m{i}")) { ExplicitHashKey = i % 2 == 0 ? "0" : upper })
            .ToList();
        var result = await stream.PutRecordsAsync(mixed);

        Assert.Equal(100, result.Records.Count);
        Assert.True(result.FailedRecordCount > 0, "shard 0 is over its 1,000 records per second");
        Assert.Equal(result.Records.Count(r => r.ErrorCode is not null), result.FailedRecordCount);
        for (var i = 0; i < 100; i++)
        {
            var entry = result.Records[i];
            if (i % 2 == 1)
            {
                Assert.Equal(ShardId(1), entry.ShardId);
                Assert.NotNull(entry.SequenceNumber);
                Assert.Null(entry.ErrorCode);
            }
            else if (entry.ErrorCode is not null)
            {
                Assert.Equal(BrokerErrorCodes.ProvisionedThroughputExceededException, entry.ErrorCode);
                Assert.Contains("throttled-stream", entry.ErrorMessage!, StringComparison.Ordinal);
                Assert.Contains(ShardId(0), entry.ErrorMessage!, StringComparison.Ordinal);
                Assert.Null(entry.ShardId);
                Assert.Null(entry.SequenceNumber);
            }
        }

        // The failed entries were not written.
        var shardZero = (await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon))).Records;
        Assert.Equal(1_000 + 50 - result.FailedRecordCount, shardZero.Count);
        Assert.Equal(50, (await Drain(stream, stream.GetShardIterator(ShardId(1), ShardIteratorType.TrimHorizon))).Records.Count);

        // A second later the shard takes writes again.
        Time.Advance(TimeSpan.FromSeconds(1));
        var later = await stream.PutRecordsAsync([new PutRecordsRequestEntry("k", Bytes("later")) { ExplicitHashKey = "0" }]);
        Assert.Equal(0, later.FailedRecordCount);
    }

    [Fact]
    public async Task Without_throughput_limits_a_shard_takes_far_more_than_1000_records_a_second()
    {
        var stream = Create(shards: 1);

        for (var i = 0; i < 10; i++)
        {
            var result = await stream.PutRecordsAsync(Enumerable.Range(0, 500).Select(_ => new PutRecordsRequestEntry("k", Bytes("f"))).ToList());
            Assert.Equal(0, result.FailedRecordCount);
        }

        Assert.Equal(5_000, (await Drain(stream, stream.GetShardIterator(ShardId(0), ShardIteratorType.TrimHorizon))).Records.Count);
    }
}
