namespace Broker.Filtering.Internal;

/// <summary>One key of a sub-rule: the key's path (dot-joined in body scope) and its compiled value list.</summary>
internal sealed class Condition(string path, int pathId, KeyMatcher matcher)
{
    /// <summary>The attribute name, or the body path with nested keys joined by dots.</summary>
    public string Path { get; } = path;

    /// <summary>The path's id in its policy's own <see cref="PathTable"/> (body scope).</summary>
    public int PathId { get; } = pathId;

    public KeyMatcher Matcher { get; } = matcher;
}

/// <summary>
/// One conjunction of a policy after <c>$or</c> expansion (Ruler's "sub-rule"): every condition must hold.
/// <see cref="AnchorIndex"/> names the exact-value condition the index files the sub-rule under, or is -1.
/// </summary>
internal sealed class SubRule(CompiledPolicy owner, Condition[] conditions, int anchorIndex)
{
    public CompiledPolicy Owner { get; } = owner;

    public Condition[] Conditions { get; } = conditions;

    public int AnchorIndex { get; } = anchorIndex;

    public Condition? Anchor => AnchorIndex >= 0 ? Conditions[AnchorIndex] : null;
}
