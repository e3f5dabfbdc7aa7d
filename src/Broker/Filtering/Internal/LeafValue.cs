namespace Broker.Filtering.Internal;

/// <summary>The JSON type of a value a policy is matched against.</summary>
internal enum LeafKind : byte
{
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// One value of a message, borrowed for the length of a match: a body leaf, an attribute, or one element of a
/// <c>String.Array</c>. <see cref="Text"/> is the unescaped string, or a number's JSON text.
/// </summary>
internal readonly ref struct LeafValue
{
    public LeafValue(LeafKind kind, ReadOnlySpan<char> text, double number, bool isComparable)
    {
        Kind = kind;
        Text = text;
        Number = number;
        IsComparable = isComparable;
    }

    public LeafKind Kind { get; }

    public ReadOnlySpan<char> Text { get; }

    /// <summary>The value as a double; meaningful only when <see cref="IsComparable"/>.</summary>
    public double Number { get; }

    /// <summary>A number whose text round-trips to a double (Ruler's ComparableNumber); others match only as text.</summary>
    public bool IsComparable { get; }

    public static LeafValue FromString(ReadOnlySpan<char> text) => new(LeafKind.String, text, 0, false);

    public static LeafValue FromNumberText(ReadOnlySpan<char> text)
    {
        var comparable = NumberText.TryParseComparable(text, out var number);
        return new LeafValue(LeafKind.Number, text, number, comparable);
    }
}
