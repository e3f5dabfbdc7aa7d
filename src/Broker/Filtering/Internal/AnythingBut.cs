namespace Broker.Filtering.Internal;

/// <summary>
/// One <c>anything-but</c> condition. A value passes unless the condition excludes it, and each form excludes only values
/// of its own type: a string list or a string operator excludes strings, a numeric list excludes numbers; booleans and
/// null always pass (Ruler's semantics). A missing key never reaches this type: anything-but needs the key present.
/// </summary>
internal sealed class AnythingBut
{
    public HashSet<string>? ExcludedStrings { get; init; }

    public HashSet<double>? ExcludedNumbers { get; init; }

    public string[]? ExcludedPrefixes { get; init; }

    public string[]? ExcludedSuffixes { get; init; }

    public string[]? ExcludedIgnoringCase { get; init; }

    public WildcardPattern[]? ExcludedWildcards { get; init; }

    public bool Passes(in LeafValue value)
    {
        switch (value.Kind)
        {
            case LeafKind.String:
                var text = value.Text;
                if (ExcludedStrings is not null && ExcludedStrings.GetAlternateLookup<ReadOnlySpan<char>>().Contains(text))
                {
                    return false;
                }

                foreach (var prefix in ExcludedPrefixes ?? [])
                {
                    if (text.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return false;
                    }
                }

                foreach (var suffix in ExcludedSuffixes ?? [])
                {
                    if (text.EndsWith(suffix, StringComparison.Ordinal))
                    {
                        return false;
                    }
                }

                foreach (var excluded in ExcludedIgnoringCase ?? [])
                {
                    if (text.Equals(excluded, StringComparison.OrdinalIgnoreCase))
                    {
                        return false;
                    }
                }

                foreach (var wildcard in ExcludedWildcards ?? [])
                {
                    if (wildcard.Matches(text))
                    {
                        return false;
                    }
                }

                return true;
            case LeafKind.Number:
                return ExcludedNumbers is null || !value.IsComparable || !ExcludedNumbers.Contains(value.Number);
            default:
                return true;
        }
    }
}
