using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Broker.Hosting.Tests.Subscribers;
using Broker.Streams.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Broker.Hosting.Tests.StreamConsumers;

public sealed class StreamConsumerFailureTests : StreamConsumerFixture
{
    [Fact]
    public async Task A_failed_batch_is_retried_after_the_retry_delay_until_it_succeeds_then_checkpointed()
    {
        var delay = TimeSpan.FromSeconds(7);
        var stream = CreateStream();
        await Put(stream, new Click(1, "view"));
        var last = await Put(stream, new Click(2, "view"));
        Probe.Behaviour = (batch, _) => batch.Context.Attempt <= 2 ? throw new InvalidOperationException("flaky") : Task.CompletedTask;
        var host = await StartHost(o => o.RetryDelay = _ => delay);

        await Probe.Invocations.WaitForAsync(1);
        await WhenWaiting(delay);
        Assert.Single(Probe.Invocations.Items);
        Clock.Advance(delay);
        await Probe.Invocations.WaitForAsync(2);
        await WhenWaiting(delay);
        Clock.Advance(delay);
        await Probe.Handled.WaitForAsync(1);
        await host.StopAsync().WaitAsync(TestHost.Bound);

        Assert.Equal([1, 2, 3], Probe.Invocations.Items.Select(b => b.Context.Attempt));
        Assert.All(Probe.Invocations.Items, b => Assert.Equal([1, 2], b.Ids));
        Assert.IsType<InMemoryLeaseStore>(host.Services.GetRequiredService<ILeaseStore>());
        Assert.Equal(last.SequenceNumber, (await LeaseOf(host, ShardId(0))).Checkpoint);
    }

    [Fact]
    public async Task Bisecting_isolates_a_poison_record_the_rest_are_handled_and_it_goes_to_the_on_failure_queue()
    {
        var stream = CreateStream();
        var sequenceNumbers = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            sequenceNumbers.Add((await Put(stream, new Click(i, i == 5 ? "poison" : "view"))).SequenceNumber);
        }

        Probe.PoisonKind = "poison";
        var host = await StartHost(o =>
        {
            o.BisectBatchOnHandlerError = true;
            o.MaximumRetryAttempts = 0;
            o.OnFailureQueue = FailuresName;
        });

        var failure = await ReceiveOne(Failures);
        await Probe.HandledRecords.WaitForAsync(7);
        await host.StopAsync().WaitAsync(TestHost.Bound);

