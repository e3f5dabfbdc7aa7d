namespace Broker.Topics;

/// <summary>
/// The settings of a topic, standard or FIFO, with SNS's defaults. Pass to
/// <see cref="MessageBroker.CreateTopic(string, TopicOptions)"/>; creating a topic again with equal settings returns the
/// same topic, as SNS's CreateTopic is idempotent.
/// </summary>
public sealed record TopicOptions
{
    /// <summary>
    /// A FIFO topic: every publish names a message group, duplicates are dropped for 5 minutes, and each subscriber
    /// receives a group's messages in publish order. Fixed at creation; the name must end in <c>.fifo</c>.
    /// Default <see langword="false"/>. SNS: <c>FifoTopic</c>.
    /// </summary>
    public bool FifoTopic { get; init; }

    /// <summary>
    /// FIFO only: a publish without a deduplication id is deduplicated by the SHA-256 of its message body (attributes
    /// are not part of it). Default <see langword="false"/>. SNS: <c>ContentBasedDeduplication</c>.
    /// </summary>
    public bool ContentBasedDeduplication { get; init; }

    /// <summary>
    /// FIFO only: whether deduplication ids are unique across the whole topic (<see cref="FifoThroughputScope.Topic"/>,
    /// the default) or within each message group. SNS: <c>FifoThroughputScope</c>.
    /// </summary>
    public FifoThroughputScope FifoThroughputScope { get; init; }

    /// <summary>A human-readable name, at most 100 characters. Default <see langword="null"/>. SNS: <c>DisplayName</c>.</summary>
    public string? DisplayName { get; init; }
}

/// <summary>The scope of a FIFO topic's deduplication (SNS: <c>FifoThroughputScope</c>).</summary>
public enum FifoThroughputScope
{
    /// <summary>A deduplication id is unique across the whole topic (SNS's default).</summary>
    Topic = 0,

    /// <summary>A deduplication id is unique within its message group only.</summary>
    MessageGroup = 1,
}
