using System.Globalization;
using System.Net;
using System.Text.Json;
using Broker.Queues;

namespace Broker.Tests.Filtering.Reference;

/// <summary>
/// A plain tree-walking interpreter of SNS filter policies and EventBridge patterns, written from the semantics document
/// and the contract, independent of the engine. It favours obviousness over speed: the policy is expanded into its
/// <c>$or</c> sub-rules, the body into its leaves (each leaf remembering which element of which array it sits in), and a
/// sub-rule matches when one leaf per key can be chosen that satisfies the key's conditions without two chosen leaves
/// disagreeing about the element of an array they share (array consistency). It assumes a valid policy.
/// </summary>
internal static class ReferenceFilter
{
    /// <summary>Attribute-scope matching: a message without attributes matches nothing; Binary attributes are absent.</summary>
    public static bool Matches(string policyJson, IReadOnlyDictionary<string, MessageAttributeValue>? attributes)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return false;
        }

        using var policy = JsonDocument.Parse(policyJson);
        foreach (var subRule in SubRules(policy.RootElement, prefix: ""))
        {
            if (subRule.All(condition => AttributeSatisfies(condition, attributes)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Body-scope matching: the body must be a JSON object; anything else matches nothing.</summary>
    public static bool Matches(string policyJson, string body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var leaves = new List<Leaf>();
            var nextArrayId = 0;
            CollectLeaves(document.RootElement, "", [], leaves, ref nextArrayId);
            using var policy = JsonDocument.Parse(policyJson);
            return SubRules(policy.RootElement, prefix: "").Any(subRule => BodySatisfies(subRule, leaves));
        }
    }

    /// <summary>One key of a sub-rule: its dotted path and the JSON array of conditions, any of which may hold.</summary>
    private sealed record KeyCondition(string Path, JsonElement Conditions);

    /// <summary>A scalar of the body, its dotted path and the (array, element index) pairs on the way to it.</summary>
    private sealed record Leaf(string Path, Value Value, (int ArrayId, int Index)[] Coordinates);

    private enum Kind
    {
        String,
        Number,
        True,
        False,
        Null,
    }

    /// <summary>A message value: a string, a number (numeric when its text has at most 17 significant digits), a boolean or null.</summary>
    private sealed record Value(Kind Kind, string Text, double? Numeric)
    {
        public static Value FromJson(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => new Value(Kind.String, element.GetString()!, null),
            JsonValueKind.Number => NumberFromText(element.GetRawText()),
            JsonValueKind.True => new Value(Kind.True, "true", null),
            JsonValueKind.False => new Value(Kind.False, "false", null),
            _ => new Value(Kind.Null, "null", null),
        };

        public static Value NumberFromText(string text)
        {
            var numeric = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
                && double.IsFinite(parsed) && SignificantDigits(text) <= 17;
            return new Value(Kind.Number, text, numeric ? parsed : null);
        }

        private static int SignificantDigits(string text)
        {
            var mantissa = text.Split('e', 'E')[0].TrimStart('-', '+').Replace(".", "", StringComparison.Ordinal).TrimStart('0');
            return mantissa.TrimEnd('0').Length;
        }
    }

    // ----- the policy: $or expanded into conjunctive sub-rules --------------------------------------------------------

    private static List<List<KeyCondition>> SubRules(JsonElement policyObject, string prefix)
    {
        // Last duplicate key wins.
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var property in policyObject.EnumerateObject())
        {
            if (!members.ContainsKey(property.Name))
            {
                order.Add(property.Name);
            }

            members[property.Name] = property.Value;
        }

        List<List<KeyCondition>> result = [[]];
        foreach (var name in order)
        {
            var value = members[name];
            List<List<KeyCondition>> alternatives;
            if (name == "$or")
            {
                alternatives = value.EnumerateArray().SelectMany(branch => SubRules(branch, prefix)).ToList();
            }
            else if (value.ValueKind == JsonValueKind.Object)
            {
                alternatives = SubRules(value, prefix + name + ".");
            }
            else
            {
                alternatives = [[new KeyCondition(prefix + name, value)]];
            }

            result = result.SelectMany(left => alternatives.Select(right => left.Concat(right).ToList())).ToList();
        }

        return result;
    }

    // ----- attribute scope ---------------------------------------------------------------------------------------------

    private static bool AttributeSatisfies(KeyCondition key, IReadOnlyDictionary<string, MessageAttributeValue> attributes)
    {
        var present = attributes.TryGetValue(key.Path, out var attribute) && !attribute.DataType.StartsWith("Binary", StringComparison.Ordinal);
        var values = present ? AttributeValues(attribute!) : [];
        foreach (var condition in key.Conditions.EnumerateArray())
        {
            if (IsExists(condition, out var mustExist))
            {
                if (mustExist == present)
                {
                    return true;
                }

                continue;
            }

            if (condition.ValueKind == JsonValueKind.Null)
            {
                continue; // null never matches in attribute scope.
            }

            if (values.Any(value => Satisfies(condition, value)))
            {
                return true;
            }
        }

        return false;
    }

    private static List<Value> AttributeValues(MessageAttributeValue attribute)
    {
        var text = attribute.StringValue ?? "";
        if (attribute.DataType == "String.Array")
        {
            using var array = JsonDocument.Parse(text);
            return array.RootElement.EnumerateArray().Select(Value.FromJson).ToList();
        }

        return attribute.DataType.StartsWith("Number", StringComparison.Ordinal)
            ? [Value.NumberFromText(text)]
            : [new Value(Kind.String, text, null)];
    }

    // ----- body scope ----------------------------------------------------------------------------------------------------

    private static void CollectLeaves(JsonElement element, string path, (int, int)[] coordinates, List<Leaf> leaves, ref int nextArrayId)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    CollectLeaves(property.Value, path.Length == 0 ? property.Name : path + "." + property.Name, coordinates, leaves, ref nextArrayId);
                }

                break;
            case JsonValueKind.Array:
                var arrayId = nextArrayId++;
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CollectLeaves(item, path, [.. coordinates, (arrayId, index)], leaves, ref nextArrayId);
                    index++;
                }

                break;
            default:
                leaves.Add(new Leaf(path, Value.FromJson(element), coordinates));
                break;
        }
    }

    private static bool BodySatisfies(List<KeyCondition> subRule, List<Leaf> leaves)
    {
        // For each key, the ways it can be satisfied: a leaf that meets a condition (binding that leaf's array
        // elements), or, for exists:false, the absence of any leaf on that path (binding nothing).
        var options = new List<List<Leaf?>>();
        foreach (var key in subRule)
        {
            var onPath = leaves.Where(leaf => leaf.Path == key.Path).ToList();
            var ways = new List<Leaf?>();
            foreach (var leaf in onPath)
            {
                if (key.Conditions.EnumerateArray().Any(condition => IsExists(condition, out var mustExist) ? mustExist : Satisfies(condition, leaf.Value)))
                {
                    ways.Add(leaf);
                }
            }

            if (onPath.Count == 0 && key.Conditions.EnumerateArray().Any(condition => IsExists(condition, out var mustExist) && !mustExist))
            {
                ways.Add(null);
            }

            if (ways.Count == 0)
            {
                return false;
            }

            options.Add(ways);
        }

        return Choose(options, 0, new Dictionary<int, int>());
    }

    private static bool Choose(List<List<Leaf?>> options, int key, Dictionary<int, int> chosenElements)
    {
        if (key == options.Count)
        {
            return true;
        }

        foreach (var leaf in options[key])
        {
            if (leaf is null)
            {
                if (Choose(options, key + 1, chosenElements))
                {
                    return true;
                }

                continue;
            }

            if (leaf.Coordinates.Any(c => chosenElements.TryGetValue(c.ArrayId, out var index) && index != c.Index))
            {
                continue;
            }

            var added = leaf.Coordinates.Where(c => !chosenElements.ContainsKey(c.ArrayId)).ToList();
            foreach (var (arrayId, index) in added)
            {
                chosenElements[arrayId] = index;
            }

            var found = Choose(options, key + 1, chosenElements);
            foreach (var (arrayId, _) in added)
            {
                chosenElements.Remove(arrayId);
            }

            if (found)
            {
                return true;
            }
        }

        return false;
    }

    // ----- one condition against one value -----------------------------------------------------------------------------

    private static bool IsExists(JsonElement condition, out bool mustExist)
    {
        mustExist = false;
        if (condition.ValueKind == JsonValueKind.Object && condition.TryGetProperty("exists", out var exists))
        {
            mustExist = exists.ValueKind == JsonValueKind.True;
            return true;
        }

        return false;
    }

    private static bool Satisfies(JsonElement condition, Value value)
    {
        switch (condition.ValueKind)
        {
            case JsonValueKind.String:
                return value.Kind == Kind.String && value.Text == condition.GetString();
            case JsonValueKind.Number:
                return value.Kind == Kind.Number
                    && (value.Numeric is { } number ? number == condition.GetDouble() : value.Text == condition.GetRawText());
            case JsonValueKind.True:
                return value.Kind == Kind.True;
            case JsonValueKind.False:
                return value.Kind == Kind.False;
            case JsonValueKind.Null:
                return value.Kind == Kind.Null;
        }

        var operation = condition.EnumerateObject().Single();
        var operand = operation.Value;
        var text = value.Kind == Kind.String ? value.Text : null;
        return operation.Name switch
        {
            "prefix" => text is not null && StringTest(operand, text, (t, p, c) => t.StartsWith(p, c)),
            "suffix" => text is not null && StringTest(operand, text, (t, s, c) => t.EndsWith(s, c)),
            "equals-ignore-case" => text is not null && string.Equals(text, operand.GetString(), StringComparison.OrdinalIgnoreCase),
            "wildcard" => text is not null && Wildcard(operand.GetString()!, text),
            "numeric" => value.Numeric is { } n && NumericHolds(operand, n),
            "cidr" => text is not null && InCidr(operand.GetString()!, text),
            "anything-but" => !Excluded(operand, value),
            _ => throw new InvalidOperationException("reference does not know " + operation.Name),
        };
    }

    /// <summary>prefix/suffix given as a string, or as <c>{"equals-ignore-case": s}</c>.</summary>
    private static bool StringTest(JsonElement operand, string text, Func<string, string, StringComparison, bool> test) =>
        operand.ValueKind == JsonValueKind.String
            ? test(text, operand.GetString()!, StringComparison.Ordinal)
            : test(text, operand.GetProperty("equals-ignore-case").GetString()!, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether anything-but's operand excludes the value: only values of the operand's own kind can be excluded.</summary>
    private static bool Excluded(JsonElement operand, Value value)
    {
        switch (operand.ValueKind)
        {
            case JsonValueKind.String:
                return value.Kind == Kind.String && value.Text == operand.GetString();
            case JsonValueKind.Number:
                return value.Numeric is { } n && n == operand.GetDouble();
            case JsonValueKind.Array:
                return operand.EnumerateArray().Any(item => Excluded(item, value));
        }

        if (value.Kind != Kind.String)
        {
            return false;
        }

        var operation = operand.EnumerateObject().Single();
        var patterns = operation.Value.ValueKind == JsonValueKind.Array
            ? operation.Value.EnumerateArray().Select(p => p.GetString()!).ToList()
            : [operation.Value.GetString()!];
        return operation.Name switch
        {
            "prefix" => patterns.Any(p => value.Text.StartsWith(p, StringComparison.Ordinal)),
            "suffix" => patterns.Any(p => value.Text.EndsWith(p, StringComparison.Ordinal)),
            "equals-ignore-case" => patterns.Any(p => string.Equals(value.Text, p, StringComparison.OrdinalIgnoreCase)),
            "wildcard" => patterns.Any(p => Wildcard(p, value.Text)),
            _ => throw new InvalidOperationException("reference does not know anything-but " + operation.Name),
        };
    }

    private static bool NumericHolds(JsonElement expression, double value)
    {
        var terms = expression.EnumerateArray().ToList();
        for (var i = 0; i < terms.Count; i += 2)
        {
            var bound = terms[i + 1].GetDouble();
            var holds = terms[i].GetString() switch
            {
                "=" => value == bound,
                "<" => value < bound,
                "<=" => value <= bound,
                ">" => value > bound,
                ">=" => value >= bound,
                var other => throw new InvalidOperationException("reference does not know numeric " + other),
            };
            if (!holds)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>*</c> matches any run of characters; <c>\*</c> is a literal star and <c>\\</c> a literal backslash.</summary>
    private static bool Wildcard(string pattern, string text)
    {
        var tokens = new List<char?>(); // null = star
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\')
            {
                tokens.Add(pattern[++i]);
            }
            else
            {
                tokens.Add(pattern[i] == '*' ? null : pattern[i]);
            }
        }

        // matches[t, c]: tokens[t..] match text[c..]
        var matches = new bool[tokens.Count + 1, text.Length + 1];
        matches[tokens.Count, text.Length] = true;
        for (var t = tokens.Count - 1; t >= 0; t--)
        {
            for (var c = text.Length; c >= 0; c--)
            {
                matches[t, c] = tokens[t] is { } literal
                    ? c < text.Length && text[c] == literal && matches[t + 1, c + 1]
                    : matches[t + 1, c] || (c < text.Length && matches[t, c + 1]);
            }
        }

        return matches[0, 0];
    }

    private static bool InCidr(string cidr, string text)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        var network = IPAddress.Parse(cidr[..slash]).GetAddressBytes();
        var bits = int.Parse(cidr[(slash + 1)..], CultureInfo.InvariantCulture);
        if (!TryParseStrictIp(text, out var address) || address.Length != network.Length)
        {
            return false;
        }

        for (var bit = 0; bit < bits; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((network[bit / 8] & mask) != (address[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Dotted-quad IPv4 or plain IPv6; no shorthand IPv4 forms, no scope ids.</summary>
    private static bool TryParseStrictIp(string text, out byte[] address)
    {
        address = [];
        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (text.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var v6))
            {
                return false;
            }

            address = v6.GetAddressBytes();
            return true;
        }

        var parts = text.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || int.Parse(p, CultureInfo.InvariantCulture) > 255))
        {
            return false;
        }

        address = parts.Select(p => byte.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return true;
    }
}
