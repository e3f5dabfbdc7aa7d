namespace Broker.Filtering.Internal;

/// <summary>A parsed policy before <c>$or</c> expansion: an object, a <c>$or</c> array, or a key's value list.</summary>
internal abstract class PolicyNode;

/// <summary>A policy object. A repeated key replaces the earlier one in place (Ruler's last-wins default).</summary>
internal sealed class FieldsNode : PolicyNode
{
    public List<KeyValuePair<string, PolicyNode>> Fields { get; } = [];

    public void Set(string name, PolicyNode value)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            if (string.Equals(Fields[i].Key, name, StringComparison.Ordinal))
            {
                Fields[i] = new(name, value);
                return;
            }
        }

        Fields.Add(new(name, value));
    }
}

/// <summary>A <c>$or</c>: two or more alternative objects.</summary>
internal sealed class OrNode(List<FieldsNode> branches) : PolicyNode
{
    public List<FieldsNode> Branches { get; } = branches;
}

/// <summary>A key's array of patterns.</summary>
internal sealed class MatchNode(KeyMatcherBuilder builder) : PolicyNode
{
    public KeyMatcher Matcher { get; } = builder.Build();

    public int ValueCount { get; } = builder.ValueCount;
}
