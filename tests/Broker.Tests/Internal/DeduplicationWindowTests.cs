using Broker.Internal;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.Tests.Internal;

/// <summary>The FIFO deduplication table: the first record under a key wins until it lapses, whatever the table does inside.</summary>
public sealed class DeduplicationWindowTests
{
    private const long Interval = 100;

    /// <summary>
    /// Random adds over a few keys (so lapsed records are found, overwritten and left out of rebuilt tables), clock
    /// advances, updates and clears, against a dictionary of (value, lapse time): every add and every answer agrees.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Adds_agree_with_a_plain_dictionary_of_unlapsed_records() =>
        Prop.ForAll(ArbMap.Default.ArbFor<(byte Op, byte Key)[]>(), operations =>
        {
            var window = new DeduplicationWindow<int>(TimeSpan.FromTicks(Interval));
            var model = new Dictionary<string, (int Value, long ExpiresAt)>();
            var now = 0L;
            var next = 0;
            foreach (var (op, keyByte) in operations)
            {
                var key = $"k{keyByte % 40}";
                switch (op % 8)
                {
                    case < 5:
                        var value = ++next;
                        var added = window.TryAdd(window.Hash(key), value, now, out var original);
                        var live = model.TryGetValue(key, out var known) && known.ExpiresAt > now;
                        if (added == live || (!added && original != known.Value))
                        {
                            return false;
                        }

                        if (added)
                        {
                            model[key] = (value, now + Interval);
                        }

                        break;
                    case 5:
                        now += keyByte % 30; // records lapse a few adds after they were made
                        break;
                    case 6:
                        var updated = ++next;
                        window.Update(window.Hash(key), updated, now);
                        if (model.TryGetValue(key, out var current) && current.ExpiresAt > now)
                        {
                            model[key] = (updated, current.ExpiresAt);
                        }

                        break;
                    default:
                        if (keyByte % 16 == 0)
                        {
                            window.Clear();
                            model.Clear();
                        }

                        break;
                }
            }

            return window.CountLive(now) == model.Values.Count(r => r.ExpiresAt > now);
        });

    [Fact]
    public void A_prefetch_is_a_hint_that_creates_and_changes_nothing()
    {
        var window = new DeduplicationWindow<int>(TimeSpan.FromTicks(Interval));
        var first = window.Hash("first");
        window.Prefetch(first);
        Assert.Equal(0, window.Capacity); // no stripe made for a key nobody added

        Assert.True(window.TryAdd(first, 1, now: 0, out _));
        window.Prefetch(first);
        window.Prefetch(window.Hash("second"));

        Assert.False(window.TryAdd(first, 2, now: 1, out var original));
        Assert.Equal(1, original);
        Assert.Equal(1, window.CountLive(now: 1));
    }

    [Fact]
    public void Keys_are_told_apart_by_their_hash_down_to_a_trailing_zero_character()
    {
        var window = new DeduplicationWindow<int>(TimeSpan.FromTicks(Interval));
        string[] keys = ["", "\0", "a", "a\0", "a\0\0", "abc", "abcd", "abcd\0", "abcde", "dedup-1", "dedup-10", "g\0dedup-1", "g1\0dedup-"];
        Assert.Equal(keys.Length, keys.Select(window.Hash).Distinct().Count());
        Assert.Equal(window.Hash(new string('x', 3) + "y"), window.Hash("xxxy")); // equal strings, different instances

        // And 200,000 ids of the usual shape: no two share a hash.
        Assert.Equal(200_000, Enumerable.Range(0, 200_000).Select(i => window.Hash($"order-{i}")).Distinct().Count());
    }

    [Fact]
    public void Lapsed_records_do_not_make_the_table_grow_without_bound()
    {
        var window = new DeduplicationWindow<int>(TimeSpan.FromTicks(Interval));
        var capacityAtSteadyState = 0;
        for (var i = 0; i < 200_000; i++)
        {
            // 10 adds per tick, each lasting 100 ticks: about 1,000 records live at any time.
            Assert.True(window.TryAdd(window.Hash($"id-{i}"), i, now: i / 10, out _));
            if (i == 20_000)
            {
                capacityAtSteadyState = window.Capacity;
            }
        }

        Assert.InRange(window.CountLive(now: 199_999 / 10), 990, 1_010);
        Assert.InRange(window.Capacity, 0, Math.Max(capacityAtSteadyState, 16_384));
    }

    [Fact]
    public async Task Of_threads_adding_the_same_keys_at_once_exactly_one_wins_each_key()
    {
        const int Threads = 4;
        const int Keys = 20_000;
        var window = new DeduplicationWindow<int>(TimeSpan.FromTicks(Interval));
        var wins = new int[Keys];
        var answers = new int[Threads][];
        using var start = new Barrier(Threads);
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            answers[t] = new int[Keys];
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            for (var k = 0; k < Keys; k++)
            {
                var value = (k * Threads) + t;
                if (window.TryAdd(window.Hash($"key-{k}"), value, now: 0, out var original))
                {
                    Interlocked.Increment(ref wins[k]);
                    answers[t][k] = value;
                }
                else
                {
                    answers[t][k] = original;
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(wins, w => Assert.Equal(1, w));

        // Every thread was told the same original for every key: the winner's value.
        for (var k = 0; k < Keys; k++)
        {
            var winner = answers[0][k];
            Assert.All(answers, a => Assert.Equal(winner, a[k]));
        }
    }
}
