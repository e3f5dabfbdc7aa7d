using System.Text;
using Broker.Filtering;
using Broker.Filtering.Internal;
using Broker.Queues;
using static Broker.Tests.Filtering.Filters;

namespace Broker.Tests.Filtering;

/// <summary>
/// <see cref="FilterPolicyIndex{T}"/>: every subscriber whose policy matches, each once; null policies; removal and
/// replacement; mixed scopes; agreement with matching each policy alone; and Match running concurrently with changes.
/// </summary>
public sealed class FilterPolicyIndexTests
{
    private static readonly byte[] NoBody = [];

    private static FilterPolicy AttributePolicy(string policy) => FilterPolicy.Parse(J(policy));

    private static FilterPolicy BodyPolicy(string policy) => FilterPolicy.Parse(J(policy), FilterPolicyScope.MessageBody);

    private static List<Subscriber> Match(FilterPolicyIndex<Subscriber> index, IReadOnlyDictionary<string, MessageAttributeValue>? attributes, string? body = null)
    {
        var matches = new List<Subscriber>();
        index.Match(attributes, body is null ? NoBody : Encoding.UTF8.GetBytes(J(body)), matches);
        return matches;
    }

    [Theory]
    [InlineData("{'customer':['c-1']}", true)]
    [InlineData("{'customer':['c-1','c-2']}", true)]
    [InlineData("{'size':[5, 7.5]}", true)]
    [InlineData("{'customer':['c-1'],'region':['eu']}", false)]
    [InlineData("{'customer':['c-1',{'prefix':'d'}]}", false)]
    [InlineData("{'customer':['c-1',{'anything-but':'x'}]}", false)]
    [InlineData("{'customer':[{'prefix':'c'}]}", false)]
    [InlineData("{'flag':[true]}", false)]
    public void Only_a_sub_rule_that_is_its_exact_anchor_alone_is_decided_by_finding_it(string policy, bool decides)
    {
        var compiled = AttributePolicy(policy).Compiled;
        var entry = new IndexEntry<Subscriber>(new Subscriber("s"), compiled, null);

        Assert.All(compiled.SubRules, rule => Assert.Equal(decides, new SubRuleRef<Subscriber>(entry, rule).AnchorDecides));
    }

    [Fact]
    public void Exact_strings_on_either_side_of_the_length_kept_in_the_slot_find_their_own_policy_and_no_other()
    {
        // Strings of up to ExactStringAnchors.InlineLength characters are kept and compared in the table's slot, longer
        // ones by their characters: each length from 0 to past the boundary, prefixes of one another, strings that
        // differ only in their last kept character or only past it, and non-ASCII characters.
        string[] members =
        [
            "", "c", "c-", "c-1", "c-12", "c-123", "c-1234", "c-12345", "c-123456", "c-1234567", "c-12345678",
            "abcdefgh", "abcdefgi", "abcdefghX", "abcdefghY", "\u00e9t\u00e9", "\u65e5\u672c\u8a9e\u30c6\u30ad\u30b9\u30c8\u3067\u3059",
        ];
        var index = new FilterPolicyIndex<Subscriber>();
        var subscribers = new Dictionary<string, Subscriber>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            subscribers[member] = new Subscriber(member);
            index.Add(subscribers[member], FilterPolicy.Parse($$"""{"customer":["{{member}}"]}"""));
        }

        foreach (var (text, subscriber) in subscribers)
        {
            Assert.Equal([subscriber], Match(index, ToAttributes(("customer", "String", text))));
        }

