namespace Broker.Filtering.Internal;

/// <summary>Collects the patterns of one key's array while the parser reads it, then freezes them into a <see cref="KeyMatcher"/>.</summary>
internal sealed class KeyMatcherBuilder
{
    private readonly HashSet<string> exactStrings = new(StringComparer.Ordinal);
    private readonly HashSet<double> exactNumbers = [];
    private readonly HashSet<string> exactNumberTexts = new(StringComparer.Ordinal);
    private readonly List<string> prefixes = [];
    private readonly List<string> suffixes = [];
    private readonly List<string> equalsIgnoringCase = [];
    private readonly List<string> prefixesIgnoringCase = [];
    private readonly List<string> suffixesIgnoringCase = [];
    private readonly List<WildcardPattern> wildcards = [];
    private readonly List<NumericRange> ranges = [];
    private readonly List<CidrRange> cidrs = [];
    private readonly List<AnythingBut> anythingButs = [];
    private bool matchesTrue;
    private bool matchesFalse;
    private bool matchesNull;
    private bool existsTrue;
    private bool existsFalse;
    private bool hasOperator;

    /// <summary>How many elements the key's array had: the SNS complexity formula counts them.</summary>
    public int ValueCount { get; set; }

    public void AddExactString(string value) => exactStrings.Add(value);

    public void AddExactNumber(string text)
    {
        if (NumberText.TryParseComparable(text, out var number))
        {
            exactNumbers.Add(number);
        }
        else
        {
            exactNumberTexts.Add(text);
        }
    }

    public void AddTrue() => matchesTrue = true;

    public void AddFalse() => matchesFalse = true;

    public void AddNull() => matchesNull = true;

    public void AddPrefix(string value, bool ignoreCase) => Operator(ignoreCase ? prefixesIgnoringCase : prefixes).Add(value);

    public void AddSuffix(string value, bool ignoreCase) => Operator(ignoreCase ? suffixesIgnoringCase : suffixes).Add(value);

    public void AddEqualsIgnoringCase(string value) => Operator(equalsIgnoringCase).Add(value);

    public void AddWildcard(WildcardPattern pattern) => Operator(wildcards).Add(pattern);

    public void AddRange(NumericRange range) => Operator(ranges).Add(range);

    public void AddCidr(CidrRange range) => Operator(cidrs).Add(range);

    public void AddAnythingBut(AnythingBut anythingBut) => Operator(anythingButs).Add(anythingBut);

    public void AddExists(bool exists)
    {
        hasOperator = true;
        if (exists)
        {
            existsTrue = true;
        }
        else
        {
            existsFalse = true;
        }
    }

    public KeyMatcher Build() => new()
    {
        ExactStrings = exactStrings.Count > 0 ? exactStrings : null,
        ExactNumbers = exactNumbers.Count > 0 ? exactNumbers : null,
        ExactNumberTexts = exactNumberTexts.Count > 0 ? exactNumberTexts : null,
        MatchesTrue = matchesTrue,
        MatchesFalse = matchesFalse,
        MatchesNull = matchesNull,
        Prefixes = NullIfEmpty(prefixes),
        Suffixes = NullIfEmpty(suffixes),
        EqualsIgnoringCase = NullIfEmpty(equalsIgnoringCase),
        PrefixesIgnoringCase = NullIfEmpty(prefixesIgnoringCase),
        SuffixesIgnoringCase = NullIfEmpty(suffixesIgnoringCase),
        Wildcards = NullIfEmpty(wildcards),
        Ranges = NullIfEmpty(ranges),
        Cidrs = NullIfEmpty(cidrs),
        AnythingButs = NullIfEmpty(anythingButs),
        ExistsTrue = existsTrue,
        ExistsFalse = existsFalse,
        IsExactOnly = !hasOperator && !matchesTrue && !matchesFalse && !matchesNull && exactNumberTexts.Count == 0
            && (exactStrings.Count > 0 || exactNumbers.Count > 0),
    };

    private List<TItem> Operator<TItem>(List<TItem> list)
    {
        hasOperator = true;
        return list;
    }

    private static TItem[]? NullIfEmpty<TItem>(List<TItem> list) => list.Count > 0 ? [.. list] : null;
}
