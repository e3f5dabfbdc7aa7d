// TEMPORARY STUB (not committed): replaced by the filter-engine branch.
using Broker.Queues;

namespace Broker.Filtering;

/// <summary>Stub.</summary>
public sealed class FilterPolicy
{
    private FilterPolicy(string json, FilterPolicyScope scope, FilterDialect dialect)
    {
        Json = json;
        Scope = scope;
        Dialect = dialect;
    }

    /// <summary>Stub.</summary>
    public string Json { get; }

    /// <summary>Stub.</summary>
    public FilterPolicyScope Scope { get; }

    /// <summary>Stub.</summary>
    public FilterDialect Dialect { get; }

    /// <summary>Stub.</summary>
    /// <param name="json">j.</param>
    /// <param name="scope">s.</param>
    /// <param name="dialect">d.</param>
    /// <returns>p.</returns>
    public static FilterPolicy Parse(string json, FilterPolicyScope scope = FilterPolicyScope.MessageAttributes, FilterDialect dialect = FilterDialect.Sns)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new FilterPolicy(json, scope, dialect);
    }

    /// <summary>Stub.</summary>
    /// <param name="messageAttributes">a.</param>
    /// <returns>m.</returns>
    public bool Matches(IReadOnlyDictionary<string, MessageAttributeValue>? messageAttributes) => messageAttributes is not null && Json.Length > 0;

    /// <summary>Stub.</summary>
    /// <param name="utf8Json">b.</param>
    /// <returns>m.</returns>
    public bool Matches(ReadOnlySpan<byte> utf8Json) => utf8Json.Length > 0 && Json.Length > 0;
}
