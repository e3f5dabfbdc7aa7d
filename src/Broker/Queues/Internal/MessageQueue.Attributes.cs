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
    ];

    public QueueAttributes GetAttributes()
    {
        ThrowIfDeleted();
        return new QueueAttributes
        {
            Options = Settings.Options,
            QueueArn = Arn,
            ApproximateNumberOfMessages = Math.Max(0, visibleCount.Read()),
            ApproximateNumberOfMessagesNotVisible = Math.Max(0, inFlightCount.Read()),
            ApproximateNumberOfMessagesDelayed = Math.Max(0, delayedCount.Read()),
            CreatedTimestamp = new DateTimeOffset(CreatedAt, TimeSpan.Zero),
            LastModifiedTimestamp = new DateTimeOffset(Volatile.Read(ref lastModifiedAt), TimeSpan.Zero),
        };
    }

    public IReadOnlyDictionary<string, string> GetAttributes(IEnumerable<string> attributeNames)
    {
        ArgumentNullException.ThrowIfNull(attributeNames);
        var snapshot = GetAttributes();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in attributeNames)
        {
            if (name == QueueAttributeNames.All)
            {
                foreach (var each in AllAttributeNames)
                {
                    result[each] = Format(snapshot, each);
                }
            }
            else if (Array.IndexOf(AllAttributeNames, name) >= 0)
            {
                result[name] = Format(snapshot, name);
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
        var next = QueueSettings.Create(options);
        var previous = Interlocked.Exchange(ref settings, next);
        Volatile.Write(ref lastModifiedAt, Now());
        if (next.RetentionTicks != previous.RetentionTicks)
        {
            RescheduleRetention();
        }

        // A cap raised or removed makes room for waiting senders.
        senders.WakeAll();
    }

    public void SetAttributes(IReadOnlyDictionary<string, string> attributes)
    {
        ThrowIfDeleted();
        SetAttributes(QueueSettings.Apply(Settings.Options, attributes));
    }

    private static string Format(QueueAttributes snapshot, string name) => name switch
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
        _ => snapshot.QueueArn,
    };
}
