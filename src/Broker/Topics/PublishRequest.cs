using Broker.Queues;

namespace Broker.Topics;

/// <summary>One message to publish to a topic (SNS: Publish).</summary>
public sealed class PublishRequest
{
    /// <summary>A message with the given body.</summary>
    /// <param name="message">The body: non-empty text, at most 256 KiB of UTF-8 with the attributes.</param>
    public PublishRequest(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Message = message;
    }

    /// <summary>The body. With <see cref="MessageStructure"/> <c>json</c>, a JSON object of bodies per protocol.</summary>
    public string Message { get; }

    /// <summary>
    /// A subject for the envelope's <c>Subject</c> field: at most 100 printable ASCII characters, no line breaks.
    /// Default <see langword="null"/>.
    /// </summary>
    public string? Subject { get; init; }

    /// <summary>
    /// Attributes of type <c>String</c>, <c>String.Array</c> (a JSON array as text), <c>Number</c> or <c>Binary</c>;
    /// they count toward the 256 KiB limit and are what attribute-scope filter policies see.
    /// </summary>
    public IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes { get; init; }

    /// <summary>
    /// <c>json</c> to give a body per protocol: <see cref="Message"/> is then a JSON object with a <c>default</c> body and
    /// optional <c>sqs</c> (queue subscribers) and <c>lambda</c> (handler subscribers) bodies. Default <see langword="null"/>.
    /// </summary>
    public string? MessageStructure { get; init; }

    /// <summary>FIFO topics: the message group, required; 1 to 128 characters.</summary>
    public string? MessageGroupId { get; init; }

    /// <summary>FIFO topics: the deduplication id, required unless the topic has content-based deduplication.</summary>
    public string? MessageDeduplicationId { get; init; }
}

/// <summary>The outcome of a publish.</summary>
public readonly record struct PublishResult
{
    /// <summary>A result.</summary>
    /// <param name="messageId">The message's id.</param>
    /// <param name="sequenceNumber">The FIFO sequence number, or <see langword="null"/>.</param>
    public PublishResult(string messageId, string? sequenceNumber)
    {
        source = messageId;
        SequenceNumber = sequenceNumber;
    }

    /// <summary>A standard topic's result: the id is formatted from the message when first read.</summary>
    internal PublishResult(Internal.PublishedMessage message)
    {
        source = message;
    }

    /// <summary>A standard topic's result for a publish whose message no delivery kept: the id is formatted when read.</summary>
    internal PublishResult(Guid messageGuid)
    {
        this.messageGuid = messageGuid;
    }

    /// <summary>The id's text, the message it is formatted from, or null (<see cref="messageGuid"/>, or a default result).</summary>
    private readonly object? source;
    private readonly Guid messageGuid;

    /// <summary>The message's id (a UUID), the same in every subscriber's envelope and on every retry.</summary>
    public string MessageId => source switch
    {
        string text => text,
        Internal.PublishedMessage message => message.MessageId,
        _ => messageGuid == Guid.Empty ? string.Empty : messageGuid.ToString(),
    };

    /// <summary>FIFO topics: the 20-digit sequence number, increasing in publish order; <see langword="null"/> otherwise.</summary>
    public string? SequenceNumber { get; }
}
