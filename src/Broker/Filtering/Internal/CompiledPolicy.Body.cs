namespace Broker.Filtering.Internal;

/// <summary>
/// Body matching over a flattened event. Each condition must be satisfied by a leaf at its path (or, for
/// <c>exists:false</c>, by there being none), and the leaves chosen for one sub-rule must be array-consistent: no two of
/// them may come from different elements of the same array.
/// </summary>
internal sealed partial class CompiledPolicy
{
    public bool MatchesBody(ReadOnlySpan<byte> utf8Json)
    {
        var leaves = EventLeaves.Rent();
        try
        {
            if (!leaves.TryLoad(utf8Json, Paths))
            {
                return false;
            }

            if (MatchesEverything)
            {
                return true;
            }

            foreach (var subRule in SubRules)
            {
                if (MatchesBody(subRule, leaves, remap: null))
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            EventLeaves.Return(leaves);
        }
    }

    /// <summary>
    /// One sub-rule against leaves flattened with some path table; <paramref name="remap"/> maps the policy's own path
    /// ids to that table's (null when the table is the policy's own).
    /// </summary>
    public static bool MatchesBody(SubRule subRule, EventLeaves leaves, int[]? remap)
    {
        // Fast pass: every condition has some matching leaf. Most events have no arrays under the policy's paths, and then
        // that is the answer; only when a chosen leaf sits in an array is the consistent assignment searched for.
        var conditions = subRule.Conditions;
        var needsConsistency = false;
        foreach (var condition in conditions)
        {
            var last = leaves.LastLeaf(remap is null ? condition.PathId : remap[condition.PathId]);
            if (last < 0)
            {
                if (!condition.Matcher.ExistsFalse)
                {
                    return false;
                }

                continue;
            }

            var found = false;
            for (var i = last; i >= 0; i = leaves[i].Previous)
            {
                ref readonly var leaf = ref leaves[i];
                if (condition.Matcher.Matches(leaves.ValueOf(leaf), attributeScope: false))
                {
                    found = true;
                    needsConsistency |= leaf.MembershipCount > 0;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        if (!needsConsistency || conditions.Length == 1)
        {
            return true;
        }

        return ArrayConsistencySearch.Solve(conditions, leaves, remap);
    }
}
