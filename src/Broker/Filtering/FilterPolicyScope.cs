namespace Broker.Filtering;

/// <summary>
/// What a filter policy is matched against, as SNS's <c>FilterPolicyScope</c> subscription attribute.
/// </summary>
public enum FilterPolicyScope
{
    /// <summary>The message attributes (SNS's default). Policies in this scope cannot nest objects.</summary>
    MessageAttributes = 0,

    /// <summary>The message body, which must be a JSON object; nested policy objects mirror the body's structure.</summary>
    MessageBody = 1,
}
