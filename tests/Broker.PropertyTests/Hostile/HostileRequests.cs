using Broker.Queues;
using FsCheck;
using FsCheck.Fluent;
using static Broker.BrokerErrorCodes;

namespace Broker.PropertyTests.Hostile;

/// <summary>One message attribute as generated: name, data type, and a string or binary value.</summary>
internal sealed record HostileAttribute(HostileText Name, string DataType, string? Text, byte[]? Binary)
{
    public MessageAttributeValue ToValue() =>
        Binary is { } bytes ? MessageAttributeValue.FromBinary(bytes, DataType) : MessageAttributeValue.FromString(Text ?? "", DataType);

    /// <summary>SQS's verdict on this attribute alone: the AWS code it must be refused with, or null when valid.</summary>
    public string? ExpectedCode(out bool certain)
    {
        certain = true;
        if (!Name.IsValidAttributeName)
        {
            return InvalidParameterValue;
        }

        var dot = DataType.IndexOf('.', StringComparison.Ordinal);
        var baseType = dot < 0 ? DataType : DataType[..dot];
        if (baseType is not ("String" or "Number" or "Binary") || DataType.Length > 256 || DataType.EndsWith('.'))
        {
            return InvalidParameterValue;
        }

        if (baseType == "Binary")
        {
            return Binary is { Length: > 0 } ? null : InvalidParameterValue;
        }

        if (string.IsNullOrEmpty(Text))
        {
            return InvalidParameterValue;
        }

        if (!HostileText.IsAllowedText(Text))
        {
            return InvalidMessageContents;
        }

        if (baseType == "Number")
        {
            if (HostileNumbers.Valid.Contains(Text))
            {
                return null;
            }

            certain = !HostileNumbers.Unsure.Contains(Text);
            return InvalidParameterValue;
        }

        return null;
    }

    public override string ToString() =>
        $"{Name}:{HostileText.Escape(DataType)}={(Binary is { } b ? Convert.ToHexString(b) : HostileText.Escape(Text ?? ""))}";
}

/// <summary>Number texts: valid for SQS, invalid, and ones whose verdict we do not pin (AWS's grammar is undocumented there).</summary>
internal static class HostileNumbers
{
    public static readonly string[] Valid = ["0", "42", "-7", "3.14", "1e10", "-2.5E-3", "12345678901234567890123456789012345678"];

    public static readonly string[] Invalid =
    [
        "abc", "1e", "--1", "1.2.3", "1e999", "0x10", "NaN", "Infinity", " 1", "1 ", "\u0663", "1e2147483648",
        "123456789012345678901234567890123456789", new string('9', 10_000),
    ];

    public static readonly string[] Unsure = ["+3", ".5", "5.", "1E+5", "-0", "1e-999", "00012"];

    public static Gen<string> Gen { get; } = FsCheck.Fluent.Gen.Elements([.. Valid, .. Invalid, .. Unsure]);
}

/// <summary>A message attribute map: up to 12 entries with hostile names, types and values.</summary>
internal sealed record HostileAttributes(HostileAttribute[] Entries)
{
    private static readonly Gen<HostileText> NameGen = Gen.Frequency(
        (3, Gen.Elements("kind", "a.b", "x-y_z", "Size2").Select(static n => new HostileText([n]))),
        (2, HostileText.Arbitrary().Generator));

    private static readonly Gen<string> TypeGen = Gen.Elements(
        "String", "String", "Number", "Number", "Binary", "String.custom", "Number.int", "Binary.png",
        "", "string", "Number.", "Foo", "String." + new string('a', 249), "Binary." + new string('a', 300), "\u0000", "Number\uD800");

    private static readonly Gen<HostileAttribute> EntryGen =
        from name in NameGen
        from type in TypeGen
        from kind in Gen.Choose(0, 3)
        from text in kind == 0 ? HostileNumbers.Gen : HostileText.Arbitrary().Generator.Select(static t => t.Value)
        from bytes in Gen.Elements<byte[]>([], [0], [1, 2, 3], new byte[300_000])
        select new HostileAttribute(name, type, kind == 3 ? null : text, kind == 3 ? bytes : null);

    public static Arbitrary<HostileAttributes> Arbitrary() => Arb.From(
        Gen.Frequency((8, Gen.Choose(0, 4)), (2, Gen.Choose(9, 12))).SelectMany(n => Gen.ArrayOf(EntryGen, n)).Select(static e => new HostileAttributes(e)),
        static attributes => Enumerable.Range(0, attributes.Entries.Length)
            .Select(i => new HostileAttributes([.. attributes.Entries[..i], .. attributes.Entries[(i + 1)..]])));

    /// <summary>The distinct entries in insertion order (a later duplicate name is dropped, as a dictionary would).</summary>
    private HostileAttribute[] Distinct => [.. Entries.DistinctBy(static e => e.Name.Value, StringComparer.Ordinal)];

    public Dictionary<string, MessageAttributeValue> ToDictionary() =>
        Distinct.ToDictionary(static e => e.Name.Value, static e => e.ToValue(), StringComparer.Ordinal);