        foreach (var stranger in new[] { "d", "c-0", "c-1234568", "abcdefgj", "abcdefg", "abcdefghZ", "c-123456789", "\u00e9t\u00e8" })
        {
            Assert.Empty(Match(index, ToAttributes(("customer", "String", stranger))));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_exact_string_table_tells_strings_apart_by_their_characters_when_their_hashes_collide(bool sameHash)
    {
        // With one hash for all, every probe walks the same run and every string is told apart by the comparisons alone:
        // the length, the characters kept in the slot (up to InlineLength), or the string's own characters.
        string[] members =
        [
            "", "\0", "a", "a\0", "c-1234567", "c-12345678", "c-1234567\0", "abcdefgh", "abcdefgi", "bbcdefgh",
            "abcdefghX", "abcdefghY", "abcdefghXY", "\u00e9t\u00e9",
        ];
        var rule = AttributePolicy("{'customer':['x']}").Compiled.SubRules[0];
        var byString = new Dictionary<string, List<SubRuleRef<Subscriber>>>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            byString[member] = [new SubRuleRef<Subscriber>(new IndexEntry<Subscriber>(new Subscriber(member), null, null), rule)];
        }

        var table = new ExactStringAnchors<Subscriber>(byString, sameHash);

        foreach (var (text, references) in byString)
        {
            var found = table.Find(text);
            Assert.Equal(1, found.Length);
            Assert.Same(references[0].Target, found[0].Target);
        }

        foreach (var stranger in new[] { "b", "\0\0", "a\0\0", "c-1234568", "abcdefgj", "abcdefg", "abcdefghZ", "abcdefghXZ", "\u00e9t\u00e8" })
        {
            Assert.True(table.Find(stranger).IsEmpty, stranger);
        }
    }

    [Fact]
    public void A_value_that_finds_an_exact_anchor_through_a_string_array_or_a_number_matches_as_the_policy_says()
    {
        var index = new FilterPolicyIndex<Subscriber>();
        Subscriber byString = new("string"), byNumber = new("number"), twoKeys = new("two keys");
        index.Add(byString, AttributePolicy("{'customer':['c-1','c-2']}"));
        index.Add(byNumber, AttributePolicy("{'size':[5]}"));
        index.Add(twoKeys, AttributePolicy("{'customer':['c-1'],'region':['eu']}"));

        Assert.Equal([byString], Match(index, ToAttributes(("customer", "String.Array", "[\"x\",\"c-2\"]"))));
        Assert.Equal([byNumber], Match(index, ToAttributes(("size", "Number", "5.0"))));
        Assert.Empty(Match(index, ToAttributes(("size", "String", "5"))));
        Assert.Equal([byString], Match(index, ToAttributes(("customer", "String", "c-1"), ("region", "String", "us"))));
        Assert.Equal(2, Match(index, ToAttributes(("customer", "String", "c-1"), ("region", "String", "eu"))).Count);
    }

    [Fact]
    public void Thousands_of_exact_string_anchors_each_find_their_own_policies_and_no_other()
    {
        // The exact-string table probes linearly from each string's hash: with 5,000 strings many probes pass slots of
        // other strings, and some wrap from the table's end to its start.
        const int Count = 5_000;
        var index = new FilterPolicyIndex<Subscriber>();
        var own = new Subscriber[Count];
        for (var i = 0; i < Count; i++)
        {
            own[i] = new Subscriber($"own-{i}");
            index.Add(own[i], AttributePolicy($"{{'customer':['c-{i}']}}"));
        }

        // One string anchoring three policies, one of which verifies a second key.
        Subscriber shared1 = new("shared 1"), shared2 = new("shared 2"), sharedRegion = new("shared in eu");
        index.Add(shared1, AttributePolicy("{'customer':['vip']}"));
        index.Add(shared2, AttributePolicy("{'customer':['vip','c-7']}"));
        index.Add(sharedRegion, AttributePolicy("{'customer':['vip'],'region':['eu']}"));

        for (var i = 0; i < Count; i++)
        {
            var expected = i == 7 ? new[] { own[i], shared2 } : [own[i]];
            Assert.Equal(expected.ToHashSet(), Match(index, ToAttributes(("customer", "String", $"c-{i}"))).ToHashSet());
            Assert.Empty(Match(index, ToAttributes(("customer", "String", $"d-{i}"))));
        }

        Assert.Equal(new[] { shared1, shared2 }.ToHashSet(), Match(index, ToAttributes(("customer", "String", "vip"))).ToHashSet());
        Assert.Equal(
            new[] { shared1, shared2, sharedRegion }.ToHashSet(),
            Match(index, ToAttributes(("customer", "String", "vip"), ("region", "String", "eu"))).ToHashSet());
        Assert.Empty(Match(index, ToAttributes(("customer", "String", "c-"))));
        Assert.Empty(Match(index, ToAttributes(("customer", "String", "C-1"))));
    }

