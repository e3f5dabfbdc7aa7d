namespace Broker.Queues.Internal;

/// <summary>The validated, name-sorted message attributes of a message, with their size, and its group id.</summary>
internal sealed class MessageExtras(KeyValuePair<string, MessageAttributeValue>[] attributes, int attributesSize, string? messageGroupId)
{
    /// <summary>Sorted by name, ordinal, as SQS's digest wants them.</summary>
    public readonly KeyValuePair<string, MessageAttributeValue>[] Attributes = attributes;

    public readonly int AttributesSize = attributesSize;

    public readonly string? MessageGroupId = messageGroupId;

}