    /// <summary>
    /// What SQS must say: more than 10 attributes fail first; otherwise the first invalid attribute in the map's order
    /// decides. An attribute whose validity we do not pin (an unusual number) makes the verdict "may succeed, or fail
    /// with an attribute code" unless an earlier attribute already decided it.
    /// </summary>
    public Verdict Verdict
    {
        get
        {
            var entries = Distinct;
            if (entries.Length > 10)
            {
                return Verdict.Fails(InvalidParameterValue);
            }

            var size = 0L;
            foreach (var entry in entries)
            {
                if (entry.ExpectedCode(out var certain) is { } code)
                {
                    return certain ? Verdict.Fails(code) : Verdict.MaySucceedOr(InvalidParameterValue, InvalidMessageContents);
                }

                size += System.Text.Encoding.UTF8.GetByteCount(entry.Name.Value) + entry.DataType.Length
                    + (entry.Binary?.Length ?? System.Text.Encoding.UTF8.GetByteCount(entry.Text ?? ""));
            }

            // Attributes count toward the 1 MiB message size together with the 4-byte body.
            return size + 4 > 1_048_576 ? Verdict.Fails(InvalidParameterValue) : Verdict.MaySucceedOr();
        }
    }

    public override string ToString() => $"[{string.Join(", ", Entries.Select(static e => e.ToString()))}]";
}

/// <summary>A receive request with hostile numbers and attribute names, and what SQS says to it.</summary>
internal sealed record HostileReceive(int Max, TimeSpan? Wait, TimeSpan? Visibility, string[]? AttributeNames, string[]? SystemAttributeNames)
{
    private static readonly Gen<string[]?> NamesGen = Gen.Frequency(
        (2, Gen.Constant<string[]?>(null)),
        (3, Gen.ArrayOf(Gen.OneOf(
            Gen.Elements("All", ".*", "kind", "bar.*", "SentTimestamp", "ApproximateReceiveCount", "MessageGroupId", "Nope", "", "*", "AWS.x"),
            HostileText.Arbitrary().Generator.Select(static t => t.Value))).Select(static a => (string[]?)a)));

    public static Gen<HostileReceive> Generator { get; } =
        from max in HostileGen.Int
        from wait in HostileGen.OptionalDuration
        from visibility in HostileGen.OptionalDuration
        from names in NamesGen
        from system in NamesGen
        select new HostileReceive(max, wait, visibility, names, system);

    public ReceiveRequest ToRequest() => new()
    {
        MaxNumberOfMessages = Max,
        WaitTime = Wait,
        VisibilityTimeout = Visibility,
        MessageAttributeNames = AttributeNames,
        MessageSystemAttributeNames = SystemAttributeNames,
    };

    public Verdict Verdict =>
        Max is < 1 or > 10 || Wait < TimeSpan.Zero || Wait > TimeSpan.FromSeconds(20) || Visibility < TimeSpan.Zero || Visibility > TimeSpan.FromHours(12)
            ? Verdict.Fails(InvalidParameterValue)
            : Verdict.MaySucceedOr(InvalidParameterValue, InvalidAttributeName);

    public override string ToString() =>
        $"Max={Max} Wait={Wait} Visibility={Visibility} Attributes=[{Show(AttributeNames)}] System=[{Show(SystemAttributeNames)}]";

    private static string Show(string[]? names) => names is null ? "null" : string.Join(",", names.Select(HostileText.Escape));
}

/// <summary>Batch entry ids: none, too many, repeated, or malformed.</summary>
internal sealed record HostileBatch(string[] Ids)
{
    private static readonly Gen<string> IdGen = Gen.Frequency(
        (4, Gen.Elements("a", "b1", "c-2", "x_y", new string('i', 80))),
        (2, HostileText.Arbitrary().Generator.Select(static t => t.Value)));

    public static Gen<HostileBatch> Generator { get; } =
        Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 10)), (1, Gen.Choose(11, 12)))
            .SelectMany(n => Gen.ArrayOf(IdGen, n))
            .Select(static ids => new HostileBatch(ids));

    /// <summary>Shrinks by dropping one id at a time.</summary>
    public static Arbitrary<HostileBatch> Arbitrary() => Arb.From(
        Generator,
        static batch => Enumerable.Range(0, batch.Ids.Length).Select(i => new HostileBatch([.. batch.Ids[..i], .. batch.Ids[(i + 1)..]])));

    /// <summary>The codes the batch must fail with (either order of checks is AWS-plausible when both apply), or none when it is well formed.</summary>
    public string[] ExpectedCodes
    {
        get
        {
            if (Ids.Length == 0)
            {
                return [EmptyBatchRequest];
            }

            if (Ids.Length > 10)
            {
                return [TooManyEntriesInBatchRequest];
            }

            var invalid = Ids.Any(static id => !new HostileText([id]).IsValidBatchEntryId);
            var repeated = Ids.Distinct(StringComparer.Ordinal).Count() != Ids.Length;
            return (invalid, repeated) switch
            {
                (true, true) => [InvalidBatchEntryId, BatchEntryIdsNotDistinct],
                (true, false) => [InvalidBatchEntryId],
                (false, true) => [BatchEntryIdsNotDistinct],
                _ => [],
            };
        }
    }

    public override string ToString() => $"{Ids.Length} ids [{string.Join(",", Ids.Select(HostileText.Escape))}]";
}
