using System.Globalization;

namespace Broker.Queues.Internal;

internal sealed partial class MessageQueue
{
    private static readonly string[] AllAttributeNames =
    [
        QueueAttributeNames.VisibilityTimeout, QueueAttributeNames.DelaySeconds, QueueAttributeNames.MessageRetentionPeriod,
        QueueAttributeNames.MaximumMessageSize, QueueAttributeNames.ReceiveMessageWaitTimeSeconds,
        QueueAttributeNames.ApproximateNumberOfMessages, QueueAttributeNames.ApproximateNumberOfMessagesNotVisible,
        QueueAttributeNames.ApproximateNumberOfMessagesDelayed, QueueAttributeNames.CreatedTimestamp,
        QueueAttributeNames.LastModifiedTimestamp, QueueAttributeNames.QueueArn,
        QueueAttributeNames.RedrivePolicy, QueueAttributeNames.RedriveAllowPolicy,
        QueueAttributeNames.FifoQueue, QueueAttributeNames.ContentBasedDeduplication,
        QueueAttributeNames.DeduplicationScope, QueueAttributeNames.FifoThroughputLimit,
    ];

    public QueueAttributes GetAttributes() => Snapshot(withAge: true);

    public QueueOptions Options
    {
        get
        {
            ThrowIfDeleted();
            return Settings.Options;
        }
    }

    /// <summary>The attributes; the age of the oldest message (a pass over the slot table) only when asked for.</summary>
    private QueueAttributes Snapshot(bool withAge)
    {
        ThrowIfDeleted();
        return new QueueAttributes
        {
            Options = Settings.Options,
            QueueArn = Arn,
            ApproximateNumberOfMessages = VisibleCount,
            ApproximateNumberOfMessagesNotVisible = InFlightCount,
            ApproximateNumberOfMessagesDelayed = DelayedCount,
            ApproximateAgeOfOldestMessage = withAge ? AgeOfOldestMessage() : TimeSpan.Zero,
            CreatedTimestamp = new DateTimeOffset(CreatedAt, TimeSpan.Zero),
            LastModifiedTimestamp = new DateTimeOffset(Volatile.Read(ref lastModifiedAt), TimeSpan.Zero),
        };
    }

    public IReadOnlyDictionary<string, string> GetAttributes(IEnumerable<string> attributeNames)
    {
        ArgumentNullException.ThrowIfNull(attributeNames);
        var snapshot = Snapshot(withAge: false); // SQS has no such attribute: the age is CloudWatch's metric
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in attributeNames)
        {
            if (name == QueueAttributeNames.All)
            {
                foreach (var each in AllAttributeNames)
                {
                    if (Format(snapshot, each) is { } value)
                    {
                        result[each] = value;
                    }
                }
            }
            else if (Array.IndexOf(AllAttributeNames, name) >= 0 && (isFifo || !IsFifoOnly(name)))
            {
                if (Format(snapshot, name) is { } value)
                {
                    result[name] = value;
                }
            }
            else
            {
                throw new BrokerException(BrokerErrorCodes.InvalidAttributeName, $"Unknown Attribute {name}.");
            }
        }

        return result;
    }

    public void SetAttributes(QueueOptions options)
    {
        ThrowIfDeleted();
        ArgumentNullException.ThrowIfNull(options);
        if (options.FifoQueue != isFifo)
        {
            throw isFifo
                ? new BrokerException(BrokerErrorCodes.InvalidAttributeValue, "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.")
                : new BrokerException(BrokerErrorCodes.InvalidAttributeName, "Unknown Attribute FifoQueue. A queue's type is fixed when it is created.");
        }

        if (options.Durable != Settings.Options.Durable)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidAttributeValue,
                "Invalid value for the parameter Durable. Reason: whether a queue is journaled is fixed when it is created; delete the queue and create it again to change it.");
        }

        broker.ReplaceSettings(this, QueueSettings.Create(options, broker.Options));
    }

    /// <summary>Called by the broker under its lifecycle lock once the new settings passed every check.</summary>
    internal void ReplaceSettings(QueueSettings next)
    {
        var previous = Interlocked.Exchange(ref settings, next);
        Volatile.Write(ref lastModifiedAt, Now());
        if (next.RetentionTicks != previous.RetentionTicks)
        {
            RescheduleRetention();
        }

        if (isFifo && next.DelayTicks != previous.DelayTicks)
        {
            RescheduleDelays(next.DelayTicks);
        }

        // A cap raised or removed makes room for waiting senders.
        senders.WakeAll();
    }

    public void SetAttributes(IReadOnlyDictionary<string, string> attributes)
    {
        ThrowIfDeleted();
        SetAttributes(QueueSettings.Apply(Settings.Options, attributes));
    }

    private static bool IsFifoOnly(string name) =>
        name is QueueAttributeNames.FifoQueue or QueueAttributeNames.ContentBasedDeduplication
            or QueueAttributeNames.DeduplicationScope or QueueAttributeNames.FifoThroughputLimit;

    /// <summary>An attribute as SQS formats it; null for a policy that is not set (SQS leaves it out).</summary>
    private string? Format(QueueAttributes snapshot, string name) => name switch
    {
        QueueAttributeNames.VisibilityTimeout => QueueSettings.Seconds(snapshot.Options.VisibilityTimeout),
        QueueAttributeNames.DelaySeconds => QueueSettings.Seconds(snapshot.Options.Delay),
        QueueAttributeNames.MessageRetentionPeriod => QueueSettings.Seconds(snapshot.Options.MessageRetentionPeriod),
        QueueAttributeNames.MaximumMessageSize => snapshot.Options.MaximumMessageSize.ToString(CultureInfo.InvariantCulture),
        QueueAttributeNames.ReceiveMessageWaitTimeSeconds => QueueSettings.Seconds(snapshot.Options.ReceiveMessageWaitTime),
        QueueAttributeNames.ApproximateNumberOfMessages => snapshot.ApproximateNumberOfMessages.ToString(CultureInfo.InvariantCulture),
        QueueAttributeNames.ApproximateNumberOfMessagesNotVisible => snapshot.ApproximateNumberOfMessagesNotVisible.ToString(CultureInfo.InvariantCulture),
        QueueAttributeNames.ApproximateNumberOfMessagesDelayed => snapshot.ApproximateNumberOfMessagesDelayed.ToString(CultureInfo.InvariantCulture),
        QueueAttributeNames.CreatedTimestamp => snapshot.CreatedTimestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        QueueAttributeNames.LastModifiedTimestamp => snapshot.LastModifiedTimestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        QueueAttributeNames.RedrivePolicy => snapshot.Options.RedrivePolicy is { } redrive ? RedriveSettings.Format(redrive, broker.Options) : null,
        QueueAttributeNames.RedriveAllowPolicy => snapshot.Options.RedriveAllowPolicy == RedriveAllowPolicy.AllowAll ? null : RedriveSettings.Format(snapshot.Options.RedriveAllowPolicy),
        QueueAttributeNames.FifoQueue => isFifo ? "true" : null,
        QueueAttributeNames.ContentBasedDeduplication => isFifo ? (snapshot.Options.ContentBasedDeduplication ? "true" : "false") : null,
        QueueAttributeNames.DeduplicationScope => isFifo ? (snapshot.Options.DeduplicationScope == DeduplicationScope.Queue ? "queue" : "messageGroup") : null,
        QueueAttributeNames.FifoThroughputLimit => isFifo ? (snapshot.Options.FifoThroughputLimit == FifoThroughputLimit.PerQueue ? "perQueue" : "perMessageGroupId") : null,
        _ => snapshot.QueueArn,
    };
}
