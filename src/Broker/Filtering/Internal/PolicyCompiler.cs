using System.Text;

namespace Broker.Filtering.Internal;

/// <summary>
/// Turns a parsed policy into sub-rules: checks the dialect's limits, expands <c>$or</c> into disjunctive normal form,
/// gives each body path an id and picks each sub-rule's index anchor.
/// </summary>
internal static class PolicyCompiler
{
    /// <summary>SNS: the most keys a policy (each <c>$or</c> alternative of it) may have.</summary>
    internal const int SnsMaxKeys = 5;

    /// <summary>SNS: the most value combinations, by the depth-weighted formula.</summary>
    internal const int SnsMaxCombinations = 150;

    /// <summary>SNS: the largest policy, in UTF-8 bytes (256 KiB).</summary>
    internal const int SnsMaxBytes = 256 * 1024;

    /// <summary>EventBridge: the most sub-rules <c>$or</c> may expand to.</summary>
    internal const int EventBridgeMaxOrCombinations = 1000;

    /// <summary>Beyond this many sub-rules an SNS policy is too complex without expanding it (it exceeds 150 anyway).</summary>
    private const long ExpansionCap = 10_000;

    public static CompiledPolicy Compile(string json, FilterPolicyScope scope, FilterDialect dialect)
    {
        if (dialect == FilterDialect.Sns && Encoding.UTF8.GetByteCount(json) > SnsMaxBytes)
        {
            throw PolicyErrors.Invalid(dialect, "Filter policy is too large");
        }

        var root = new PolicyParser(dialect, scope).Parse(json);
        var subRuleCount = CountSubRules(root);
        List<List<RawCondition>>? expanded = null;
        if (dialect == FilterDialect.Sns)
        {
            if (subRuleCount <= ExpansionCap)
            {
                expanded = Expand(root, prefix: null, topKey: null, [[]]);
                foreach (var conditions in expanded)
                {
                    if (conditions.Select(c => c.TopKey).Distinct(StringComparer.Ordinal).Count() > SnsMaxKeys)
                    {
                        throw PolicyErrors.Invalid(dialect, "Filter policy can not have more than 5 keys");
                    }
                }
            }

            if (subRuleCount > ExpansionCap || Weigh(root, depth: 1, combinations: 1) > SnsMaxCombinations)
            {
                throw PolicyErrors.Invalid(dialect, "Filter policy is too complex");
            }
        }
        else if (subRuleCount > EventBridgeMaxOrCombinations)
        {
            throw PolicyErrors.Invalid(dialect, "Too many combinations in $or: the pattern expands to more than 1000 alternatives");
        }

        expanded ??= Expand(root, prefix: null, topKey: null, [[]]);
        return Build(scope, expanded);
    }

    private static CompiledPolicy Build(FilterPolicyScope scope, List<List<RawCondition>> expanded)
    {
        var pathIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var paths = new List<string>();
        var policy = new CompiledPolicy(scope);
        var subRules = new List<SubRule>();
        foreach (var raw in expanded)
        {
            if (raw.Count == 0)
            {
                continue; // only the empty policy {} expands to an empty conjunction
            }

            var conditions = new Condition[raw.Count];
            var anchor = -1;
            for (var i = 0; i < raw.Count; i++)
            {
                if (!pathIds.TryGetValue(raw[i].Path, out var id))
                {
                    id = paths.Count;
                    pathIds.Add(raw[i].Path, id);
                    paths.Add(raw[i].Path);
                }

                conditions[i] = new Condition(raw[i].Path, id, raw[i].Match.Matcher);
                if (raw[i].Match.Matcher.IsExactOnly && (anchor < 0 || raw[i].Match.ValueCount < raw[anchor].Match.ValueCount))
                {
                    anchor = i;
                }
            }

            subRules.Add(new SubRule(policy, conditions, anchor));
        }

        policy.Initialize([.. subRules], new PathTable(paths));
        return policy;
    }

    /// <summary>Where the counts below stop growing: far above every limit, and small enough that a sum of two cannot overflow.</summary>
    private const long Saturated = 1L << 40;

    /// <summary>How many sub-rules <c>$or</c> expansion gives, saturating far above every limit.</summary>
    private static long CountSubRules(FieldsNode node)
    {
        long count = 1;
        foreach (var (_, value) in node.Fields)
        {
            long factor = value switch
            {
                OrNode or => or.Branches.Aggregate(0L, static (sum, branch) => Math.Min(sum + CountSubRules(branch), Saturated)),
                FieldsNode nested => CountSubRules(nested),
                _ => 1,
            };
            count = SaturatingMultiply(count, factor);
        }

        return count;
    }

    /// <summary>
    /// <paramref name="a"/> × <paramref name="b"/>, or <see cref="Saturated"/> when larger. Both are at most Saturated, so
    /// the plain product could overflow: 2^40 × 2^40 wraps to 0, which once let a 3 KB policy of 2^80 alternatives pass
    /// the limits and be expanded.
    /// </summary>
    private static long SaturatingMultiply(long a, long b) =>
        a == 0 || b <= Saturated / a ? Math.Min(a * b, Saturated) : Saturated;

    /// <summary>
    /// SNS's combination count (AWS-validated through LocalStack): walking keys in order, a value list multiplies the
    /// running product by its length times its depth, and a <c>$or</c> replaces it by the sum over its alternatives.
    /// </summary>
    private static long Weigh(FieldsNode node, int depth, long combinations)
    {
        foreach (var (_, value) in node.Fields)
        {
            combinations = value switch
            {
                OrNode or => or.Branches.Aggregate(0L, (sum, branch) => Math.Min(sum + Weigh(branch, depth, combinations), Saturated)),
                FieldsNode nested => Weigh(nested, depth + 1, combinations),
                MatchNode match => SaturatingMultiply(SaturatingMultiply(combinations, match.ValueCount), depth),
                _ => combinations,
            };
            combinations = Math.Min(combinations, Saturated);
        }

        return combinations;
    }

    private static List<List<RawCondition>> Expand(FieldsNode node, string? prefix, string? topKey, List<List<RawCondition>> current)
    {
        foreach (var (name, value) in node.Fields)
        {
            switch (value)
            {
                case OrNode or:
                    var alternatives = new List<List<RawCondition>>();
                    foreach (var branch in or.Branches)
                    {
                        alternatives.AddRange(Expand(branch, prefix, topKey, [.. current.Select(c => new List<RawCondition>(c))]));
                    }

                    current = alternatives;
                    break;
                case FieldsNode nested:
                    current = Expand(nested, Join(prefix, name), topKey ?? name, current);
                    break;
                case MatchNode match:
                    var path = Join(prefix, name);
                    foreach (var conditions in current)
                    {
                        conditions.Add(new RawCondition(path, topKey ?? name, match));
                    }

                    break;
            }
        }

        return current;
    }

    private static string Join(string? prefix, string name) => prefix is null ? name : prefix + "." + name;

    private readonly record struct RawCondition(string Path, string TopKey, MatchNode Match);
}
