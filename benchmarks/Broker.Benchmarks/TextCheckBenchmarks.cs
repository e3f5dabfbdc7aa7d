using System.Buffers;
using BenchmarkDotNet.Attributes;
using Broker.Queues.Internal;

namespace Broker.Benchmarks;

/// <summary>
/// The check that text holds no character SQS refuses (every message attribute value of a send or publish, and an
/// enveloped publish's text), beside what it replaced (kept here verbatim as the baseline: a character-by-character walk
/// for surrogates; now a vectorised search from surrogate to surrogate). One operation is one check of a text of
/// <see cref="Length"/> characters, with or without an emoji (a surrogate pair) about every 40 characters.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class TextCheckBenchmarks
{
    private static readonly SearchValues<char> ForbiddenControlChars = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\uFFFE\uFFFF");

    private string body = string.Empty;

    /// <summary>The length of the published text, in characters (the publish benchmarks' body is 64).</summary>
    [Params(64, 1024)]
    public int Length { get; set; }

    /// <summary>Whether the text holds an emoji about every 40 characters.</summary>
    [Params(false, true)]
    public bool Emoji { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var piece = Emoji ? "{\"order\":42,\"total\":99.5,\"note\":\"\U0001F600\"}" : "{\"order\":42,\"total\":99.5,\"note\":\"caf\u00e9\"} ";
        body = string.Concat(Enumerable.Repeat(piece, (Length / piece.Length) + 1))[..Length];
        if (char.IsHighSurrogate(body[^1]))
        {
            body = body[..^1] + "x"; // a cut pair would make the text one SQS refuses
        }

        if (!CharacterWalk(body) || !MessageValidation.IsAllowedText(body))
        {
            throw new InvalidOperationException("The text should pass both checks.");
        }
    }

    [Benchmark(Baseline = true)]
    public bool CharacterWalk() => CharacterWalk(body);

    [Benchmark]
    public bool VectorisedSearch() => MessageValidation.IsAllowedText(body);

    private static bool CharacterWalk(string text)
    {
        if (text.AsSpan().ContainsAny(ForbiddenControlChars))
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
