namespace Broker.Filtering.Internal;

/// <summary>
/// An immutable set of entries arranged for matching. Each sub-rule with an exact-value condition is filed under
/// (key, value) for every value of that condition, so a message only looks up its own values and verifies the few
/// sub-rules found; sub-rules without one are scanned. Entries without a policy (or with <c>{}</c>) match outright.
/// </summary>
internal sealed class IndexLevel<T>
    where T : class
{
    public static readonly IndexLevel<T> Empty = new([], 0);

    public IndexLevel(IReadOnlyCollection<IndexEntry<T>> entries, int pathCount)
    {
        var matchAll = new List<IndexEntry<T>>();
        var bodyMatchAll = new List<IndexEntry<T>>();
        var attributeScan = new List<SubRuleRef<T>>();
        var bodyScan = new List<SubRuleRef<T>>();
        var attributeAnchors = new Dictionary<string, AnchorBuilder>(StringComparer.Ordinal);
        var bodyAnchors = new AnchorBuilder?[pathCount];
        foreach (var entry in entries)
        {
            var policy = entry.Policy;
            var isBody = policy?.Scope == FilterPolicyScope.MessageBody;
            HasBodyPolicies |= isBody;
            if (policy is null || policy.MatchesEverything)
            {
                (isBody ? bodyMatchAll : matchAll).Add(entry);
                continue;
            }

            foreach (var rule in policy.SubRules)
            {
                var reference = new SubRuleRef<T>(entry, rule);
                if (rule.Anchor is not { } anchor)
                {
                    (isBody ? bodyScan : attributeScan).Add(reference);
                }
                else if (isBody)
                {
                    (bodyAnchors[entry.BodyPathRemap![anchor.PathId]] ??= new AnchorBuilder()).Add(anchor.Matcher, reference);
                }
                else
                {
                    if (!attributeAnchors.TryGetValue(anchor.Path, out var builder))
                    {
                        attributeAnchors.Add(anchor.Path, builder = new AnchorBuilder());
                    }

                    builder.Add(anchor.Matcher, reference);
                }
            }
        }

        MatchAll = [.. matchAll];
        BodyMatchAll = [.. bodyMatchAll];
        AttributeScan = [.. attributeScan];
        BodyScan = [.. bodyScan];
        AttributeAnchors = attributeAnchors.ToDictionary(p => p.Key, p => p.Value.Build(), StringComparer.Ordinal);
        AttributeAnchorList = [.. AttributeAnchors];
        BodyAnchors = Array.ConvertAll(bodyAnchors, b => b?.Build());
    }

    /// <summary>Entries with no policy or an attribute-scope <c>{}</c>: they take every message.</summary>
    public IndexEntry<T>[] MatchAll { get; }

    /// <summary>Body-scope <c>{}</c> policies: they take every message whose body is a JSON object.</summary>
    public IndexEntry<T>[] BodyMatchAll { get; }

    public SubRuleRef<T>[] AttributeScan { get; }

    public SubRuleRef<T>[] BodyScan { get; }

    public Dictionary<string, KeyAnchors<T>> AttributeAnchors { get; }

    public KeyValuePair<string, KeyAnchors<T>>[] AttributeAnchorList { get; }

    /// <summary>Body anchors by path id in the index's path registry.</summary>
    public KeyAnchors<T>?[] BodyAnchors { get; }

    public bool HasBodyPolicies { get; }

    private sealed class AnchorBuilder
    {
        private readonly Dictionary<string, List<SubRuleRef<T>>> strings = new(StringComparer.Ordinal);
        private readonly Dictionary<double, List<SubRuleRef<T>>> numbers = [];

        public void Add(KeyMatcher matcher, SubRuleRef<T> reference)
        {
            foreach (var value in matcher.ExactStrings ?? [])
            {
                GetList(strings, value).Add(reference);
            }

            foreach (var value in matcher.ExactNumbers ?? [])
            {
                GetList(numbers, value).Add(reference);
            }
        }

        public KeyAnchors<T> Build() => new()
        {
            Strings = strings.Count > 0 ? new ExactStringAnchors<T>(strings) : null,
            Numbers = numbers.Count > 0 ? numbers.ToDictionary(p => p.Key, p => p.Value.ToArray()) : null,
        };

        private static List<SubRuleRef<T>> GetList<TKey>(Dictionary<TKey, List<SubRuleRef<T>>> map, TKey key)
            where TKey : notnull
        {
            if (!map.TryGetValue(key, out var list))
            {
                map.Add(key, list = []);
            }

            return list;
        }
    }
}
