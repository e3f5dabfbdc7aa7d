using System.Globalization;
using System.Text;

namespace Broker.Filtering.Internal;

/// <summary>
/// Finds one leaf per condition of a sub-rule such that no two sit in different elements of the same array, in time
/// that grows with the body rather than with the product of its arrays (a plain backtracking search is exponential in the
/// number of conditions when they fall in independent arrays, and quadratic when two fall in one array's elements).
/// <list type="bullet">
/// <item>Each condition's matching leaves are found once, up front.</item>
/// <item>Conditions are tried fewest candidates first.</item>
/// <item>A failed sub-search is remembered by its position and by the array elements chosen so far <i>restricted to the
/// arrays the remaining conditions can reach</i>: choices that differ only in arrays nobody later looks at are the same
/// sub-problem, so independent arrays are searched once each.</item>
/// <item>When every candidate of a condition sits in one array that an earlier choice already pinned to an element, only
/// the candidates of that element are tried (an index by array element), so pairing two conditions within one array is
/// linear, not quadratic.</item>
/// </list>
/// Only sub-rules with two or more conditions and a chosen leaf inside an array get here (the fast pass in
/// <see cref="CompiledPolicy.MatchesBody(SubRule, EventLeaves, int[])"/> answers the rest), so allocating is acceptable.
/// </summary>
internal sealed class ArrayConsistencySearch
{
    private readonly EventLeaves leaves;
    private readonly List<int>[] candidates;
    private readonly bool[] absent;
    private readonly int[] order;
    private readonly HashSet<int>[] reachableFrom;
    private readonly int[] pinningArray;
    private readonly Dictionary<ArrayPosition, List<int>>?[] byElement;
    private readonly Dictionary<int, int> pinned = [];
    private readonly HashSet<string> failed = new(StringComparer.Ordinal);

    private ArrayConsistencySearch(Condition[] conditions, EventLeaves leaves, int[]? remap)
    {
        this.leaves = leaves;
        var count = conditions.Length;
        candidates = new List<int>[count];
        absent = new bool[count];
        var arraysOf = new HashSet<int>[count];
        pinningArray = new int[count];
        byElement = new Dictionary<ArrayPosition, List<int>>?[count];
        for (var c = 0; c < count; c++)
        {
            var condition = conditions[c];
            var last = leaves.LastLeaf(remap is null ? condition.PathId : remap[condition.PathId]);
            candidates[c] = [];
            arraysOf[c] = [];
            absent[c] = last < 0; // exists:false with no leaf: the fast pass already accepted it
            HashSet<int>? common = null;
            for (var i = last; i >= 0; i = leaves[i].Previous)
            {
                if (!condition.Matcher.Matches(leaves.ValueOf(leaves[i]), attributeScope: false))
                {
                    continue;
                }

                candidates[c].Add(i);
                var arrays = new HashSet<int>();
                foreach (var position in leaves.MembershipOf(leaves[i]))
                {
                    arrays.Add(position.ArrayId);
                }

                arraysOf[c].UnionWith(arrays);
                if (common is null)
                {
                    common = arrays;
                }
                else
                {
                    common.IntersectWith(arrays);
                }
            }

            pinningArray[c] = common is { Count: > 0 } ? common.Min() : -1;
            if (pinningArray[c] >= 0)
            {
                var index = new Dictionary<ArrayPosition, List<int>>();
                foreach (var leaf in candidates[c])
                {
                    foreach (var position in leaves.MembershipOf(leaves[leaf]))
                    {
                        if (position.ArrayId == pinningArray[c])
                        {
                            (index.TryGetValue(position, out var bucket) ? bucket : index[position] = []).Add(leaf);
                        }
                    }
                }

                byElement[c] = index;
            }
        }

        order = [.. Enumerable.Range(0, count).OrderBy(c => absent[c] ? 0 : candidates[c].Count)];
        reachableFrom = new HashSet<int>[count + 1];
        reachableFrom[count] = [];
        for (var position = count - 1; position >= 0; position--)
        {
            reachableFrom[position] = [.. reachableFrom[position + 1], .. arraysOf[order[position]]];
        }
    }

    /// <summary>Whether some leaf per condition satisfies it with every pair array-consistent.</summary>
    public static bool Solve(Condition[] conditions, EventLeaves leaves, int[]? remap) =>
        new ArrayConsistencySearch(conditions, leaves, remap).Search(0);

    private bool Search(int position)
    {
        if (position == order.Length)
        {
            return true;
        }

        var condition = order[position];
        if (absent[condition])
        {
            return Search(position + 1);
        }

        var key = Key(position);
        if (failed.Contains(key))
        {
            return false;
        }

        IReadOnlyList<int> pool = candidates[condition];
        if (pinningArray[condition] is var array and >= 0 && pinned.TryGetValue(array, out var element))
        {
            pool = byElement[condition]!.TryGetValue(new ArrayPosition(array, element), out var bucket) ? bucket : [];
        }

        foreach (var leaf in pool)
        {
            if (!Fits(leaf))
            {
                continue;
            }

            var added = Pin(leaf);
            var found = Search(position + 1);
            Unpin(added);
            if (found)
            {
                return true;
            }
        }

        failed.Add(key);
        return false;
    }

    /// <summary>The leaf sits in no other element of an array than the one already chosen there.</summary>
    private bool Fits(int leaf)
    {
        foreach (var position in leaves.MembershipOf(leaves[leaf]))
        {
            if (pinned.TryGetValue(position.ArrayId, out var element) && element != position.Index)
            {
                return false;
            }
        }

        return true;
    }

    private List<int>? Pin(int leaf)
    {
        List<int>? added = null;
        foreach (var position in leaves.MembershipOf(leaves[leaf]))
        {
            if (pinned.TryAdd(position.ArrayId, position.Index))
            {
                (added ??= []).Add(position.ArrayId);
            }
        }

        return added;
    }

    private void Unpin(List<int>? added)
    {
        if (added is not null)
        {
            foreach (var array in added)
            {
                pinned.Remove(array);
            }
        }
    }

    /// <summary>The sub-problem at <paramref name="position"/>: the elements pinned in arrays the remaining conditions reach.</summary>
    private string Key(int position)
    {
        var reachable = reachableFrom[position];
        var key = new StringBuilder().Append(position);
        foreach (var (array, element) in pinned.Where(p => reachable.Contains(p.Key)).OrderBy(p => p.Key))
        {
            key.Append(CultureInfo.InvariantCulture, $":{array}={element}");
        }

        return key.ToString();
    }
}
