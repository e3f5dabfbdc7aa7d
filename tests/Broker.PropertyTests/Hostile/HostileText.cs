using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.PropertyTests.Hostile;

/// <summary>
/// A hostile string made of pieces, so a failure shrinks by dropping pieces (a 10,000-character run stays one piece and
/// goes away whole), and prints with every non-printable character escaped.
/// </summary>
internal sealed record HostileText(string[] Parts)
{
    public string Value { get; } = string.Concat(Parts);

    /// <summary>Ordinary name characters.</summary>
    private static readonly string[] Plain = ["a", "Z", "0", "9", "-", "_", "job", "x1"];

    /// <summary>Characters and fragments that names, attribute names and ids treat specially.</summary>
    private static readonly string[] Tricky =
    [
        ".", "..", ".fifo", ".FIFO", "fifo", "AWS.", "aws.", "Amazon.", "amazon.", " ", "\t", "\n", "\r", "/", ":", "*", "%",
        "\"", "\\", "{", "}", "[", "]", "é", "中", "\U0001F600", "\u0085", "\u00A0", "\u200B", "\u202E", "İ", "ǅ",
    ];

    /// <summary>Characters SQS refuses in text: unpaired or reversed surrogates and the noncharacters U+FFFE/U+FFFF.</summary>
    private static readonly string[] Forbidden = ["\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uDC00\uD800", "\uFFFE", "\uFFFF"];

    /// <summary>Runs whose lengths sit on the limits (80 queue/batch id, 128 group id/stream, 256 topic/attribute name) or far beyond.</summary>
    private static readonly int[] RunLengths = [79, 80, 81, 127, 128, 129, 255, 256, 257, 10_000];

    public static Gen<string> Piece { get; } = Gen.Frequency(
        (6, Gen.Elements(Plain)),
        (4, Gen.Elements(Tricky)),
        (2, Gen.Choose(0, 31).Select(static c => ((char)c).ToString())),
        (2, Gen.Elements(Forbidden)),
        (1, Gen.Constant("\uFFFD")),
        (1, Gen.Elements(RunLengths).Select(static n => new string('a', n))));

    public static Arbitrary<HostileText> Arbitrary(Gen<string> piece, int maxPieces = 6) =>
        Arb.From(
            Gen.Choose(0, maxPieces).SelectMany(n => Gen.ArrayOf(piece, n)).Select(static parts => new HostileText(parts)),
            static text => Shrink(text));

    public static Arbitrary<HostileText> Arbitrary() => Arbitrary(Piece);

    /// <summary>Drop one piece at a time; the shrunk text still fails only if that piece did not matter.</summary>
    private static IEnumerable<HostileText> Shrink(HostileText text)
    {
        for (var i = 0; i < text.Parts.Length; i++)
        {
            yield return new HostileText([.. text.Parts[..i], .. text.Parts[(i + 1)..]]);
        }
    }

    public bool IsValidQueueName(bool fifo)
    {
        var stem = fifo && Value.EndsWith(".fifo", StringComparison.Ordinal) ? Value[..^5] : Value;
        return Value.Length <= 80 && (!fifo || stem.Length != Value.Length) && IsFrom(stem, NameChar, 1, 80);
    }

    public bool IsValidTopicName(bool fifo)
    {
        var stem = fifo && Value.EndsWith(".fifo", StringComparison.Ordinal) ? Value[..^5] : Value;
        return Value.Length <= 256 && (!fifo || stem.Length != Value.Length) && IsFrom(stem, NameChar, 1, 256);
    }

    public bool IsValidStreamName => IsFrom(Value, static c => NameChar(c) || c == '.', 1, 128);

    public bool IsValidBatchEntryId => IsFrom(Value, NameChar, 1, 80);

    /// <summary>Message group and deduplication ids: 1 to 128 ASCII letters, digits and punctuation.</summary>
    public bool IsValidGroupId => IsFrom(Value, static c => c is > ' ' and <= '~', 1, 128);

    public bool IsValidAttributeName =>
        IsFrom(Value, static c => NameChar(c) || c == '.', 1, 256)
        && !Value.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) && !Value.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase)
        && Value[0] != '.' && Value[^1] != '.' && !Value.Contains("..", StringComparison.Ordinal);

    /// <summary>SQS's text rule: #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF, surrogates paired.</summary>
    public bool IsAllowedMessageText => IsAllowedText(Value);

    public static bool IsAllowedText(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (!Rune.TryGetRuneAt(value, i, out var rune))
            {
                return false;
            }

            var c = rune.Value;
            if (!(c is 0x9 or 0xA or 0xD || c is >= 0x20 and <= 0xD7FF || c is >= 0xE000 and <= 0xFFFD || c >= 0x10000))
            {
                return false;
            }

            i += rune.Utf16SequenceLength - 1;
        }

        return true;
    }

    public override string ToString() =>
        $"\"{Escape(Value)}\" ({Value.Length} chars, {Parts.Length} pieces)";

    public static string Escape(string value)
    {
        var text = new StringBuilder();
        foreach (var c in value.Length > 300 ? value[..150] + "…" + value[^150..] : value)
        {
            text.Append(c is < ' ' or > '~' ? $"\\u{((int)c).ToString("X4", CultureInfo.InvariantCulture)}" : c.ToString());
        }

        return text.ToString();
    }

    private static bool NameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    private static bool IsFrom(string value, Func<char, bool> allowed, int min, int max) =>
        value.Length >= min && value.Length <= max && value.All(allowed);
}
