namespace Broker.Testing;

/// <summary>What a <see cref="BrokerEvent"/> records.</summary>
public enum BrokerEventKind
{
    /// <summary>A message entered a queue: a send, or a topic's delivery to a subscribed queue (SQS: NumberOfMessagesSent).</summary>
    Sent,

    /// <summary>A receive returned the message (SQS: NumberOfMessagesReceived); one event per message.</summary>
    Received,

    /// <summary>A delete removed the message from its queue (a stale handle that deletes nothing is not recorded).</summary>
    Deleted,

    /// <summary>A queue's redrive policy moved the message to its dead-letter queue (<see cref="BrokerEvent.Endpoint"/>).</summary>
    DeadLettered,

    /// <summary>A topic accepted a publish (SNS: NumberOfMessagesPublished).</summary>
    Published,

    /// <summary>A subscription's delivery reached its queue, or its handler returned (SNS: NumberOfNotificationsDelivered).</summary>
    Delivered,

    /// <summary>A subscription's filter policy rejected the message (SNS: NumberOfNotificationsFilteredOut).</summary>
    FilteredOut,

    /// <summary>A subscription gave a delivery up after its retries (SNS: NumberOfNotificationsFailed).</summary>
    Failed,

    /// <summary>A put stored a record in a data stream (Kinesis: IncomingRecords).</summary>
    Put,
}
