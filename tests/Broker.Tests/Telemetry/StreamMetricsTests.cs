using Broker.Streams;

namespace Broker.Tests.Telemetry;

public sealed class StreamMetricsTests : TelemetryFixture
{
    [Fact]
    public async Task A_put_counts_one_incoming_record_and_its_data_and_partition_key_bytes()
    {
        var records = Collect<long>("broker.stream.incoming_records");
        var bytes = Collect<long>("broker.stream.incoming_bytes");
        var stream = Broker.CreateStream("clicks", new StreamOptions { ShardCount = 2 });

        await stream.PutRecordAsync(new PutRecordRequest("user-42", new byte[10]));
        await stream.PutRecordAsync(new PutRecordRequest("k", new byte[3]));

        Assert.Equal(2, Total(records, Tag("stream", "clicks")));
        Assert.Equal(10 + "user-42".Length + 3 + 1, Total(bytes, Tag("stream", "clicks")));
    }

    [Fact]
    public async Task PutRecords_counts_only_the_entries_that_were_stored()
    {
        var records = Collect<long>("broker.stream.incoming_records");
        var bytes = Collect<long>("broker.stream.incoming_bytes");
        var stream = Broker.CreateStream("clicks", new StreamOptions { ShardCount = 1, EnforceThroughputLimits = true });
        var big = new byte[400_000];

        // A shard takes 1 MiB per second: the third 400 KB record is over the budget and fails.
        var result = await stream.PutRecordsAsync([new("a", big), new("b", big), new("c", big)]);

        Assert.Equal(1, result.FailedRecordCount);
        Assert.Equal(2, Total(records, Tag("stream", "clicks")));
        Assert.Equal(2 * (400_000 + 1), Total(bytes, Tag("stream", "clicks")));
    }

    [Fact]
    public async Task GetRecords_records_the_age_of_the_last_record_it_returns_per_shard()
    {
        var age = Collect<long>("broker.stream.iterator_age");
        var stream = Broker.CreateStream("clicks", new StreamOptions { ShardCount = 1 });
        var put = await stream.PutRecordAsync(new PutRecordRequest("k", new byte[1]));
        Time.Advance(TimeSpan.FromSeconds(2));
        await stream.PutRecordAsync(new PutRecordRequest("k", new byte[1]));
        Time.Advance(TimeSpan.FromSeconds(3));
        var iterator = stream.GetShardIterator(put.ShardId, ShardIteratorType.TrimHorizon);

        var page = await stream.GetRecordsAsync(iterator, limit: 1);

        Assert.Single(page.Records);
        var measurement = Assert.Single(age.GetMeasurementSnapshot());
        Assert.Equal(5_000, measurement.Value);
        Assert.True(measurement.MatchesTags(Tag("stream", "clicks"), Tag("shard", put.ShardId)));

        page = await stream.GetRecordsAsync(page.NextShardIterator!);
        Assert.Single(page.Records);
        Assert.Equal(3_000, age.LastMeasurement!.Value);
    }

    [Fact]
    public async Task GetRecords_at_the_tip_records_an_iterator_age_of_zero()
    {
        var age = Collect<long>("broker.stream.iterator_age");
        var stream = Broker.CreateStream("clicks", new StreamOptions { ShardCount = 1 });
        var put = await stream.PutRecordAsync(new PutRecordRequest("k", new byte[1]));
        Time.Advance(TimeSpan.FromMinutes(1));
        var iterator = stream.GetShardIterator(put.ShardId, ShardIteratorType.Latest);

        var page = await stream.GetRecordsAsync(iterator);

        Assert.Empty(page.Records);
        Assert.Equal(0, Assert.Single(age.GetMeasurementSnapshot()).Value);
    }
}