    [Fact]
    public void A_target_removed_or_replaced_after_the_base_level_was_built_is_not_matched_through_its_old_exact_anchor()
    {
        // More changes than a rebuild waits for, so the first targets sit in the base level; their removal and
        // replacement are then recorded beside it until the next rebuild, and a match decided by the anchor alone must
        // still leave them out.
        var index = new FilterPolicyIndex<Subscriber>();
        var targets = Enumerable.Range(0, 100).Select(static i => new Subscriber($"s-{i}")).ToArray();
        for (var i = 0; i < targets.Length; i++)
        {
            index.Add(targets[i], AttributePolicy($"{{'customer':['c-{i}']}}"));
        }

        Assert.True(index.Remove(targets[0]));
        index.Add(targets[1], AttributePolicy("{'customer':['moved']}"));

        Assert.Empty(Match(index, ToAttributes(("customer", "String", "c-0"))));
        Assert.Empty(Match(index, ToAttributes(("customer", "String", "c-1"))));
        Assert.Equal([targets[1]], Match(index, ToAttributes(("customer", "String", "moved"))));
        Assert.Equal([targets[2]], Match(index, ToAttributes(("customer", "String", "c-2"))));
    }

    [Fact]
    public void Every_matching_target_is_returned_once()
    {
        var index = new FilterPolicyIndex<Subscriber>();
        Subscriber exact = new("exact"), prefix = new("prefix"), other = new("other");
        index.Add(exact, AttributePolicy("{'a':['x1']}"));
        index.Add(prefix, AttributePolicy("{'a':[{'prefix':'x'}]}"));
        index.Add(other, AttributePolicy("{'a':['y']}"));

        var matches = Match(index, ToAttributes(("a", "String", "x1")));

        Assert.Equal(2, matches.Count);
        Assert.Contains(exact, matches);
        Assert.Contains(prefix, matches);
    }

    [Fact]
    public void A_target_that_matches_in_several_ways_is_returned_once()
    {
        var index = new FilterPolicyIndex<Subscriber>();
        Subscriber orTarget = new("or"), listTarget = new("list");
        index.Add(orTarget, AttributePolicy("{'$or':[{'a':['x']},{'b':['y']}]}"));
        index.Add(listTarget, AttributePolicy("{'a':['x',{'prefix':'x'},{'exists':true}],'c':['z','z']}"));

        var matches = Match(index, ToAttributes(("a", "String", "x"), ("b", "String", "y"), ("c", "String", "z")));

        Assert.Equal(2, matches.Count);
        Assert.Single(matches, orTarget);
        Assert.Single(matches, listTarget);
    }

    [Fact]
    public void A_string_array_with_several_matching_elements_returns_the_target_once()
    {
        var index = new FilterPolicyIndex<Subscriber>();
        var target = new Subscriber("t");
        index.Add(target, AttributePolicy("{'a':['x','y']}"));
        Assert.Equal([target], Match(index, ToAttributes(("a", "String.Array", J("['x','y','x']")))));
    }

    [Fact]
    public void A_target_without_a_policy_matches_every_message()
    {
        var index = new FilterPolicyIndex<Subscriber>();
        Subscriber everything = new("all"), filtered = new("filtered");
        index.Add(everything, null);
        index.Add(filtered, AttributePolicy("{'a':['x']}"));

        Assert.Equal([everything], Match(index, null));
        Assert.Equal([everything], Match(index, ToAttributes()));
        Assert.Equal([everything], Match(index, ToAttributes(("a", "String", "nope"))));
        var matches = new List<Subscriber>();
        index.Match(null, "not json"u8, matches);
        Assert.Equal([everything], matches);
    }

