using Broker.Queues;

namespace Broker.Filtering.Internal;

/// <summary>
/// A policy compiled once: its sub-rules (the <c>$or</c> expansion), each a list of (path, <see cref="KeyMatcher"/>)
/// conditions, and for body scope the table of paths it reads. A message matches if any sub-rule holds. Immutable.
/// </summary>
internal sealed partial class CompiledPolicy(FilterPolicyScope scope)
{
    public FilterPolicyScope Scope { get; } = scope;

    public SubRule[] SubRules { get; private set; } = [];

    /// <summary>The body paths the policy reads, with the ids its conditions carry.</summary>
    public PathTable Paths { get; private set; } = PathTable.Empty;

    /// <summary>The empty policy <c>{}</c>, which filters nothing out.</summary>
    public bool MatchesEverything => SubRules.Length == 0;

    public void Initialize(SubRule[] subRules, PathTable paths)
    {
        SubRules = subRules;
        Paths = paths;
    }

    public bool MatchesAttributes(IReadOnlyDictionary<string, MessageAttributeValue>? attributes)
    {
        if (MatchesEverything)
        {
            return true;
        }

        if (attributes is null || attributes.Count == 0)
        {
            return false; // SNS: a message without attributes matches no attribute policy, not even exists:false
        }

        foreach (var subRule in SubRules)
        {
            if (MatchesAttributes(subRule, attributes))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One sub-rule against a non-empty attribute set.</summary>
    public static bool MatchesAttributes(SubRule subRule, IReadOnlyDictionary<string, MessageAttributeValue> attributes)
    {
        foreach (var condition in subRule.Conditions)
        {
            if (!MatchesAttribute(condition.Matcher, attributes.GetValueOrDefault(condition.Path)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MatchesAttribute(KeyMatcher matcher, MessageAttributeValue? attribute)
    {
        if (attribute?.StringValue is not { } text || IsBinary(attribute.DataType))
        {
            return matcher.ExistsFalse;
        }

        if (matcher.ExistsTrue)
        {
            return true;
        }

        var type = attribute.DataType;
        if (type == "String.Array")
        {
            using var elements = new StringArrayElements(text);
            while (elements.MoveNext(out var element))
            {
                if (matcher.Matches(element, attributeScope: true))
                {
                    return true;
                }
            }

            return false;
        }

        var value = IsNumber(type) ? LeafValue.FromNumberText(text) : LeafValue.FromString(text);
        return matcher.Matches(value, attributeScope: true);
    }

    internal static bool IsBinary(string dataType) =>
        dataType.StartsWith("Binary", StringComparison.Ordinal) && (dataType.Length == 6 || dataType[6] == '.');

    internal static bool IsNumber(string dataType) =>
        dataType.StartsWith("Number", StringComparison.Ordinal) && (dataType.Length == 6 || dataType[6] == '.');
}
