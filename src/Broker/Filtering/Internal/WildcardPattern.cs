using System.Text;

namespace Broker.Filtering.Internal;

/// <summary>
/// A compiled <c>wildcard</c> pattern: literal segments separated by <c>*</c> (zero or more characters, including
/// <c>/</c>). <c>\*</c> is a literal star and <c>\\</c> a literal backslash. Matching anchors the first segment at the
/// start and the last at the end and finds the middle ones leftmost-first, which is exact for star-only globs and never
/// backtracks, so a pattern costs O(pattern × value) at worst.
/// </summary>
internal sealed class WildcardPattern
{
    /// <summary>The literal pieces; there is one more segment than there are stars.</summary>
    private readonly string[] segments;

    private WildcardPattern(string[] segments) => this.segments = segments;

    /// <summary>How many stars the pattern has.</summary>
    public int StarCount => segments.Length - 1;

    /// <summary>Parses a pattern; returns Ruler's error text for <c>**</c> or a bad escape.</summary>
    public static WildcardPattern? TryParse(string pattern, out string? error)
    {
        error = null;
        var segments = new List<string>();
        var current = new StringBuilder();
        var previousWasStar = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*')
            {
                if (previousWasStar)
                {
                    error = "Consecutive wildcard characters at pos " + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return null;
                }

                segments.Add(current.ToString());
                current.Clear();
                previousWasStar = true;
                continue;
            }

            previousWasStar = false;
            if (c == '\\')
            {
                if (i + 1 >= pattern.Length || pattern[i + 1] is not ('*' or '\\'))
                {
                    error = "Invalid escape character at pos " + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return null;
                }

                c = pattern[++i];
            }

            current.Append(c);
        }

        segments.Add(current.ToString());
        return new WildcardPattern([.. segments]);
    }

    public bool Matches(ReadOnlySpan<char> value)
    {
        if (segments.Length == 1)
        {
            return value.SequenceEqual(segments[0]);
        }

        var first = segments[0];
        var last = segments[^1];
        if (value.Length < first.Length + last.Length || !value.StartsWith(first, StringComparison.Ordinal) || !value.EndsWith(last, StringComparison.Ordinal))
        {
            return false;
        }

        var middle = value[first.Length..(value.Length - last.Length)];
        for (var i = 1; i < segments.Length - 1; i++)
        {
            var at = middle.IndexOf(segments[i], StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }

            middle = middle[(at + segments[i].Length)..];
        }

        return true;
    }

    /// <summary>
    /// Ruler's MachineComplexityEvaluator idea for one pattern: the most NFA positions (a star counted with the position after
    /// it) that a worst-case value keeps active at once. Found by exploring the reachable position sets over the pattern's own characters plus one other character;
    /// the exploration is capped, so the answer is a lower bound for huge patterns (which the cap rejects anyway).
    /// </summary>
    public int Complexity(int cap)
    {
        // Positions index a token list in which a star is a token; the NFA is in position p after matching tokens [0, p).
        var tokens = new List<char?>();
        for (var s = 0; s < segments.Length; s++)
        {
            if (s > 0)
            {
                tokens.Add(null);
            }

            foreach (var c in segments[s])
            {
                tokens.Add(c);
            }
        }

        var alphabet = new HashSet<char>();
        foreach (var token in tokens)
        {
            if (token is { } c)
            {
                alphabet.Add(c);
            }
        }

        alphabet.Add('\uFFFF');
        var start = Closure(tokens, [0]);
        var seen = new HashSet<string> { Key(start) };
        var queue = new Queue<SortedSet<int>>();
        queue.Enqueue(start);
        var worst = Weight(tokens, start);
        while (queue.Count > 0 && seen.Count < 20_000 && worst <= cap)
        {
            var states = queue.Dequeue();
            foreach (var c in alphabet)
            {
                var next = new SortedSet<int>();
                foreach (var p in states)
                {
                    if (p >= tokens.Count)
                    {
                        continue;
                    }

                    if (tokens[p] is null)
                    {
                        next.Add(p);
                    }
                    else if (tokens[p] == c)
                    {
                        next.Add(p + 1);
                    }
                }

                next = Closure(tokens, next);
                if (next.Count > 0 && seen.Add(Key(next)))
                {
                    worst = Math.Max(worst, Weight(tokens, next));
                    queue.Enqueue(next);
                }
            }
        }

        return worst;
    }

    private static SortedSet<int> Closure(List<char?> tokens, IEnumerable<int> positions)
    {
        var result = new SortedSet<int>();
        foreach (var p in positions)
        {
            var q = p;
            result.Add(q);
            while (q < tokens.Count && tokens[q] is null)
            {
                result.Add(++q);
            }
        }

        return result;
    }

    // A star and the position after it (reached through the star matching nothing) are one wildcard prefix, not two.
    private static int Weight(List<char?> tokens, SortedSet<int> states) => states.Count(p => p >= tokens.Count || tokens[p] is not null);

    private static string Key(SortedSet<int> states) => string.Join(',', states);
}
