using System.Text.Json;

namespace Broker.Filtering.Internal;

/// <summary>
/// Reads a policy's JSON into a <see cref="FieldsNode"/> tree, validating as it goes with Ruler's messages
/// (JsonRuleCompiler). Errors come in document order, as Ruler's streaming parser finds them.
/// </summary>
internal sealed partial class PolicyParser
{
    /// <summary>Ruler's reserved field names, which may not be used as keys inside a <c>$or</c> branch.</summary>
    private static readonly HashSet<string> ReservedNames = new(StringComparer.Ordinal)
    {
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard", "numeric", "cidr",
        "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case", "date-after", "date-on-or-after",
        "date-before", "date-on-or-before", "in-date-range", "ip-address-in-range", "ip-address-not-in-range",
    };

    private readonly FilterDialect dialect;
    private readonly FilterPolicyScope scope;

    public PolicyParser(FilterDialect dialect, FilterPolicyScope scope)
    {
        this.dialect = dialect;
        this.scope = scope;
    }

    public FieldsNode Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        // JsonDocument.Parse(string) throws ArgumentException, not JsonException, for a lone surrogate.
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw PolicyErrors.NotJson(dialect, e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Fail("Filter is not an object");
            }

            try
            {
                return ReadObject(document.RootElement, depth: 1, allowEmpty: true);
            }
            catch (InvalidOperationException e)
            {
                // Well-formed JSON whose escapes decode to invalid UTF-16 (a lone surrogate such as "\ud800").
                throw PolicyErrors.NotJson(dialect, e);
            }
        }
    }

    private BrokerException Fail(string message) => PolicyErrors.Invalid(dialect, message);

    private FieldsNode ReadObject(JsonElement element, int depth, bool allowEmpty)
    {
        var node = new FieldsNode();
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            if (property.Name == "$or")
            {
                node.Set(property.Name, ReadOr(value, depth));
                continue;
            }

            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    if (scope == FilterPolicyScope.MessageAttributes)
                    {
                        throw Fail("Filter policy scope MessageAttributes does not support nested filter policy");
                    }

                    node.Set(property.Name, ReadObject(value, depth + 1, allowEmpty: false));
                    break;
                case JsonValueKind.Array:
                    node.Set(property.Name, ReadMatchArray(value));
                    break;
                default:
                    throw Fail("\"" + property.Name + "\" must be an object or an array");
            }
        }

        if (node.Fields.Count == 0 && !allowEmpty)
        {
            throw Fail("Empty objects are not allowed");
        }

        return node;
    }

    private OrNode ReadOr(JsonElement value, int depth)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Fail("It must be an Array followed with $or.");
        }

        var branches = new List<FieldsNode>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Fail("Only JSON object is allowed in array of $or relationship.");
            }

            foreach (var property in item.EnumerateObject())
            {
                if (ReservedNames.Contains(property.Name))
                {
                    throw Fail(property.Name + " is Ruler reserved fieldName which cannot be used inside $or.");
                }
            }

            branches.Add(ReadObject(item, depth, allowEmpty: false));
        }

        if (branches.Count < 2)
        {
            throw Fail("There must have at least 2 Objects in $or relationship.");
        }

        return new OrNode(branches);
    }

    private MatchNode ReadMatchArray(JsonElement array)
    {
        var builder = new KeyMatcherBuilder();
        foreach (var item in array.EnumerateArray())
        {
            builder.ValueCount++;
            switch (item.ValueKind)
            {
                case JsonValueKind.String:
                    builder.AddExactString(item.GetString()!);
                    break;
                case JsonValueKind.Number:
                    builder.AddExactNumber(item.GetRawText());
                    break;
                case JsonValueKind.True:
                    builder.AddTrue();
                    break;
                case JsonValueKind.False:
                    builder.AddFalse();
                    break;
                case JsonValueKind.Null:
                    builder.AddNull();
                    break;
                case JsonValueKind.Object:
                    ReadOperator(item, builder);
                    break;
                default:
                    throw Fail("Match value must be String, number, true, false, or null");
            }
        }

        if (builder.ValueCount == 0)
        {
            throw Fail("Empty arrays are not allowed");
        }

        return new MatchNode(builder);
    }
}
