using System.Globalization;
using System.Numerics;

namespace Broker.Filtering.Internal;

/// <summary>
/// Decides whether a number's text is a number for matching. Ruler (since #163/#188) compares full binary64 values and
/// treats text with more significant digits than a double can carry as text only, so that two long decimals that round
/// to the same double do not falsely match.
/// </summary>
internal static class NumberText
{
    /// <summary>The most significant digits a decimal can have and still be matched as a number.</summary>
    private const int MaxSignificantDigits = 17;

    public static bool TryParseComparable(ReadOnlySpan<char> text, out double value)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || SignificantDigits(text) > MaxSignificantDigits)
        {
            value = 0;
            return false;
        }

        return true;
    }

    public static bool TryParseComparable(ReadOnlySpan<byte> utf8, out double value)
    {
        if (!double.TryParse(utf8, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || SignificantDigits(utf8) > MaxSignificantDigits)
        {
            value = 0;
            return false;
        }

        return true;
    }

    // Digits of the mantissa without leading zeros and without trailing zeros: 300.0 has 1, 0.00125 has 3.
    private static int SignificantDigits<TChar>(ReadOnlySpan<TChar> text)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        var first = -1;
        var last = -1;
        var digits = 0;
        var lastNonZeroCount = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = (char)int.CreateTruncating(text[i]);
            if (c is 'e' or 'E')
            {
                break;
            }

            if (c is < '0' or > '9')
            {
                continue;
            }

            if (first < 0 && c == '0')
            {
                continue;
            }

            if (first < 0)
            {
                first = i;
            }

            digits++;
            if (c != '0')
            {
                last = i;
                lastNonZeroCount = digits;
            }
        }

        return last < 0 ? 0 : lastNonZeroCount;
    }
}