    [Fact]
    public void UnfilteredTargets_lists_every_target_only_while_each_takes_every_message()
    {
        var index = new FilterPolicyIndex<Subscriber>();
        Assert.Empty(index.UnfilteredTargets!); // no targets: every one of none
        Subscriber first = new("first"), second = new("second"), filtered = new("filtered");
        index.Add(first, null);
        index.Add(second, AttributePolicy("{}"));
        AssertUnfiltered(index, first, second);

        index.Add(filtered, AttributePolicy("{'a':[{'prefix':'x'}]}"));
        Assert.Null(index.UnfilteredTargets);

        Assert.True(index.Remove(filtered));
        AssertUnfiltered(index, first, second);

        index.Add(second, AttributePolicy("{'a':['x']}")); // an exact anchor
        Assert.Null(index.UnfilteredTargets);
        index.Add(second, null);
        AssertUnfiltered(index, first, second);
    }

    [Theory]
    [InlineData("{}")] // takes only a body that is a JSON object
    [InlineData("{'a':['x']}")]
    [InlineData("{'a':[{'exists':false}]}")]
    public void A_body_scope_policy_is_a_filter_even_when_it_is_empty(string policy)
    {
        var index = new FilterPolicyIndex<Subscriber>();
        Subscriber everything = new("all"), byBody = new("body");
        index.Add(everything, null);
        index.Add(byBody, BodyPolicy(policy));

        Assert.Null(index.UnfilteredTargets);
        var matches = new List<Subscriber>();
        index.Match(null, "not json"u8, matches);
        Assert.Equal([everything], matches);

        index.Add(byBody, null);
        AssertUnfiltered(index, everything, byBody);
    }

    [Fact]
    public void UnfilteredTargets_leaves_out_targets_removed_or_replaced_after_the_base_level_was_built()
    {
        // More changes than a rebuild waits for: the targets sit in the base level, and the changes below are recorded
        // beside it (removed from the base, added to the delta).
        var index = new FilterPolicyIndex<Subscriber>();
        var targets = Enumerable.Range(0, 100).Select(static i => new Subscriber($"s-{i}")).ToArray();
        foreach (var target in targets)
        {
            index.Add(target, null);
        }

        Assert.True(index.Remove(targets[0]));
        index.Add(targets[1], AttributePolicy("{}")); // replaced: its old base entry is removed, its new one in the delta

        AssertUnfiltered(index, targets[1..]);

        index.Add(targets[2], AttributePolicy("{'a':['x']}"));
        Assert.Null(index.UnfilteredTargets);
    }

    [Fact]
    public void Filtered_targets_removed_or_unfiltered_after_the_base_level_was_built_no_longer_keep_the_list_away()
    {
        // The filtered entries stay filed in the base level until its next rebuild; only live entries count.
        var index = new FilterPolicyIndex<Subscriber>();
        var targets = Enumerable.Range(0, 100).Select(static i => new Subscriber($"s-{i}")).ToArray();
        for (var i = 0; i < targets.Length; i++)
        {
            index.Add(targets[i], i < 2 ? AttributePolicy($"{{'customer':['c-{i}']}}") : null);
        }

        Assert.Null(index.UnfilteredTargets);
        Assert.True(index.Remove(targets[0]));
        Assert.Null(index.UnfilteredTargets);
        index.Add(targets[1], null);

        AssertUnfiltered(index, targets[1..]);
    }

