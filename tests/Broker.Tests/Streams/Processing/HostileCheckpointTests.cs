using System.Globalization;
using System.Numerics;
using Broker.Streams;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.Tests.Streams.Processing;

/// <summary>
/// Hostile input to <see cref="Broker.Streams.Processing.ICheckpointer.CheckpointAsync(string, CancellationToken)"/>: random,
/// malformed, out-of-range and foreign sequence numbers are refused with <see cref="ArgumentException"/> (the KCL's
/// answer) and leave the lease's checkpoint exactly as it was; the checkpointer still works afterwards.
/// </summary>
public sealed class HostileCheckpointTests : ProcessorFixture
{
    private static readonly Gen<string> Hostile = Gen.OneOf(
        ArbMap.Default.ArbFor<string>().Generator.Where(s => s is not null),
        Gen.Elements(string.Empty, " ", "0", "-1", "+1", "1e3", "١٢٣", "49590338271490256608559692538361571095921575989136588898\0"),
        Gen.Choose(1, 200).Select(n => new string('9', n)),
        ArbMap.Default.ArbFor<BigInteger>().Generator.Select(b => BigInteger.Abs(b).ToString(CultureInfo.InvariantCulture)),
        Gen.Choose(0, 60).Select(n => BigInteger.Pow(2, n * 4).ToString(CultureInfo.InvariantCulture)));

    [Fact]
    public async Task Malformed_or_foreign_sequence_numbers_are_refused_and_change_no_checkpoint()
    {
        Behaviour.CheckpointBatches = false;
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 2 });
        var first = await Put(stream, "k", "a1", HashKeyOf(0, 2));
        var second = await Put(stream, "k", "a2", HashKeyOf(0, 2));
        var otherShard = await Put(stream, "k", "b1", HashKeyOf(1, 2));
        await StartWorker(stream, "w1");
        await RunUntil(() => Journal.Of("record").Count == 3);
        var checkpointer = Behaviour.Processors[("w1", ShardId(0))].Checkpointer!;
        await checkpointer.CheckpointAsync(first);
        var handedOver = new HashSet<string>(StringComparer.Ordinal) { first, second };

        Prop.ForAll(Gen.OneOf(Hostile, Gen.Constant(otherShard)).ToArbitrary(), candidate =>
        {
            if (handedOver.Contains(candidate))
            {
                return;
            }

            var refused = Assert.ThrowsAny<ArgumentException>(() => checkpointer.CheckpointAsync(candidate).AsTask().GetAwaiter().GetResult());
            Assert.IsNotType<ArgumentNullException>(refused);
            Assert.Equal(first, LeaseOf(ShardId(0)).GetAwaiter().GetResult().Checkpoint);
        }).QuickCheckThrowOnFailure();

        await Assert.ThrowsAsync<ArgumentNullException>(() => checkpointer.CheckpointAsync(null!).AsTask());
        await checkpointer.CheckpointAsync(second);
        Assert.Equal(second, (await LeaseOf(ShardId(0))).Checkpoint);
    }
}
