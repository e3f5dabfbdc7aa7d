using System.Buffers.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.PropertyTests.Hostile;

/// <summary>Generators of hostile values other than text (see <see cref="HostileText"/>).</summary>
internal static class HostileGen
{
    /// <summary>Whole numbers around every limit the API has, and the extremes.</summary>
    public static Gen<int> Int { get; } = Gen.Frequency(
        (3, Gen.Elements(int.MinValue, int.MinValue + 1, -1_000_000, -1, 0, 1, 2, 9, 10, 11, 20, 21, 100, 256, 899, 900, 901,
            1000, 1001, 1023, 1024, 10_000, 10_001, 10_240, 10_241, 43_200, 43_201, 1_048_576, 1_048_577, int.MaxValue - 1, int.MaxValue)),
        (1, Gen.Choose(-50, 50)));

    /// <summary>Durations around SQS's and Kinesis's limits, sub-second fractions, and the TimeSpan extremes.</summary>
    public static Gen<TimeSpan> Duration { get; } = Gen.Frequency(
        (3, Gen.Elements(
            TimeSpan.MinValue, TimeSpan.FromTicks(-1), TimeSpan.FromSeconds(-1), TimeSpan.Zero, TimeSpan.FromTicks(1),
            TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20) + TimeSpan.FromTicks(1),
            TimeSpan.FromSeconds(21), TimeSpan.FromHours(12), TimeSpan.FromHours(12) + TimeSpan.FromTicks(1), TimeSpan.FromHours(23),
            TimeSpan.FromHours(24), TimeSpan.FromHours(24.5), TimeSpan.FromHours(8760), TimeSpan.FromHours(8761), TimeSpan.FromDays(14),
            TimeSpan.FromDays(14) + TimeSpan.FromTicks(1), TimeSpan.MaxValue)),
        (1, Gen.Choose(-100, 100).Select(static s => TimeSpan.FromSeconds(s))));

    public static Gen<TimeSpan?> OptionalDuration { get; } =
        Gen.Frequency((1, Gen.Constant<TimeSpan?>(null)), (3, Duration.Select(static d => (TimeSpan?)d)));

    public static Gen<DateTimeOffset> Instant { get; } = Gen.Elements(
        DateTimeOffset.MinValue, DateTimeOffset.UnixEpoch, new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2000, 1, 1, 0, 6, 0, TimeSpan.Zero), new DateTimeOffset(2999, 1, 1, 0, 0, 0, TimeSpan.FromHours(14)), DateTimeOffset.MaxValue);

    /// <summary>How a genuine token (receipt handle, shard iterator) is forged.</summary>
    public enum Forgery
    {
        Genuine,
        Random,
        Empty,
        Truncated,
        Extended,
        FlippedChar,
        Huge,
        Foreign,
        FromDeletedAndRecreated,
        Expired,
    }

    public static Gen<Forgery> ForgeryKind { get; } = Gen.Elements(Enum.GetValues<Forgery>());

    /// <summary>A forgery chosen without knowing the token (tokens carry per-world random keys); applied with <see cref="Forge"/>.</summary>
    public sealed record Recipe(Forgery Kind, int Which, int At, int Bits, HostileText Random, string Tail)
    {
        public override string ToString() => $"{Kind} which={Which} at={At} bits={Bits} random={Random} tail={HostileText.Escape(Tail)}";
    }

    public static Gen<Recipe> Recipes { get; } =
        from kind in ForgeryKind
        from which in Gen.Choose(0, 2)
        from at in Gen.Choose(0, 1000)
        from bits in Gen.Choose(1, 63)
        from random in HostileText.Arbitrary().Generator
        from tail in Gen.Elements("A", "=", "==", "\0", "\uD800")
        select new Recipe(kind, which, at, bits, random, tail);

    /// <summary>
    /// Forges <paramref name="genuine"/> by <paramref name="recipe"/>. Returns the token and whether it still stands for
    /// the genuine one: a flipped character can land in base64's unused low bits and decode to the same bytes.
    /// </summary>
    public static (string Token, bool Genuine) Forge(Recipe recipe, string genuine, string foreign, string ghost, string expired) => recipe.Kind switch
    {
        Forgery.Genuine => (genuine, true),
        Forgery.Random => (recipe.Random.Value, recipe.Random.Value == genuine),
        Forgery.Empty => (string.Empty, false),
        Forgery.Truncated => (genuine[..(recipe.At % genuine.Length)], false),
        Forgery.Extended => (genuine + recipe.Tail, false),
        Forgery.FlippedChar => Flip(genuine, recipe.At % genuine.Length, recipe.Bits),
        Forgery.Huge => (new string('A', 100_000), false),
        Forgery.Foreign => (foreign, false),
        Forgery.FromDeletedAndRecreated => (ghost, false),
        _ => (expired, false),
    };

    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static (string, bool) Flip(string genuine, int at, int bits)
    {
        var index = Base64UrlAlphabet.IndexOf(genuine[at], StringComparison.Ordinal);
        var replacement = index < 0 ? 'A' : Base64UrlAlphabet[index ^ bits];
        var forged = string.Concat(genuine.AsSpan(0, at), replacement.ToString(), genuine.AsSpan(at + 1));
        return (forged, SameBytes(genuine, forged));
    }

    private static bool SameBytes(string genuine, string forged)
    {
        try
        {
            return Base64Url.DecodeFromChars(genuine).AsSpan().SequenceEqual(Base64Url.DecodeFromChars(forged));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Random bytes with invalid UTF-8 planted: overlong forms, lone continuation bytes, encoded surrogates, truncated sequences, C0 controls.</summary>
    public static Gen<byte[]> Utf8Bytes { get; } = Gen.ArrayOf(Gen.Frequency(
            (6, Gen.Elements<byte[]>([0x61], [0x7A], [0x20], [0x09], [0x0A], [0x0D], [0xC3, 0xA9], [0xE4, 0xB8, 0xAD], [0xF0, 0x9F, 0x98, 0x80])),
            (3, Gen.Elements<byte[]>([0xC0, 0x80], [0x80], [0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xE2, 0x82], [0xF0, 0x9F],
                [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xFE], [0xEF, 0xBF, 0xBE], [0xEF, 0xBF, 0xBF], [0x00], [0x1F], [0x7F])),
            (1, Gen.Choose(0, 255).Select(static b => new[] { (byte)b }))))
        .Select(static parts => parts.SelectMany(static p => p).ToArray());
}