    [Fact]
    public void UnfilteredTargets_agrees_with_Match_over_random_changes()
    {
        // A small model: after each random add, replace or remove, the list is there exactly when every live target
        // takes every message, and then it is what Match returns for any message, in the same order.
        string?[] policies = [null, "{}", "{'a':['x']}", "{'a':[{'prefix':'x'}]}", "body {}", "body {'a':['x']}"];
        var random = new Random(1234);
        var index = new FilterPolicyIndex<Subscriber>();
        var targets = Enumerable.Range(0, 24).Select(static i => new Subscriber($"s-{i}")).ToArray();
        var live = new Dictionary<Subscriber, bool>(); // target -> takes every message
        for (var step = 0; step < 3_000; step++)
        {
            var target = targets[random.Next(targets.Length)];
            if (random.Next(4) == 0)
            {
                Assert.Equal(live.Remove(target), index.Remove(target));
            }
            else
            {
                var policy = policies[random.Next(policies.Length)];
                index.Add(target, policy switch
                {
                    null => null,
                    _ when policy.StartsWith("body ", StringComparison.Ordinal) => BodyPolicy(policy[5..]),
                    _ => AttributePolicy(policy),
                });
                live[target] = policy is null or "{}";
            }

            var unfiltered = index.UnfilteredTargets;
            if (live.Values.All(static takesEverything => takesEverything))
            {
                Assert.NotNull(unfiltered);
                Assert.Equal(live.Keys.OrderBy(static t => t.Name), unfiltered.OrderBy(static t => t.Name));
                Assert.Equal(Match(index, ToAttributes(("a", "String", "x")), "{'a':'x'}"), unfiltered);
            }
            else
            {
                Assert.Null(unfiltered);
            }
        }
    }

    /// <summary>The list holds exactly <paramref name="expected"/>, in the order Match returns them.</summary>
    private static void AssertUnfiltered(FilterPolicyIndex<Subscriber> index, params Subscriber[] expected)
    {
        var unfiltered = index.UnfilteredTargets;
        Assert.NotNull(unfiltered);
        Assert.Equal(expected.OrderBy(static t => t.Name), unfiltered.OrderBy(static t => t.Name));
        Assert.Equal(Match(index, ToAttributes(("a", "String", "x"))), unfiltered);
        Assert.Equal(Match(index, null), unfiltered);
    }

    [Fact]
    public void Removed_targets_are_no_longer_matched()
    {
        var index = new FilterPolicyIndex<Subscriber>();
        Subscriber first = new("first"), second = new("second");
        index.Add(first, AttributePolicy("{'a':['x']}"));
        index.Add(second, null);
        Assert.Equal(2, index.Count);

        Assert.True(index.Remove(first));
        Assert.False(index.Remove(first));
        Assert.Equal(1, index.Count);
        Assert.Equal([second], Match(index, ToAttributes(("a", "String", "x"))));

        Assert.True(index.Remove(second));
        Assert.Equal(0, index.Count);
        Assert.Empty(Match(index, ToAttributes(("a", "String", "x"))));
    }

    [Fact]
    public void Removing_an_unknown_target_returns_false() =>
        Assert.False(new FilterPolicyIndex<Subscriber>().Remove(new Subscriber("ghost")));

    [Fact]
    public void Adding_a_target_again_replaces_its_policy()
    {
        var index = new FilterPolicyIndex<Subscriber>();
        var target = new Subscriber("t");
        index.Add(target, AttributePolicy("{'a':['x']}"));
        index.Add(target, AttributePolicy("{'a':['y']}"));

        Assert.Equal(1, index.Count);
        Assert.Empty(Match(index, ToAttributes(("a", "String", "x"))));
        Assert.Equal([target], Match(index, ToAttributes(("a", "String", "y"))));

        index.Add(target, null);
        Assert.Equal([target], Match(index, ToAttributes(("a", "String", "x"))));
        index.Add(target, BodyPolicy("{'a':['z']}"));
        Assert.Empty(Match(index, ToAttributes(("a", "String", "z")), "{'a':'x'}"));
        Assert.Equal([target], Match(index, ToAttributes(("a", "String", "x")), "{'a':'z'}"));
    }

