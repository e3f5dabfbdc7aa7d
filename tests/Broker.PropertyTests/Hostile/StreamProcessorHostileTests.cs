using Broker.Streams.Processing;
using FsCheck;
using FsCheck.Fluent;
using static Broker.BrokerErrorCodes;

namespace Broker.PropertyTests.Hostile;

/// <summary>
/// The stream processor (a client library, like the KCL) and its lease store. Their configuration errors are .NET
/// argument errors by design (<see cref="ArgumentException"/> and its subclasses: the KCL throws
/// IllegalArgumentException, not a service error), and a missing stream is the service's ResourceNotFoundException.
/// Anything else, or a changed broker, is a bug.
/// </summary>
public sealed class StreamProcessorHostileTests
{
    [Fact]
    public void A_processor_is_configured_or_refused_with_an_argument_error_and_constructing_it_changes_nothing() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(
            from stream in Gen.Frequency((3, Gen.Constant("clicks")), (1, HostileText.Arbitrary().Generator.Select(static t => t.Value)))
            from application in HostileText.Arbitrary().Generator
            from worker in HostileText.Arbitrary().Generator
            from maxRecords in HostileGen.Int
            from idle in HostileGen.Duration
            from failover in HostileGen.Duration
            from sync in HostileGen.Duration
            from steal in HostileGen.Int
            from position in Gen.Choose(-1, 3)
            from timestamp in Gen.Frequency((1, Gen.Constant<DateTimeOffset?>(null)), (2, HostileGen.Instant.Select(static t => (DateTimeOffset?)t)))
            select (stream, new StreamProcessorOptions
            {
                ApplicationName = application.Value,
                WorkerId = worker.Value,
                MaxRecords = maxRecords,
                IdleTimeBetweenReads = idle,
                FailoverTime = failover,
                ShardSyncInterval = sync,
                MaxLeasesToStealAtOneTime = steal,
                InitialPosition = (InitialPosition)position,
                InitialTimestamp = timestamp,
            })), input =>
        {
            using var world = HostileWorld.Create();
            var (stream, options) = input;
            var before = BrokerSnapshot.Take(world.Broker);
            var failure = Expect.Run(async () =>
            {
                await using var processor = new StreamProcessor(world.Broker, stream, options, _ => throw new InvalidOperationException("not started"));
            });
            Assert.True(
                failure is null or ArgumentException or BrokerException { ErrorCode: ResourceNotFoundException or ValidationException },
                $"new StreamProcessor({HostileText.Escape(stream)}, {options}) threw {failure}");
            Assert.Equal(before, BrokerSnapshot.Take(world.Broker));
        }), 100);

    [Fact]
    public void The_lease_store_keeps_what_it_was_given_for_any_names_and_counters() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(
            from application in HostileText.Arbitrary().Generator
            from key in HostileText.Arbitrary().Generator
            from owner in HostileText.Arbitrary().Generator
            from checkpoint in HostileText.Arbitrary().Generator
            from counter in Gen.Elements(long.MinValue, -1L, 0L, 1L, long.MaxValue)
            select (application.Value, new Lease(key.Value) { LeaseOwner = owner.Value, Checkpoint = checkpoint.Value, LeaseCounter = counter })), input =>
        {
            var (application, lease) = input;
            var store = new InMemoryLeaseStore();
            var failure = Expect.Run(async () =>
            {
                var created = await store.CreateLeaseIfNotExistsAsync(application, lease);
                var again = await store.CreateLeaseIfNotExistsAsync(application, lease);
                var read = await store.GetLeaseAsync(application, lease.LeaseKey);
                Assert.True(created && !again, "a lease is created once");
                Assert.Equal(lease.LeaseKey, read?.LeaseKey);
                Assert.Equal(lease.Checkpoint, read?.Checkpoint);
                var updated = await store.UpdateLeaseAsync(application, read! with { Checkpoint = "SHARD_END" });
                Assert.NotNull(updated);
                Assert.Single(await store.ListLeasesAsync(application));
                Assert.False(await store.DeleteLeaseAsync(application, lease.LeaseKey, updated!.LeaseCounter - 1), "a stale counter deletes nothing");
                Assert.True(await store.DeleteLeaseAsync(application, lease.LeaseKey, updated.LeaseCounter));
            });
            Assert.True(failure is null || (failure is ArgumentException && application.Length == 0), $"lease store with application {HostileText.Escape(application)}: {failure}");
        }), 100);
}
