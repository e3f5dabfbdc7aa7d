using System.Globalization;
using System.Text;
using Broker.Hosting.Serialization;
using Broker.Queues;

namespace Broker.Testing;

/// <summary>
/// One thing that flowed through the broker, as <see cref="BrokerTestHarness"/> recorded it: what happened, where, to
/// which message, with the message's bytes and attributes and the harness clock's time.
/// </summary>
public sealed class BrokerEvent
{
    private static readonly IReadOnlyDictionary<string, MessageAttributeValue> NoAttributes = new Dictionary<string, MessageAttributeValue>();
    private readonly Func<IMessageSerializer> serializer;
    private string? bodyText;

    internal BrokerEvent(
        long sequence,
        BrokerEventKind kind,
        string resource,
        string? endpoint,
        string messageId,
        ReadOnlyMemory<byte> body,
        IReadOnlyDictionary<string, MessageAttributeValue>? attributes,
        int receiveCount,
        DateTimeOffset timestamp,
        Func<IMessageSerializer> serializer)
    {
        Sequence = sequence;
        Kind = kind;
        Resource = resource;
        Endpoint = endpoint;
        MessageId = messageId;
        Body = body;
        Attributes = attributes ?? NoAttributes;
        ReceiveCount = receiveCount;
        Timestamp = timestamp;
        this.serializer = serializer;
    }

    /// <summary>The event's place in <see cref="BrokerTestHarness.Events"/>, from 1.</summary>
    public long Sequence { get; }

    /// <summary>What happened.</summary>
    public BrokerEventKind Kind { get; }

    /// <summary>The queue, topic or stream name (for <see cref="BrokerEventKind.DeadLettered"/>, the source queue).</summary>
    public string Resource { get; }

    /// <summary>
    /// For <see cref="BrokerEventKind.DeadLettered"/> the dead-letter queue's name; for <see cref="BrokerEventKind.Delivered"/>,
    /// <see cref="BrokerEventKind.FilteredOut"/> and <see cref="BrokerEventKind.Failed"/> the subscription's endpoint (a
    /// queue's ARN, or a handler's endpoint); for <see cref="BrokerEventKind.Put"/> the shard id; otherwise <see langword="null"/>.
    /// </summary>
    public string? Endpoint { get; }

    /// <summary>The message id (SQS or SNS), or for <see cref="BrokerEventKind.Put"/> the record's sequence number.</summary>
    public string MessageId { get; }

    /// <summary>The message's bytes: a queue message's body, a published message, a record's data.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The body decoded as UTF-8.</summary>
    public string BodyText => bodyText ??= Encoding.UTF8.GetString(Body.Span);

    /// <summary>Every message attribute the message carries (for a record, none); never null.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue> Attributes { get; }

    /// <summary>How many times the message had been received when this happened (0 for a send or a topic event).</summary>
    public int ReceiveCount { get; }

    /// <summary>When it happened, on the harness clock.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>
    /// The body deserialized with the host's <see cref="IMessageSerializer"/> (System.Text.Json outside a host). A
    /// method rather than an overload of <see cref="Body"/>: C# allows no method named as a property.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <returns>The message.</returns>
    public T GetBody<T>() => serializer().Deserialize<T>(Body);

    /// <summary>A one-line description for test output: kind, resource, endpoint, id and body text.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"#{Sequence} {Timestamp:O} {Kind} {Resource}{(Endpoint is null ? string.Empty : " -> " + Endpoint)} {MessageId} (receives {ReceiveCount}): {BodyText}");
}
