using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.PropertyTests.Hostile;

/// <summary>
/// Filter-policy JSON that is random, malformed, deeply nested, huge, or combinatorially explosive, built from pieces so
/// a failure shrinks to the pieces that matter.
/// </summary>
internal static class HostilePolicies
{
    /// <summary>Tokens and operator fragments; concatenated at random they are mostly malformed, sometimes valid.</summary>
    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", ":", ",", "\"a\"", "\"b\"", "\"a.b\"", "\"$or\"", "1", "-1", "0.5", "1e400", "-1e400", "true", "false", "null",
        "\"x\"", "\"\"", "{\"prefix\":\"p\"}", "{\"suffix\":1}", "{\"numeric\":[\">\",0,\"<=\",5]}", "{\"numeric\":[\"<\",\"x\"]}",
        "{\"anything-but\":[\"a\"]}", "{\"anything-but\":{\"prefix\":[]}}", "{\"exists\":true}", "{\"exists\":\"yes\"}",
        "{\"cidr\":\"10.0.0.0/8\"}", "{\"cidr\":\"10.0.0.0/33\"}", "{\"cidr\":\"::1/200\"}", "{\"wildcard\":\"a*b\"}", "{\"wildcard\":\"a**b\"}",
        "{\"equals-ignore-case\":\"X\"}", "{\"nope\":1}", "\"\\ud800\"", "\"\\u0000\"", "\"\uD800\"", "\"\\q\"", " ", "\uFEFF", "/*c*/",
    ];

    /// <summary>Policies at the edges: nesting far past any parser's comfort, huge arrays, $or fan-out, too many keys.</summary>
    public static readonly string[] Extremes =
    [
        Nested("{\"a\":", "[1]", "}", 10_000),
        Nested("{\"a\":", "[1]", "}", 1_000),
        Nested("[", "1", "]", 10_000),
        Nested("{\"$or\":[", "{\"a\":[1]}", "]}", 5_000),
        "{\"a\":[" + string.Join(',', Enumerable.Range(0, 100_000)) + "]}",
        "{\"a\":[" + string.Join(',', Enumerable.Range(0, 151)) + "]}",
        OrFanOut(10),
        OrFanOut(20),
        OrProduct(40),
        "{\"$or\":[" + string.Join(',', Enumerable.Range(0, 10_000).Select(static i => $"{{\"k{i}\":[1]}}")) + "]}",
        "{\"a\":[1],\"b\":[1],\"c\":[1],\"d\":[1],\"e\":[1],\"f\":[1]}",
        "{\"a\":[{\"wildcard\":\"" + string.Concat(Enumerable.Repeat("*a", 500)) + "\"}]}",
        "{\"a\":[{\"numeric\":[" + string.Join(',', Enumerable.Repeat("\">\",1", 1000)) + "]}]}",
    ];

    private static string Nested(string open, string inner, string close, int depth) =>
        string.Concat(Enumerable.Repeat(open, depth)) + inner + string.Concat(Enumerable.Repeat(close, depth));

    /// <summary>An $or at each of <paramref name="levels"/> nesting levels: 2^levels alternatives when expanded.</summary>
    private static string OrFanOut(int levels)
    {
        var text = new StringBuilder();
        for (var i = 0; i < levels; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{{\"$or\":[{{\"l{i}a\":[1]}},{{\"l{i}b\":[2]}}],\"n{i}\":");
        }

        text.Append("[1]").Append('}', levels);
        return text.ToString();
    }

    /// <summary>
    /// Two parent keys, each over <paramref name="keys"/> sibling keys holding a two-way $or: 4^keys alternatives in
    /// linear text (40 keys: 2^80 in under 3 KB, which once wrapped the engine's 64-bit count to 0).
    /// </summary>
    public static string OrProduct(int keys)
    {
        var inner = "{" + string.Join(',', Enumerable.Range(0, keys).Select(static i => $"\"k{i}\":{{\"$or\":[{{\"a\":[1]}},{{\"b\":[1]}}]}}")) + "}";
        return $"{{\"A\":{inner},\"B\":{inner}}}";
    }

    public static Arbitrary<HostileText> Arbitrary() => HostileText.Arbitrary(
        Gen.Frequency(
            (8, Gen.Elements(Tokens)),
            (1, HostileText.Piece),
            (1, Gen.Elements(Extremes))),
        maxPieces: 12);

    /// <summary>Whether the text is JSON at all (with no depth limit), and its root an object: anything else must be refused.</summary>
    public static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 100_000 });
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (Exception error) when (error is JsonException or ArgumentException)
        {
            return false; // ArgumentException: a lone surrogate cannot even be transcoded to UTF-8
        }
        catch (InsufficientExecutionStackException)
        {
            return true; // too deep to look at; no verdict either way
        }
    }

    /// <summary>Event bodies for MessageBody-scope matching: JSON, malformed, deep, huge, or not UTF-8 at all.</summary>
    public static Gen<byte[]> Bodies { get; } = Gen.OneOf(
        Arbitrary().Generator.Select(static t => Encoding.UTF8.GetBytes(t.Value)),
        HostileGen.Utf8Bytes,
        Gen.Elements(
            Encoding.UTF8.GetBytes(Nested("{\"a\":", "1", "}", 10_000)),
            Encoding.UTF8.GetBytes(Nested("[", "1", "]", 10_000)),
            Encoding.UTF8.GetBytes("{\"a\":[" + string.Join(',', Enumerable.Range(0, 100_000)) + "]}"),
            Encoding.UTF8.GetBytes("{\"a\":1,\"a\":2,\"a\":{\"b\":[{\"c\":1},{\"c\":[1,[2,[3]]]}]}}"),
            "{\"a\":1}"u8.ToArray()));
}
