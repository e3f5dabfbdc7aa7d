using System.Buffers;
using System.Text;
using Broker.Filtering.Internal;
using Broker.Queues;

namespace Broker.Filtering;

/// <summary>
/// An SNS subscription filter policy or an EventBridge event pattern, parsed, validated and compiled once.
/// <para>
/// The language is Amazon's (and aws/event-ruler's): AND across keys, OR within a key's array; exact strings and
/// numbers (<c>300</c> equals <c>300.0</c> and <c>3e2</c>, never the string <c>"300"</c>), <c>true</c>/<c>false</c>/<c>null</c>,
/// <c>prefix</c>, <c>suffix</c>, <c>equals-ignore-case</c>, <c>wildcard</c>, <c>anything-but</c>, <c>numeric</c>,
/// <c>exists</c>, <c>cidr</c> and <c>$or</c>. Invalid policies are rejected with the text AWS returns. Unlike AWS,
/// changes apply at once (SNS takes up to 15 minutes to propagate a policy).
/// </para>
/// </summary>
public sealed class FilterPolicy
{
    private readonly CompiledPolicy compiled;

    private FilterPolicy(string json, FilterPolicyScope scope, FilterDialect dialect, CompiledPolicy compiled)
    {
        Json = json;
        Scope = scope;
        Dialect = dialect;
        this.compiled = compiled;
    }

    /// <summary>The policy text as given to <see cref="Parse"/>.</summary>
    public string Json { get; }

    /// <summary>Whether the policy matches message attributes (SNS's default) or the message body.</summary>
    public FilterPolicyScope Scope { get; }

    /// <summary>The service whose operators, limits and error messages the policy follows.</summary>
    public FilterDialect Dialect { get; }

    internal CompiledPolicy Compiled => compiled;

    /// <summary>
    /// Parses, validates and compiles a policy. The empty object <c>{}</c> filters nothing out.
    /// </summary>
    /// <param name="json">The policy, a JSON object.</param>
    /// <param name="scope">What the policy is matched against; attribute policies cannot nest objects.</param>
    /// <param name="dialect">SNS (5 keys, 150 combinations, 256 KiB, a narrower operator set) or EventBridge (every operator).</param>
    /// <returns>The compiled policy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="BrokerException">
    /// The policy is invalid: for SNS <see cref="BrokerErrorCodes.InvalidParameter"/> with a message starting
    /// <c>Invalid parameter: FilterPolicy: </c>, for EventBridge <see cref="BrokerErrorCodes.InvalidEventPatternException"/>
    /// with one starting <c>Event pattern is not valid. Reason: </c>; the rest is Ruler's text, as AWS returns it.
    /// </exception>
    public static FilterPolicy Parse(string json, FilterPolicyScope scope = FilterPolicyScope.MessageAttributes, FilterDialect dialect = FilterDialect.Sns)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new FilterPolicy(json, scope, dialect, PolicyCompiler.Compile(json, scope, dialect));
    }

    /// <summary>
    /// Matches an attribute-scope policy against SNS message attributes. <c>Binary</c> attributes count as absent;
    /// <c>Number</c> attributes are numbers; a <c>String.Array</c> matches a key if any element does. A message with no
    /// attributes matches no policy except <c>{}</c>, not even <c>{"exists":false}</c>, as in SNS.
    /// </summary>
    /// <param name="messageAttributes">The message's attributes; null is the same as none.</param>
    /// <returns>True if the message passes the filter.</returns>
    /// <exception cref="InvalidOperationException">The policy's scope is <see cref="FilterPolicyScope.MessageBody"/>.</exception>
    public bool Matches(IReadOnlyDictionary<string, MessageAttributeValue>? messageAttributes)
    {
        if (Scope != FilterPolicyScope.MessageAttributes)
        {
            throw new InvalidOperationException("A MessageBody-scope filter policy is matched against a message body, not attributes.");
        }

        return compiled.MatchesAttributes(messageAttributes);
    }

    /// <summary>
    /// Matches a body-scope policy (or an EventBridge pattern) against a UTF-8 JSON document. Anything but a valid JSON
    /// object never matches. Arrays match element-wise and array-consistently; dots in keys join paths on both sides.
    /// </summary>
    /// <param name="utf8Json">The body or event, UTF-8 JSON.</param>
    /// <returns>True if the body passes the filter.</returns>
    /// <exception cref="InvalidOperationException">The policy's scope is <see cref="FilterPolicyScope.MessageAttributes"/>.</exception>
    public bool Matches(ReadOnlySpan<byte> utf8Json)
    {
        if (Scope != FilterPolicyScope.MessageBody)
        {
            throw new InvalidOperationException("A MessageAttributes-scope filter policy is matched against message attributes, not a body.");
        }

        return compiled.MatchesBody(utf8Json);
    }

    /// <summary>Matches a body-scope policy against a JSON document given as text. See <see cref="Matches(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="json">The body or event.</param>
    /// <returns>True if the body passes the filter.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The policy's scope is <see cref="FilterPolicyScope.MessageAttributes"/>.</exception>
    public bool Matches(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(json, buffer);
            return Matches(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The policy text, <see cref="Json"/>.</summary>
    /// <returns>The policy text.</returns>
    public override string ToString() => Json;
}
