using System.Diagnostics;
using Broker.Queues;

namespace Broker.Hosting.Internal;

/// <summary>
/// The <see cref="ActivitySource"/> named "Broker" and the W3C trace-context propagation through message attributes:
/// a typed producer writes <c>traceparent</c> (and <c>tracestate</c> when there is one) as String message attributes,
/// and a consumer starts its processing activity with that context as parent. The attribute names are the ones
/// OpenTelemetry's AWS SDK instrumentation uses for SQS and SNS, so traces also join code written for AWS.
/// </summary>
internal static class BrokerTracing
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string SourceName = "Broker";

    /// <summary>The message attribute that carries the W3C <c>traceparent</c>.</summary>
    public const string TraceParentAttribute = "traceparent";

    /// <summary>The message attribute that carries the W3C <c>tracestate</c>.</summary>
    public const string TraceStateAttribute = "tracestate";

    /// <summary>SQS and SNS allow at most this many message attributes; propagation never pushes a message over it.</summary>
    private const int MaxMessageAttributes = 10;

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// Starts a producer activity named <c>{destination} {operation}</c> (for example <c>orders send</c>) when anyone
    /// listens, and returns it; null when nobody listens.
    /// </summary>
    public static Activity? StartProducer(string destination, string operation)
    {
        var activity = Source.StartActivity($"{destination} {operation}", ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "broker");
            activity.SetTag("messaging.operation.type", operation);
            activity.SetTag("messaging.destination.name", destination);
        }

        return activity;
    }

    /// <summary>
    /// Returns <paramref name="attributes"/> with the current trace context added, or <paramref name="attributes"/>
    /// itself when there is no current activity, when the caller already set <c>traceparent</c>, or when adding it would
    /// exceed the ten attributes SQS and SNS allow (the message matters more than its trace).
    /// </summary>
    public static IReadOnlyDictionary<string, MessageAttributeValue>? Inject(
        Activity? activity, IReadOnlyDictionary<string, MessageAttributeValue>? attributes)
    {
        activity ??= Activity.Current;
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C)
        {
            return attributes;
        }

        var count = attributes?.Count ?? 0;
        var state = activity.TraceStateString;
        var needed = string.IsNullOrEmpty(state) ? 1 : 2;
        if (attributes is not null && attributes.ContainsKey(TraceParentAttribute))
        {
            return attributes;
        }

        if (count + needed > MaxMessageAttributes)
        {
            return attributes;
        }

        var withTrace = new Dictionary<string, MessageAttributeValue>(count + needed, StringComparer.Ordinal);
        if (attributes is not null)
        {
            foreach (var (name, value) in attributes)
            {
                withTrace[name] = value;
            }
        }

        withTrace[TraceParentAttribute] = MessageAttributeValue.FromString(activity.Id!);
        if (!string.IsNullOrEmpty(state))
        {
            withTrace[TraceStateAttribute] = MessageAttributeValue.FromString(state);
        }

        return withTrace;
    }

    /// <summary>Reads the trace context a producer wrote into the message attributes, if any.</summary>
    public static bool TryExtract(IReadOnlyDictionary<string, MessageAttributeValue>? attributes, out ActivityContext context)
    {
        context = default;
        if (attributes is null || !attributes.TryGetValue(TraceParentAttribute, out var parent) || parent.StringValue is null)
        {
            return false;
        }

        string? state = attributes.TryGetValue(TraceStateAttribute, out var stateValue) ? stateValue.StringValue : null;
        return ActivityContext.TryParse(parent.StringValue, state, isRemote: true, out context);
    }

    /// <summary>
    /// Starts a consumer activity named <c>{source} process</c> whose parent is the producer's context when the message
    /// carries one; null when nobody listens.
    /// </summary>
    public static Activity? StartConsumer(string source, IReadOnlyDictionary<string, MessageAttributeValue>? attributes)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = TryExtract(attributes, out var parent)
            ? Source.StartActivity($"{source} process", ActivityKind.Consumer, parent)
            : Source.StartActivity($"{source} process", ActivityKind.Consumer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "broker");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", source);
        }

        return activity;
    }
}