        Assert.Equal([0, 1, 2, 3, 4, 6, 7], Probe.HandledRecords.Items.Select(r => r.Data.Id));
        Assert.Equal([[0, 1, 2, 3], [4], [6, 7]], Probe.Handled.Items.Select(b => b.Ids.ToArray()));
        using var document = JsonDocument.Parse(failure.GetBodyAsString());
        var batch = document.RootElement.GetProperty("KinesisBatchInfo");
        Assert.Equal(sequenceNumbers[5], batch.GetProperty("startSequenceNumber").GetString());
        Assert.Equal(sequenceNumbers[5], batch.GetProperty("endSequenceNumber").GetString());
        Assert.Equal(1, batch.GetProperty("batchSize").GetInt32());
        // [0..7], [4..7], [4, 5], then [5] alone.
        Assert.Equal(4, document.RootElement.GetProperty("requestContext").GetProperty("approximateInvokeCount").GetInt32());
        Assert.Equal(sequenceNumbers[7], (await LeaseOf(host, ShardId(0))).Checkpoint);
    }

    [Fact]
    public async Task A_record_that_cannot_be_deserialized_fails_its_batch_and_bisecting_isolates_it()
    {
        var stream = CreateStream();
        await Put(stream, new Click(0, "view"));
        await Put(stream, new Click(1, "view"));
        var invalid = await PutRaw(stream, "{not json");
        await Put(stream, new Click(3, "view"));
        var host = BuildHost(o =>
        {
            o.BisectBatchOnHandlerError = true;
            o.MaximumRetryAttempts = 1;
            o.RetryDelay = _ => TimeSpan.Zero;
            o.OnFailureQueue = FailuresName;
        });
        using var failures = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Broker", "broker.consumer.deserialization_failures");
        await host.StartAsync();

        var failure = await ReceiveOne(Failures);
        await Probe.HandledRecords.WaitForAsync(3);

        Assert.Equal([[0, 1], [3]], Probe.Invocations.Items.Select(b => b.Ids.ToArray()));
        using var document = JsonDocument.Parse(failure.GetBodyAsString());
        Assert.Equal(invalid.SequenceNumber, document.RootElement.GetProperty("KinesisBatchInfo").GetProperty("startSequenceNumber").GetString());
        // [0..3], [2, 3], [2], and its one retry: every one of them deserialized the record and failed.
        Assert.Equal(4, document.RootElement.GetProperty("requestContext").GetProperty("approximateInvokeCount").GetInt32());
        await failures.WaitForMeasurementsAsync(4, TestHost.Bound);
        Assert.Equal(4, failures.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Contains("is not a valid Click", failure.MessageAttributes["ErrorMessage"].StringValue, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_retries_are_exhausted_Lambdas_failure_record_goes_to_the_on_failure_queue_and_the_shard_moves_on()
    {
        var stream = CreateStream();
        var first = await Put(stream, new Click(1, "poison"));
        await Put(stream, new Click(2, "poison"));
        var third = await Put(stream, new Click(3, "poison"));
        await Put(stream, new Click(4, "view"));
        var last = await Put(stream, new Click(5, "view"));
        Probe.PoisonKind = "poison";
        var host = await StartHost(o =>
        {
            o.BatchSize = 3;
            o.MaximumRetryAttempts = 2;
            o.RetryDelay = _ => TimeSpan.Zero;
            o.OnFailureQueue = FailuresName;
        });

        var failure = await ReceiveOne(Failures);
        await Probe.HandledRecords.WaitForAsync(2);
        await host.StopAsync().WaitAsync(TestHost.Bound);

        Assert.Equal([1, 2, 3], Probe.Invocations.Items.Take(3).Select(b => b.Context.Attempt));
        Assert.Equal([4, 5], Probe.HandledRecords.Items.Select(r => r.Data.Id));
        Assert.Equal(last.SequenceNumber, (await LeaseOf(host, ShardId(0))).Checkpoint);

        var arrived = Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        using var document = JsonDocument.Parse(failure.GetBodyAsString());
        var root = document.RootElement;
        var request = root.GetProperty("requestContext");
        Assert.True(Guid.TryParse(request.GetProperty("requestId").GetString(), out _));
        Assert.Equal(Group, request.GetProperty("functionArn").GetString());
        Assert.Equal("RetryAttemptsExhausted", request.GetProperty("condition").GetString());
        Assert.Equal(3, request.GetProperty("approximateInvokeCount").GetInt32());
        var response = root.GetProperty("responseContext");
        Assert.Equal(200, response.GetProperty("statusCode").GetInt32());
        Assert.Equal("$LATEST", response.GetProperty("executedVersion").GetString());
        Assert.Equal("Unhandled", response.GetProperty("functionError").GetString());
        Assert.Equal("1.0", root.GetProperty("version").GetString());
        Assert.Equal(arrived, root.GetProperty("timestamp").GetString());
        var batch = root.GetProperty("KinesisBatchInfo");
        Assert.Equal(ShardId(0), batch.GetProperty("shardId").GetString());
        Assert.Equal(first.SequenceNumber, batch.GetProperty("startSequenceNumber").GetString());
        Assert.Equal(third.SequenceNumber, batch.GetProperty("endSequenceNumber").GetString());
        Assert.Equal(arrived, batch.GetProperty("approximateArrivalOfFirstRecord").GetString());
        Assert.Equal(arrived, batch.GetProperty("approximateArrivalOfLastRecord").GetString());
        Assert.Equal(3, batch.GetProperty("batchSize").GetInt32());
        Assert.Equal(stream.Arn, batch.GetProperty("streamArn").GetString());
        Assert.Contains("poison", failure.MessageAttributes["ErrorMessage"].StringValue, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_unlimited_retries_a_batch_is_given_up_once_its_records_outlive_the_streams_retention()
    {
        var delay = TimeSpan.FromHours(13); // the stream keeps records 24 hours
        var stream = CreateStream();
        await Put(stream, new Click(1, "poison"));
        Probe.PoisonKind = "poison";
        await StartHost(o =>
        {
            o.RetryDelay = _ => delay;
            o.OnFailureQueue = FailuresName;
        });

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await Probe.Invocations.WaitForAsync(attempt);
            await WhenWaiting(delay);
            Clock.Advance(delay);
        }

        var failure = await ReceiveOne(Failures);

        using var document = JsonDocument.Parse(failure.GetBodyAsString());
        Assert.Equal("RecordAgeExceeded", document.RootElement.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.Equal(3, document.RootElement.GetProperty("requestContext").GetProperty("approximateInvokeCount").GetInt32());
        Assert.Equal(3, Probe.Invocations.Count);
    }

    [Fact]
    public async Task Without_an_on_failure_queue_a_given_up_batch_is_logged_and_skipped()
    {
        var stream = CreateStream();
        await Put(stream, new Click(1, "poison"));
        await Put(stream, new Click(2, "view"));
        Probe.PoisonKind = "poison";
        await StartHost(o =>
        {
            o.BatchSize = 1;
            o.MaximumRetryAttempts = 0;
        });

        await Probe.HandledRecords.WaitForAsync(1);

        Assert.Equal([2], Probe.HandledRecords.Items.Select(r => r.Data.Id));
        Assert.Equal(1, Logs.Count(358));
        Assert.Equal(0, Failures.GetAttributes().ApproximateNumberOfMessages);
    }
}
