using System.Text.Json;

namespace Broker.Filtering.Internal;

/// <summary>The operator objects of a key's array: <c>{"prefix":"a"}</c>, <c>{"numeric":[...]}</c> and the rest.</summary>
internal sealed partial class PolicyParser
{
    /// <summary>
    /// Above this many simultaneously active wildcard prefixes an EventBridge pattern is "too complex". AWS does not publish
    /// its cap; 6 accepts <c>arn:aws:events:us-east-1:*:event-bus/*</c> (3) and <c>a*b*c*d*e</c> (5) and rejects
    /// <c>*:*:*:*:*:event-bus/*</c> (7), as AWS does.
    /// </summary>
    internal const int MaxWildcardComplexity = 6;

    private const string TooComplex =
        "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

    private bool IsSns => dialect == FilterDialect.Sns;

    private void ReadOperator(JsonElement item, KeyMatcherBuilder builder)
    {
        JsonProperty? only = null;
        foreach (var property in item.EnumerateObject())
        {
            if (only is not null)
            {
                throw Fail("Only one key allowed in match expression");
            }

            only = property;
        }

        if (only is not { } op)
        {
            throw Fail("Empty objects are not allowed");
        }

        var value = op.Value;
        switch (op.Name)
        {
            case "exactly":
                builder.AddExactString(RequireString(value, "exactly match pattern must be a string"));
                break;
            case "prefix":
            case "suffix":
                ReadPrefixOrSuffix(op.Name, value, builder);
                break;
            case "equals-ignore-case":
                builder.AddEqualsIgnoringCase(RequireString(value, "equals-ignore-case match pattern must be a string"));
                break;
            case "wildcard" when !IsSns:
                builder.AddWildcard(ParseWildcard(RequireString(value, "wildcard match pattern must be a string")));
                break;
            case "anything-but":
                builder.AddAnythingBut(ReadAnythingBut(value));
                break;
            case "numeric":
                builder.AddRange(ReadNumeric(value));
                break;
            case "exists":
                builder.AddExists(value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Fail("exists match pattern must be either true or false."),
                });
                break;
            case "cidr":
                var cidr = CidrRange.TryParse(RequireString(value, "prefix match pattern must be a string"), out var error);
                builder.AddCidr(cidr ?? throw Fail(error!));
                break;
            default:
                throw Fail("Unrecognized match type " + op.Name);
        }
    }

    private void ReadPrefixOrSuffix(string name, JsonElement value, KeyMatcherBuilder builder)
    {
        var isPrefix = name == "prefix";
        if (value.ValueKind == JsonValueKind.Object && SingleProperty(value) is { Name: "equals-ignore-case" } inner)
        {
            if (IsSns)
            {
                throw Fail("Unrecognized match type equals-ignore-case");
            }

            var text = RequireString(inner.Value, "equals-ignore-case match pattern must be a string");
            if (isPrefix)
            {
                builder.AddPrefix(text, ignoreCase: true);
            }
            else
            {
                builder.AddSuffix(text, ignoreCase: true);
            }

            return;
        }

        var literal = RequireString(value, name + " match pattern must be a string");
        if (isPrefix)
        {
            builder.AddPrefix(literal, ignoreCase: false);
        }
        else
        {
            builder.AddSuffix(literal, ignoreCase: false);
        }
    }

    private AnythingBut ReadAnythingBut(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return new AnythingBut { ExcludedStrings = new HashSet<string>(StringComparer.Ordinal) { value.GetString()! } };
            case JsonValueKind.Number:
                return ExcludeNumbers([value]);
            case JsonValueKind.Array:
                return ReadAnythingButList(value);
            case JsonValueKind.Object:
                return ReadAnythingButOperator(value);
            default:
                throw Fail("Value of anything-but must be an array or single string/number value.");
        }
    }

    private AnythingBut ReadAnythingButList(JsonElement array)
    {
        var strings = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new List<JsonElement>();
        foreach (var item in array.EnumerateArray())
        {
            switch (item.ValueKind)
            {
                case JsonValueKind.String:
                    strings.Add(item.GetString()!);
                    break;
                case JsonValueKind.Number:
                    numbers.Add(item);
                    break;
                default:
                    throw Fail("Inside anything but list, start|null|boolean is not supported.");
            }

            if (strings.Count > 0 && numbers.Count > 0)
            {
                throw Fail("Inside anything but list, either all values are number or string, mixed type is not supported");
            }
        }

        if (strings.Count == 0 && numbers.Count == 0)
        {
            throw Fail("Empty arrays are not allowed");
        }

        return numbers.Count > 0 ? ExcludeNumbers(numbers) : new AnythingBut { ExcludedStrings = strings };
    }

    private static AnythingBut ExcludeNumbers(List<JsonElement> numbers)
    {
        var set = new HashSet<double>();
        foreach (var number in numbers)
        {
            if (NumberText.TryParseComparable(number.GetRawText(), out var parsed))
            {
                set.Add(parsed);
            }
        }

        return new AnythingBut { ExcludedNumbers = set };
    }

    private AnythingBut ReadAnythingButOperator(JsonElement value)
    {
        if (SingleProperty(value) is not { } op)
        {
            throw Fail(value.EnumerateObject().Any() ? "Only one key allowed in match expression" : "Empty objects are not allowed");
        }

        if (IsSns && op.Name != "prefix")
        {
            throw Fail("Unsupported anything-but pattern: " + op.Name);
        }

        switch (op.Name)
        {
            case "prefix":
            case "suffix":
                var affixes = ReadStringOrList(op.Value, "prefix/suffix match pattern must be a string", "prefix/suffix match pattern must be a string");
                foreach (var affix in affixes)
                {
                    if (affix.Length == 0)
                    {
                        throw Fail("Null prefix/suffix not allowed");
                    }
                }

                return op.Name == "prefix" ? new AnythingBut { ExcludedPrefixes = affixes } : new AnythingBut { ExcludedSuffixes = affixes };
            case "equals-ignore-case":
                return new AnythingBut
                {
                    // Ruler refuses a lone number, null or boolean here with its list message too.
                    ExcludedIgnoringCase = ReadStringOrList(
                        op.Value,
                        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
                        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."),
                };
            case "wildcard":
                var patterns = ReadStringOrList(op.Value, "wildcard match pattern must be a string", "wildcard match pattern must be a string");
                return new AnythingBut { ExcludedWildcards = [.. patterns.Select(ParseWildcard)] };
            default:
                throw Fail("Unsupported anything-but pattern: " + op.Name);
        }
    }

    private string[] ReadStringOrList(JsonElement value, string notString, string badElement)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return [value.GetString()!];
            case JsonValueKind.Array:
                var list = new List<string>();
                foreach (var item in value.EnumerateArray())
                {
                    list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Fail(badElement));
                }

                return list.Count > 0 ? [.. list] : throw Fail("Empty arrays are not allowed");
            case JsonValueKind.Object:
                throw Fail("Value of anything-but must be an array or single string/number value.");
            default:
                throw Fail(notString);
        }
    }

    private WildcardPattern ParseWildcard(string text)
    {
        var pattern = WildcardPattern.TryParse(text, out var error) ?? throw Fail(error!);
        if (pattern.StarCount > 0 && pattern.Complexity(MaxWildcardComplexity) > MaxWildcardComplexity)
        {
            throw Fail(TooComplex);
        }

        return pattern;
    }

    private string RequireString(JsonElement value, string message) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Fail(message);

    private static JsonProperty? SingleProperty(JsonElement value)
    {
        JsonProperty? only = null;
        foreach (var property in value.EnumerateObject())
        {
            if (only is not null)
            {
                return null;
            }

            only = property;
        }

        return only;
    }
}
