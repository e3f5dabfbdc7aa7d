namespace Broker.Filtering.Internal;

/// <summary>A <c>numeric</c> condition: an interval of doubles whose ends may be open, closed or absent (infinite).</summary>
internal readonly record struct NumericRange(double Low, bool LowInclusive, double High, bool HighInclusive)
{
    public static NumericRange Equal(double value) => new(value, true, value, true);

    public bool Contains(double value) =>
        (LowInclusive ? value >= Low : value > Low) && (HighInclusive ? value <= High : value < High);
}
