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
    public void An_update_passes_over_a_lapsed_record_of_its_key_to_the_live_one()
    {
        var window = new DeduplicationWindow<int>(TimeSpan.FromTicks(Interval));
        var key = window.Hash("k");
        Assert.True(window.TryAdd(key, 1, now: 0, out _));
        Assert.True(window.TryAdd(key, 2, now: Interval, out _)); // the first lapsed; it stays in its slot, before this one

        window.Update(key, 3, now: Interval);

        Assert.False(window.TryAdd(key, 4, now: Interval, out var original));
        Assert.Equal(3, original);
        Assert.True(window.TryGet(key, now: Interval, out var value));
        Assert.Equal(3, value);
    }

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
    public void Every_byte_of_every_character_counts_whatever_the_key_length()
    {
        var window = new DeduplicationWindow<int>(TimeSpan.FromTicks(Interval));
        for (var length = 1; length <= 12; length++)
        {
            var key = window.Hash(new string('k', length));
            for (var position = 0; position < length; position++)
            {
                // 'k' is U+006B: U+006A differs in the low byte, U+016B only in the high one.
                foreach (var other in (char[])['\u006A', '\u016B'])
                {
                    var changed = string.Create(length, (position, other), static (span, change) =>
                    {
                        span.Fill('k');
                        span[change.position] = change.other;
                    });
                    Assert.NotEqual(key, window.Hash(changed));
                }
            }
        }
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

    /// <summary>
    /// Two threads released together by a barrier for each key add it at the same moment, many thousands of times: both
    /// probe to the same empty slot, and exactly one may take it.
    /// </summary>
    [Fact]
    public async Task Two_threads_adding_one_key_at_the_same_moment_never_both_win()
    {
        const int Keys = 20_000;
        var window = new DeduplicationWindow<int>(TimeSpan.FromTicks(Interval));
        var wins = new int[Keys];
        using var together = new Barrier(2);
        await Task.WhenAll(Enumerable.Range(0, 2).Select(t => Task.Run(() =>
        {
            var keys = Enumerable.Range(0, Keys).Select(k => window.Hash($"key-{k}")).ToArray();
            for (var k = 0; k < Keys; k++)
            {
                Assert.True(together.SignalAndWait(TimeSpan.FromSeconds(30)));
                if (window.TryAdd(keys[k], t, now: 0, out _))
                {
                    Interlocked.Increment(ref wins[k]);
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(120));

        var wrong = Enumerable.Range(0, Keys).Where(k => wins[k] != 1).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} keys had other than one winner");
    }

    /// <summary>
    /// Updates race rebuilds: two threads add records that lapse as fast as they come (so their stripes keep being
    /// rebuilt, mostly in place) while a third updates a few records that never lapse, over and over, and reads each
    /// update back. An update that landed in a table a rebuild had already copied, or in a slot a rebuild had moved, would
    /// be lost. Every eighth churning add also adds a record that never lapses, twice: the second must find the first (an
    /// add that took a slot a rebuild had just emptied, behind its key's place, would not be found).
    /// </summary>
    [Fact]
    public async Task An_update_made_while_other_threads_rebuild_the_table_is_never_lost()
    {
        const int Kept = 64;
        const int Updates = 400_000;
        var window = new DeduplicationWindow<long>(TimeSpan.FromTicks(Interval));
        using var stop = new CancellationTokenSource();
        using var start = new Barrier(3);
        var unfound = 0;
        var churn = Enumerable.Range(0, 2).Select(t => Task.Run(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                window.TryAdd(window.Hash($"churn-{t}-{i}"), i, now: i / 3_000 * Interval, out _); // all lapse every 3,000 adds
                if (i % 8 == 0)
                {
                    // Checked keys never lapse: the threads' clocks differ, and a rebuild drops what lapsed by its own.
                    var key = window.Hash($"checked-{t}-{i}");
                    window.TryAdd(key, i, now: 0, expiresAt: long.MaxValue / 4, out _);
                    if (window.TryAdd(key, -i, now: 0, out _))
                    {
                        Interlocked.Increment(ref unfound);
                    }
                }
            }
        })).ToArray();

        int lost;
        try
        {
            lost = await Task.Run(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                var keys = Enumerable.Range(0, Kept).Select(k => window.Hash($"kept-{k}")).ToArray();
                foreach (var key in keys)
                {
                    Assert.True(window.TryAdd(key, -1, now: 0, expiresAt: long.MaxValue / 4, out _));
                }

                var lost = 0;
                for (var i = 0; i < Updates; i++)
                {
                    window.Update(keys[i % Kept], i, now: 0);
                    lost += window.TryGet(keys[i % Kept], now: 0, out var value) && value == i ? 0 : 1;
                }

                return lost;
            }).WaitAsync(TimeSpan.FromSeconds(120));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(churn).WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(0, lost);
        Assert.Equal(0, unfound);
        for (var k = 0; k < Kept; k++)
        {
            Assert.False(window.TryAdd(window.Hash($"kept-{k}"), -2, now: 0, out var original));
            Assert.Equal(Updates - Kept + k, original);
        }
    }

    /// <summary>
    /// A clear that meets a rebuild (adds on another thread keep rebuilding the tables) still clears every stripe: every
    /// record added before the clear began is forgotten. Meanwhile each add on the other thread is made twice, and the
    /// second must find the first, clears and rebuilds in place notwithstanding.
    /// </summary>
    [Fact]
    public async Task A_clear_forgets_every_earlier_record_while_other_threads_rebuild_the_tables()
    {
        var window = new DeduplicationWindow<int>(TimeSpan.FromTicks(Interval));
        using var stop = new CancellationTokenSource();
        using var running = new ManualResetEventSlim();
        var unfound = 0;
        var churn = Task.Run(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = window.Hash($"churn-{i}");
                window.TryAdd(key, i, now: i / 4, out _);
                if (window.TryAdd(key, -i, now: i / 4, out _))
                {
                    Interlocked.Increment(ref unfound);
                }

                if (i == 1_000)
                {
                    running.Set();
                }
            }
        });

        try
        {
            Assert.True(running.Wait(TimeSpan.FromSeconds(30)));
            for (var round = 0; round < 50; round++)
            {
                for (var k = 0; k < 2_000; k++)
                {
                    Assert.True(window.TryAdd(window.Hash($"round-{round}-{k}"), k, now: 0, expiresAt: long.MaxValue / 4, out _));
                }

                window.Clear();
                for (var k = 0; k < 2_000; k++)
                {
                    Assert.False(window.TryGet(window.Hash($"round-{round}-{k}"), now: 0, out _), $"round {round}, key {k} outlived the clear");
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await churn.WaitAsync(TimeSpan.FromSeconds(30));
        }

        // A clear between the two adds of one key may make the second succeed: only more than a few would be wrong.
        Assert.InRange(unfound, 0, 50);
    }
}