    [Fact]
    public void Attribute_scope_policies_see_the_attributes_and_body_scope_policies_see_the_body()
    {
        var index = new FilterPolicyIndex<Subscriber>();
        Subscriber byAttribute = new("attribute"), byBody = new("body");
        index.Add(byAttribute, AttributePolicy("{'a':['x']}"));
        index.Add(byBody, BodyPolicy("{'a':['x']}"));

        var both = Match(index, ToAttributes(("a", "String", "x")), "{'a':'x'}");
        Assert.Equal(2, both.Count);
        Assert.Equal([byAttribute], Match(index, ToAttributes(("a", "String", "x")), "{'a':'y'}"));
        Assert.Equal([byBody], Match(index, ToAttributes(("a", "String", "y")), "{'a':'x'}"));
        Assert.Equal([byAttribute], Match(index, ToAttributes(("a", "String", "x"))));
        var matches = new List<Subscriber>();
        index.Match(ToAttributes(("a", "String", "x")), "not json"u8, matches);
        Assert.Equal([byAttribute], matches);
    }

    [Fact]
    public void Ten_thousand_policies_give_the_same_answers_as_each_policy_alone()
    {
        var random = new Random(20240611);
        var index = new FilterPolicyIndex<Subscriber>();
        var all = new List<(Subscriber Target, FilterPolicy? Policy)>();
        for (var i = 0; i < 10_000; i++)
        {
            var policy = RandomPolicy(random, i % 3 == 0);
            var target = new Subscriber("s" + i);
            index.Add(target, policy);
            all.Add((target, policy));
        }

        for (var m = 0; m < 200; m++)
        {
            var attributes = RandomAttributes(random);
            var body = RandomBody(random);
            var expected = all
                .Where(entry => entry.Policy is null || (entry.Policy.Scope == FilterPolicyScope.MessageAttributes ? entry.Policy.Matches(attributes) : entry.Policy.Matches(body)))
                .Select(entry => entry.Target.Name)
                .Order(StringComparer.Ordinal)
                .ToList();
            var matches = new List<Subscriber>();
            index.Match(attributes, Encoding.UTF8.GetBytes(body), matches);
            Assert.Equal(expected, matches.Select(target => target.Name).Order(StringComparer.Ordinal).ToList());
        }
    }

