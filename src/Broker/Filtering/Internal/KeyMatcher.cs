namespace Broker.Filtering.Internal;

/// <summary>
/// The compiled value list of one policy key: the OR of every pattern in the key's array. Exact strings sit in a hash
/// set probed with a span (no string is made per message), numbers are doubles, the other operators are short arrays.
/// Immutable after <see cref="KeyMatcherBuilder.Build"/>.
/// </summary>
internal sealed class KeyMatcher
{
    public HashSet<string>? ExactStrings { get; init; }

    public HashSet<double>? ExactNumbers { get; init; }

    /// <summary>Number literals with more digits than a double carries; they match a number's text exactly.</summary>
    public HashSet<string>? ExactNumberTexts { get; init; }

    public bool MatchesTrue { get; init; }

    public bool MatchesFalse { get; init; }

    public bool MatchesNull { get; init; }

    public string[]? Prefixes { get; init; }

    public string[]? Suffixes { get; init; }

    public string[]? EqualsIgnoringCase { get; init; }

    public string[]? PrefixesIgnoringCase { get; init; }

    public string[]? SuffixesIgnoringCase { get; init; }

    public WildcardPattern[]? Wildcards { get; init; }

    public NumericRange[]? Ranges { get; init; }

    public CidrRange[]? Cidrs { get; init; }

    public AnythingBut[]? AnythingButs { get; init; }

    /// <summary><c>{"exists":true}</c>: any leaf value (or any non-binary attribute) satisfies the key.</summary>
    public bool ExistsTrue { get; init; }

    /// <summary><c>{"exists":false}</c>: the key is satisfied when it has no leaf value at all.</summary>
    public bool ExistsFalse { get; init; }

    /// <summary>Only exact strings and numbers: the key can anchor its sub-rule in the index.</summary>
    public bool IsExactOnly { get; init; }

    /// <summary>True if the value satisfies some pattern. <paramref name="attributeScope"/> disables the <c>null</c> literal.</summary>
    public bool Matches(in LeafValue value, bool attributeScope)
    {
        if (ExistsTrue)
        {
            return true;
        }

        switch (value.Kind)
        {
            case LeafKind.String:
                if (MatchesString(value.Text))
                {
                    return true;
                }

                break;
            case LeafKind.Number:
                if (value.IsComparable)
                {
                    if (ExactNumbers is not null && ExactNumbers.Contains(value.Number))
                    {
                        return true;
                    }

                    foreach (var range in Ranges ?? [])
                    {
                        if (range.Contains(value.Number))
                        {
                            return true;
                        }
                    }
                }
                else if (ExactNumberTexts is not null && ExactNumberTexts.GetAlternateLookup<ReadOnlySpan<char>>().Contains(value.Text))
                {
                    return true;
                }

                break;
            case LeafKind.True when MatchesTrue:
            case LeafKind.False when MatchesFalse:
            case LeafKind.Null when MatchesNull && !attributeScope:
                return true;
        }

        foreach (var anythingBut in AnythingButs ?? [])
        {
            if (anythingBut.Passes(value))
            {
                return true;
            }
        }

        return false;
    }

    private bool MatchesString(ReadOnlySpan<char> text)
    {
        if (ExactStrings is not null && ExactStrings.GetAlternateLookup<ReadOnlySpan<char>>().Contains(text))
        {
            return true;
        }

        foreach (var prefix in Prefixes ?? [])
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var suffix in Suffixes ?? [])
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var other in EqualsIgnoringCase ?? [])
        {
            if (text.Equals(other, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var prefix in PrefixesIgnoringCase ?? [])
        {
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var suffix in SuffixesIgnoringCase ?? [])
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var wildcard in Wildcards ?? [])
        {
            if (wildcard.Matches(text))
            {
                return true;
            }
        }

        foreach (var cidr in Cidrs ?? [])
        {
            if (cidr.Contains(text))
            {
                return true;
            }
        }

        return false;
    }
}
