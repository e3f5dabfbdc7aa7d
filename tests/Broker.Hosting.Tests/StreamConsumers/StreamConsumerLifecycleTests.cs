using Broker.Hosting.Tests.Subscribers;
using Broker.Streams.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Broker.Hosting.Tests.StreamConsumers;

public sealed class StreamConsumerLifecycleTests : StreamConsumerFixture
{
    [Fact]
    public async Task Stop_lets_the_batch_in_flight_finish_with_an_uncancelled_token_and_checkpoints_it()
    {
        var (host, leases, release, put) = await StartWithABatchInFlight();
        var tokenCancelledAtRelease = true;
        var stopping = host.StopAsync();

        // Shard 1 had nothing to do: its lease is released at once. Shard 0's processor has been told to stop by then.
        await leases.WhenReleasedAsync(ShardId(1)).WaitAsync(TestHost.Bound);
        release.SetResult(token => tokenCancelledAtRelease = token.IsCancellationRequested);
        await stopping.WaitAsync(TestHost.Bound);

        Assert.False(tokenCancelledAtRelease);
        Assert.Single(Probe.Handled.Items);
        var lease = await LeaseOf(host, ShardId(0));
        Assert.Equal(put.SequenceNumber, lease.Checkpoint);
        Assert.Null(lease.LeaseOwner);
    }

    [Fact]
    public async Task Stop_cancels_the_handler_when_the_host_token_fires_and_leaves_the_batch_unchecked()
    {
        var (host, leases, _, _) = await StartWithABatchInFlight();
        using var shutdown = new CancellationTokenSource();
        var stopping = host.StopAsync(shutdown.Token);

        await leases.WhenReleasedAsync(ShardId(1)).WaitAsync(TestHost.Bound);
        await shutdown.CancelAsync();
        await Probe.Cancelled.WaitForAsync(1);
        await stopping.WaitAsync(TestHost.Bound);

        Assert.Empty(Probe.Handled.Items);
        Assert.Equal(SentinelCheckpoints.TrimHorizon, (await LeaseOf(host, ShardId(0))).Checkpoint);
    }

    [Fact]
    public async Task A_missing_stream_or_on_failure_queue_fails_the_host_start()
    {
        var noStream = BuildHost();
        var missingStream = await Assert.ThrowsAsync<BrokerException>(() => noStream.StartAsync());
        CreateStream();
        var noQueue = BuildHost(o => o.OnFailureQueue = "no-such-queue");
        var missingQueue = await Assert.ThrowsAsync<BrokerException>(() => noQueue.StartAsync());

        Assert.Equal(BrokerErrorCodes.ResourceNotFoundException, missingStream.ErrorCode);
        Assert.Equal(BrokerErrorCodes.QueueDoesNotExist, missingQueue.ErrorCode);
    }

    [Fact]
    public void Invalid_options_are_rejected_at_registration_with_every_problem_named()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<OptionsValidationException>(() => services.AddStreamConsumer<Click, ClickHandler>(StreamName, Group, o =>
        {
            o.BatchSize = 10_001;
            o.MaximumBatchingWindow = TimeSpan.FromSeconds(301);
            o.MaximumRetryAttempts = -2;
            o.OnFailureQueue = "";
            o.InitialPosition = InitialPosition.AtTimestamp;
        }));

        Assert.Collection(
            error.Failures,
            f => Assert.Equal("StreamConsumer:clicks:click-counter:BatchSize: 10001 is out of range; use 1 to 10,000.", f),
            f => Assert.Equal("StreamConsumer:clicks:click-counter:MaximumBatchingWindow: 00:05:01 is out of range; use 00:00:00 to 00:05:00.", f),
            f => Assert.StartsWith("StreamConsumer:clicks:click-counter:MaximumRetryAttempts: -2 is out of range", f, StringComparison.Ordinal),
            f => Assert.StartsWith("StreamConsumer:clicks:click-counter:OnFailureQueue:", f, StringComparison.Ordinal),
            f => Assert.StartsWith("StreamConsumer:clicks:click-counter:InitialTimestamp: InitialPosition AtTimestamp needs it", f, StringComparison.Ordinal));
        Assert.Empty(services);
    }

    [Fact]
    public async Task Without_a_registered_lease_store_checkpoints_go_to_the_brokers_own()
    {
        CreateStream();
        var host = await StartHost();

        Assert.Same(Broker.LeaseStore, host.Services.GetRequiredService<ILeaseStore>());
    }

    [Fact]
    public void The_defaults_are_Lambdas()
    {
        var options = new StreamConsumerOptions();

        Assert.Equal(100, options.BatchSize);
        Assert.Equal(TimeSpan.Zero, options.MaximumBatchingWindow);
        Assert.Equal(-1, options.MaximumRetryAttempts);
        Assert.False(options.BisectBatchOnHandlerError);
        Assert.Null(options.OnFailureQueue);
        Assert.Null(options.RetryDelay);
    }

    /// <summary>
    /// Two shards, one record on shard 0 whose handler waits until released; the lease store signals releases. The
    /// release gets a callback that sees the handler's token at the moment it is released.
    /// </summary>
    private async Task<(Microsoft.Extensions.Hosting.IHost Host, ReleaseSignals Leases, TaskCompletionSource<Action<CancellationToken>> Release, Broker.Streams.PutRecordResult Put)> StartWithABatchInFlight()
    {
        var stream = CreateStream(shards: 2);
        var put = await Put(stream, new Click(1, "slow"), shard: 0, shards: 2);
        var leases = new ReleaseSignals();
        var release = new TaskCompletionSource<Action<CancellationToken>>(TaskCreationOptions.RunContinuationsAsynchronously);
        Probe.Behaviour = async (_, token) => (await release.Task.WaitAsync(token))(token);
        var host = await StartHost(before: services => services.AddSingleton<ILeaseStore>(leases));
        await Probe.Invocations.WaitForAsync(1);
        return (host, leases, release, put);
    }
}