    [Fact]
    public void Match_sees_a_consistent_index_while_targets_are_added_and_removed()
    {
        const int Readers = 3;
        const int Changes = 3_000;
        var index = new FilterPolicyIndex<Subscriber>();
        var stable = Enumerable.Range(0, 20).Select(i => new Subscriber("stable" + i)).ToArray();
        var never = Enumerable.Range(0, 20).Select(i => new Subscriber("never" + i)).ToArray();
        var churn = Enumerable.Range(0, 50).Select(i => new Subscriber("churn" + i)).ToArray();
        var matching = AttributePolicy("{'a':['x']}");
        var notMatching = AttributePolicy("{'a':['y']}");
        foreach (var target in stable)
        {
            index.Add(target, matching);
        }

        foreach (var target in never)
        {
            index.Add(target, notMatching);
        }

        var attributes = ToAttributes(("a", "String", "x"));
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var readersStarted = new CountdownEvent(Readers);
        using var stop = new ManualResetEventSlim();
        var matchCalls = new int[Readers];
        var threads = Enumerable.Range(0, Readers).Select(reader => new Thread(() =>
        {
            var matches = new List<Subscriber>();
            var signalled = false;
            while (!stop.IsSet)
            {
                matches.Clear();
                index.Match(attributes, NoBody, matches);
                matchCalls[reader]++;
                Check(matches, stable, never, failures);
                if (!signalled)
                {
                    readersStarted.Signal();
                    signalled = true;
                }
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        Assert.True(readersStarted.Wait(TimeSpan.FromSeconds(30)), "readers did not start");
        var random = new Random(7);
        var present = new bool[churn.Length];
        for (var i = 0; i < Changes; i++)
        {
            var pick = random.Next(churn.Length);
            switch (random.Next(3))
            {
                case 0:
                    index.Add(churn[pick], matching);
                    present[pick] = true;
                    break;
                case 1:
                    index.Add(churn[pick], random.Next(2) == 0 ? notMatching : null);
                    present[pick] = true;
                    break;
                default:
                    Assert.Equal(present[pick], index.Remove(churn[pick]));
                    present[pick] = false;
                    break;
            }
        }

        stop.Set();
        foreach (var thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "a reader did not stop");
        }

        Assert.Empty(failures);
        Assert.All(matchCalls, calls => Assert.True(calls > 0));
        Assert.Equal(stable.Length + never.Length + present.Count(p => p), index.Count);
    }

    private static void Check(List<Subscriber> matches, Subscriber[] stable, Subscriber[] never, System.Collections.Concurrent.ConcurrentQueue<string> failures)
    {
        var seen = new HashSet<Subscriber>();
        foreach (var target in matches)
        {
            if (!seen.Add(target))
            {
                failures.Enqueue("duplicate " + target.Name);
            }
        }

        foreach (var target in stable)
        {
            if (!seen.Contains(target))
            {
                failures.Enqueue("missing " + target.Name);
            }
        }

        foreach (var target in never)
        {
            if (seen.Contains(target))
            {
                failures.Enqueue("unexpected " + target.Name);
            }
        }
    }

    private static readonly string[] Keys = ["a", "b", "c", "d"];
    private static readonly string[] Words = ["x", "y", "xy", "yx", "z"];

    private static FilterPolicy? RandomPolicy(Random random, bool body)
    {
        if (random.Next(50) == 0)
        {
            return null;
        }

        var keys = Keys.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToList();
        var parts = keys.Select(key => "'" + key + "':[" + string.Join(",", Enumerable.Range(0, random.Next(1, 3)).Select(_ => RandomCondition(random))) + "]");
        var json = "{" + string.Join(",", parts) + "}";
        return body ? BodyPolicy(json) : AttributePolicy(json);
    }

    private static string RandomCondition(Random random)
    {
        var word = Words[random.Next(Words.Length)];
        var number = random.Next(0, 5);
        return random.Next(9) switch
        {
            0 => "'" + word + "'",
            1 => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            2 => "{'prefix':'" + word[..1] + "'}",
            3 => "{'suffix':'" + word[^1..] + "'}",
            4 => "{'anything-but':'" + word + "'}",
            5 => "{'numeric':['>='," + number + "]}",
            6 => "{'exists':" + (random.Next(2) == 0 ? "true" : "false") + "}",
            7 => "{'equals-ignore-case':'" + word.ToUpperInvariant() + "'}",
            _ => "{'anything-but':[" + number + "]}",
        };
    }

    private static Dictionary<string, MessageAttributeValue> RandomAttributes(Random random)
    {
        var attributes = new List<(string, string, string)>();
        foreach (var key in Keys)
        {
            switch (random.Next(4))
            {
                case 0:
                    attributes.Add((key, "String", Words[random.Next(Words.Length)]));
                    break;
                case 1:
                    attributes.Add((key, "Number", random.Next(0, 5).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                case 2:
                    attributes.Add((key, "String.Array", "[\"" + Words[random.Next(Words.Length)] + "\"," + random.Next(0, 5) + "]"));
                    break;
            }
        }

        return ToAttributes([.. attributes]);
    }

    private static string RandomBody(Random random)
    {
        var members = new List<string>();
        foreach (var key in Keys)
        {
            switch (random.Next(4))
            {
                case 0:
                    members.Add("\"" + key + "\":\"" + Words[random.Next(Words.Length)] + "\"");
                    break;
                case 1:
                    members.Add("\"" + key + "\":" + random.Next(0, 5));
                    break;
                case 2:
                    members.Add("\"" + key + "\":[\"" + Words[random.Next(Words.Length)] + "\"," + random.Next(0, 5) + "]");
                    break;
            }
        }

        return "{" + string.Join(",", members) + "}";
    }

    /// <summary>A subscriber identified by reference, with a name for readable failures.</summary>
    internal sealed class Subscriber(string name)
    {
        public string Name { get; } = name;

        public override string ToString() => Name;
    }
}
