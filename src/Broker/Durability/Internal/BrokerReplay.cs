namespace Broker.Durability.Internal;

/// <summary>Rebuilds everything a journal holds: queue records to <see cref="Queues"/>, topic records to <see cref="Topics"/>, stream and lease records to <see cref="Streams"/>.</summary>
internal sealed class BrokerReplay(DeletedSequences? deletedLater = null)
{
    /// <summary>The queues; given <c>deletedLater</c>, it skips the sends of standard messages deleted further on (compaction).</summary>
    public QueueReplay Queues { get; } = new(deletedLater);

    public TopicReplay Topics { get; } = new();

    public StreamReplay Streams { get; } = new();

    /// <summary>Applies one record; a type this version does not know is data it cannot read (<see cref="InvalidDataException"/>).</summary>
    public void Apply(byte recordType, ReadOnlySpan<byte> payload)
    {
        if (QueueReplay.Handles(recordType))
        {
            Queues.Apply(recordType, payload);
        }
        else if (TopicReplay.Handles(recordType))
        {
            Topics.Apply(recordType, payload);
        }
        else if (StreamReplay.Handles(recordType))
        {
            Streams.Apply(recordType, payload);
        }
        else
        {
            throw new InvalidDataException($"record type {recordType} is not one this version of Broker knows (a journal written by a newer version?)");
        }
    }
}
