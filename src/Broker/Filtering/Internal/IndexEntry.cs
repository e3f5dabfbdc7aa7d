namespace Broker.Filtering.Internal;

/// <summary>One target of a <see cref="FilterPolicyIndex{T}"/> and its compiled policy. Immutable; replaced, never changed.</summary>
internal sealed class IndexEntry<T>(T target, CompiledPolicy? policy, int[]? bodyPathRemap)
    where T : class
{
    public T Target { get; } = target;

    /// <summary>The policy, or null for "no filter policy" (the target takes every message).</summary>
    public CompiledPolicy? Policy { get; } = policy;

    /// <summary>Body scope: the policy's own path ids mapped to the index's path registry.</summary>
    public int[]? BodyPathRemap { get; } = bodyPathRemap;
}

/// <summary>A sub-rule of some entry, as the index files it.</summary>
internal readonly record struct SubRuleRef<T>(IndexEntry<T> Entry, SubRule Rule)
    where T : class
{
    /// <summary>
    /// True when the sub-rule is its anchor alone and the anchor takes exact values only: a message value that finds
    /// the sub-rule under its anchor matches it, and verifying would only read the rule's matcher (cold memory when
    /// there are thousands of policies) to say so.
    /// </summary>
    public bool AnchorDecides { get; } = Rule.Conditions.Length == 1 && Rule.AnchorIndex == 0 && Rule.Conditions[0].Matcher.IsExactOnly;

    /// <summary>The entry's target, kept here so that a match decided by the anchor need not read the entry.</summary>
    public T Target { get; } = Entry.Target;
}

/// <summary>The sub-rules anchored on one key (attribute name or body path), by the anchor's exact value.</summary>
internal sealed class KeyAnchors<T>
    where T : class
{
    public ExactStringAnchors<T>? Strings { get; set; }

    public Dictionary<double, SubRuleRef<T>[]>? Numbers { get; set; }

    public ReadOnlySpan<SubRuleRef<T>> Find(in LeafValue value)
    {
        if (value.Kind == LeafKind.String)
        {
            return Strings is not null ? Strings.Find(value.Text) : default;
        }

        return value.Kind == LeafKind.Number && value.IsComparable && Numbers is not null && Numbers.TryGetValue(value.Number, out var byNumber)
            ? byNumber
            : default;
    }
}

/// <summary>
/// What <see cref="FilterPolicyIndex{T}.Match"/> reads: a large base level rebuilt rarely, a small delta level rebuilt on
/// each change, the base entries removed since the last rebuild, and the path table bodies are flattened with.
/// Immutable once published.
/// </summary>
internal sealed class IndexSnapshot<T>(IndexLevel<T> baseLevel, IndexLevel<T> delta, HashSet<IndexEntry<T>>? removed, PathTable bodyPaths, int count)
    where T : class
{
    public static readonly IndexSnapshot<T> Empty = new(IndexLevel<T>.Empty, IndexLevel<T>.Empty, null, PathTable.Empty, 0);

    public IndexLevel<T> Base { get; } = baseLevel;

    public IndexLevel<T> Delta { get; } = delta;

    /// <summary>Base-level entries removed or replaced since the base was built; null when there are none.</summary>
    public HashSet<IndexEntry<T>>? Removed { get; } = removed;

    public PathTable BodyPaths { get; } = bodyPaths;

    public int Count { get; } = count;

    public bool HasBodyPolicies { get; } = baseLevel.HasBodyPolicies || delta.HasBodyPolicies;

    /// <summary>
    /// When every live entry takes every message (none has a policy, or each has an attribute-scope <c>{}</c>): their
    /// targets, in the order <see cref="FilterPolicyIndex{T}.Match"/> adds them; otherwise null.
    /// </summary>
    public T[]? Everyone { get; } = EveryoneOf(baseLevel, delta, removed);

    private static T[]? EveryoneOf(IndexLevel<T> baseLevel, IndexLevel<T> delta, HashSet<IndexEntry<T>>? removed)
    {
        if (!baseLevel.TakesEverythingOnly || !delta.TakesEverythingOnly)
        {
            return null;
        }

        var targets = new List<T>(baseLevel.MatchAll.Length + delta.MatchAll.Length);
        foreach (var entry in baseLevel.MatchAll)
        {
            if (removed is null || !removed.Contains(entry))
            {
                targets.Add(entry.Target);
            }
        }

        foreach (var entry in delta.MatchAll)
        {
            targets.Add(entry.Target);
        }

        return [.. targets];
    }
}
