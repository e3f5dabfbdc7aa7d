using System.Text;
using Broker.Filtering;
using Broker.Queues;

namespace Broker.Tests.Filtering;

/// <summary>Short ways to parse a policy and match it, so each test reads as policy, message, verdict.</summary>
internal static class Filters
{
    /// <summary>Turns single quotes into double quotes, so JSON reads cleanly inside C# attributes.</summary>
    public static string J(string singleQuoted) => singleQuoted.Replace('\'', '"');

    /// <summary>Parses <paramref name="policy"/> in attribute scope and matches it against the given attributes.</summary>
    public static bool Attributes(string policy, params (string Name, string DataType, string Value)[] attributes) =>
        FilterPolicy.Parse(policy).Matches(ToAttributes(attributes));

    /// <summary>Parses <paramref name="policy"/> in body scope with the SNS dialect and matches it against <paramref name="body"/>.</summary>
    public static bool Body(string policy, string body) =>
        FilterPolicy.Parse(policy, FilterPolicyScope.MessageBody).Matches(body);

    /// <summary>Parses <paramref name="pattern"/> as an EventBridge event pattern and matches it against <paramref name="eventJson"/>.</summary>
    public static bool Event(string pattern, string eventJson) =>
        FilterPolicy.Parse(pattern, FilterPolicyScope.MessageBody, FilterDialect.EventBridge).Matches(eventJson);

    /// <summary>
    /// Builds SNS message attributes. <c>Binary</c> (and <c>Binary.x</c>) values are given as text and stored as its UTF-8
    /// bytes; <c>Number</c>, <c>String</c> and <c>String.Array</c> values are stored as given.
    /// </summary>
    public static Dictionary<string, MessageAttributeValue> ToAttributes(params (string Name, string DataType, string Value)[] attributes)
    {
        var result = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
        foreach (var (name, dataType, value) in attributes)
        {
            result[name] = dataType switch
            {
                _ when dataType.StartsWith("Binary", StringComparison.Ordinal) => MessageAttributeValue.FromBinary(Encoding.UTF8.GetBytes(value), dataType),
                _ when dataType.StartsWith("Number", StringComparison.Ordinal) => MessageAttributeValue.FromNumber(value, dataType),
                _ => MessageAttributeValue.FromString(value, dataType),
            };
        }

        return result;
    }

    /// <summary>Parses and expects a <see cref="BrokerException"/>, returning it.</summary>
    public static BrokerException Rejects(string policy, FilterPolicyScope scope = FilterPolicyScope.MessageAttributes, FilterDialect dialect = FilterDialect.Sns) =>
        Assert.Throws<BrokerException>(() => FilterPolicy.Parse(policy, scope, dialect));
}
