using System.Numerics;
using Broker.Topics.Internal;

namespace Broker.Tests.Topics;

/// <summary>
/// Message ids: version-4 UUIDs that never repeat, within a thread (a counter through a bijection) or across threads
/// (a random prefix each), and whose every digit looks random, as SNS's do.
/// </summary>
public sealed class MessageIdTests
{
    private const ulong Mask60 = (1UL << 60) - 1;

    [Fact]
    public void A_message_id_is_a_version_4_uuid_of_the_rfc_variant()
    {
        for (var i = 0; i < 1_000; i++)
        {
            var id = MessageIds.NewGuid();
            Assert.Equal(4, id.Version);
            Assert.Equal(0b10, id.Variant >> 2);
        }
    }

    [Fact]
    public void The_counter_mix_never_maps_two_values_to_one_and_stays_within_60_bits()
    {
        // Consecutive values across the 60-bit wrap (where a counter that started high goes on from 0), and in two other
        // places.
        var seen = new HashSet<ulong>();
        foreach (var start in new[] { Mask60 - 100_000, 1UL << 40, 1UL << 59 })
        {
            for (var value = start; value <= start + 200_000; value++)
            {
                var mixed = MessageIds.Mix(value & Mask60);
                if (mixed > Mask60 || !seen.Add(mixed))
                {
                    Assert.Fail($"Mix({value & Mask60}) = {mixed}: above 60 bits, or an earlier value's.");
                }
            }
        }
    }

    [Fact]
    public void The_counter_mix_undoes_exactly_so_it_is_a_bijection_of_60_bit_values()
    {
        // Each step has an inverse within 60 bits (an xor-shift undone by repeating it, a product by an odd number undone
        // by its inverse modulo 2^64, kept to 60 bits): a value the mix did not keep within 60 bits at every step fails.
        var random = new Random(20261128);
        for (var i = 0; i < 100_000; i++)
        {
            var value = (ulong)random.NextInt64() & Mask60;
            Assert.Equal(value, Unmix(MessageIds.Mix(value)));
        }
    }

    [Fact]
    public void Ids_from_many_threads_are_all_different()
    {
        const int Threads = 8;
        const int PerThread = 20_000;
        var ids = new Guid[Threads][];
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var mine = new Guid[PerThread];
            for (var i = 0; i < mine.Length; i++)
            {
                mine[i] = MessageIds.NewGuid();
            }

            ids[t] = mine;
        })).ToList();
        workers.ForEach(static worker => worker.Start());
        Assert.All(workers, static worker => Assert.True(worker.Join(TimeSpan.FromSeconds(30)), "A worker did not finish."));

        var all = ids.SelectMany(static mine => mine).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public void Consecutive_ids_of_one_thread_look_unrelated_in_both_halves()
    {
        // A bare counter would change a few low bits from one id to the next, and a fixed prefix none of the second half;
        // the mixes change about half of each half's 60 and 62 free bits.
        var previous = MessageIds.NewGuid().ToByteArray();
        var changedFirst = 0;
        var changedSecond = 0;
        const int Count = 1_000;
        for (var i = 0; i < Count; i++)
        {
            var next = MessageIds.NewGuid().ToByteArray();
            changedFirst += BitOperations.PopCount(BitConverter.ToUInt64(previous, 0) ^ BitConverter.ToUInt64(next, 0));
            changedSecond += BitOperations.PopCount(BitConverter.ToUInt64(previous, 8) ^ BitConverter.ToUInt64(next, 8));
            previous = next;
        }

        Assert.InRange(changedFirst / (double)Count, 24, 36);
        Assert.InRange(changedSecond / (double)Count, 25, 37);
    }

    private static ulong Unmix(ulong value)
    {
        value = UndoShift(value, 31);
        value = (value * Inverse(0x94D049BB133111EBUL)) & Mask60;
        value = UndoShift(value, 27);
        value = (value * Inverse(0xBF58476D1CE4E5B9UL)) & Mask60;
        return UndoShift(value, 30);

        static ulong UndoShift(ulong mixed, int shift)
        {
            var value = mixed;
            for (var i = 0; i < 60 / shift + 1; i++)
            {
                value = mixed ^ (value >> shift);
            }

            return value & Mask60;
        }

        static ulong Inverse(ulong odd)
        {
            var inverse = odd; // Newton's iteration doubles the correct low bits each round: 3, 6, 12, 24, 48, 96
            for (var i = 0; i < 5; i++)
            {
                inverse *= 2 - (odd * inverse);
            }

            return inverse;
        }
    }

}
