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

    /// <summary>
    /// Whether the entry takes every message whatever it carries: no policy, or an attribute-scope <c>{}</c> (a body-scope
    /// <c>{}</c> takes only a body that is a JSON object). Such an entry sits in its level's
    /// <see cref="IndexLevel{T}.MatchAll"/>.
    /// </summary>
    public bool TakesEverything => Policy is null || (Policy.MatchesEverything && Policy.Scope != FilterPolicyScope.MessageBody);
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
internal sealed class IndexSnapshot<T>(IndexLevel<T> baseLevel, IndexLevel<T> delta, HashSet<IndexEntry<T>>? removed, PathTable bodyPaths, int count, bool unfiltered = true)
    where T : class
{
    public static readonly IndexSnapshot<T> Empty = new(IndexLevel<T>.Empty, IndexLevel<T>.Empty, null, PathTable.Empty, 0);

    /// <summary>The targets when every live entry takes every message; made when first asked for.</summary>
    private T[]? unfilteredTargets;

    public IndexLevel<T> Base { get; } = baseLevel;

    public IndexLevel<T> Delta { get; } = delta;

    /// <summary>Base-level entries removed or replaced since the base was built; null when there are none.</summary>
    public HashSet<IndexEntry<T>>? Removed { get; } = removed;

    public PathTable BodyPaths { get; } = bodyPaths;

    public int Count { get; } = count;

    public bool HasBodyPolicies { get; } = baseLevel.HasBodyPolicies || delta.HasBodyPolicies;

    /// <summary>
    /// When every live entry takes every message (<see cref="IndexEntry{T}.TakesEverything"/>): their targets, in the
    /// order <see cref="FilterPolicyIndex{T}.Match"/> adds them (the base level's, less the removed ones, then the
    /// delta's); otherwise null. Made on the first call and kept (two threads may both make it: the same list).
    /// </summary>
    public T[]? UnfilteredTargets => unfiltered ? Volatile.Read(ref unfilteredTargets) ?? MakeUnfilteredTargets() : null;

    private T[] MakeUnfilteredTargets()
    {
        var targets = new List<T>(Count);
        foreach (var entry in Base.MatchAll)
        {
            if (Removed is null || !Removed.Contains(entry))
            {
                targets.Add(entry.Target);
            }
        }

        foreach (var entry in Delta.MatchAll)
        {
            targets.Add(entry.Target);
        }

        T[] made = [.. targets];
        Volatile.Write(ref unfilteredTargets, made);
        return made;
    }
}
