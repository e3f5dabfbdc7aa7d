using System.Globalization;

namespace Broker.Queues.Internal;

/// <summary>
/// A validated, immutable copy of a queue's <see cref="QueueOptions"/> with the durations in ticks. The queue swaps the
/// whole object on a change, so hot paths read one consistent set with one volatile read.
/// </summary>
internal sealed class QueueSettings
{
    private QueueSettings(QueueOptions options, string? deadLetterQueueName)
    {
        Options = options;
        DeadLetterQueueName = deadLetterQueueName;
        VisibilityTimeoutTicks = options.VisibilityTimeout.Ticks;
        DelayTicks = options.Delay.Ticks;
        RetentionTicks = options.MessageRetentionPeriod.Ticks;
        WaitTime = options.ReceiveMessageWaitTime;
        HasCaps = options.MaximumDepth is not null || options.MaximumBytes is not null;
        MaximumMessageSize = options.MaximumMessageSize;
    }

    public QueueOptions Options { get; }

    public long VisibilityTimeoutTicks { get; }

    public long DelayTicks { get; }

    public long RetentionTicks { get; }

    public TimeSpan WaitTime { get; }

    public bool HasCaps { get; }

    /// <summary>The options' MaximumMessageSize, here so that a send checks it without reading the options object.</summary>
    public int MaximumMessageSize { get; }

    /// <summary>The name of the dead-letter queue the redrive policy names (resolved from an ARN), or null.</summary>
    public string? DeadLetterQueueName { get; }

    public static QueueSettings Create(QueueOptions options, BrokerOptions brokerOptions)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckSeconds(QueueAttributeNames.VisibilityTimeout, options.VisibilityTimeout, TimeSpan.Zero, QueueDefaults.MaxVisibilityTimeout);
        CheckSeconds(QueueAttributeNames.DelaySeconds, options.Delay, TimeSpan.Zero, QueueDefaults.MaxDelay);
        CheckSeconds(QueueAttributeNames.MessageRetentionPeriod, options.MessageRetentionPeriod, QueueDefaults.MinMessageRetentionPeriod, QueueDefaults.MaxMessageRetentionPeriod);
        CheckSeconds(QueueAttributeNames.ReceiveMessageWaitTimeSeconds, options.ReceiveMessageWaitTime, TimeSpan.Zero, QueueDefaults.MaxReceiveMessageWaitTime);
        if (options.MaximumMessageSize is < QueueDefaults.MinMaximumMessageSize or > QueueDefaults.MaximumMessageSize)
        {
            throw InvalidValue(QueueAttributeNames.MaximumMessageSize, $"must be from 1024 to 1048576 bytes; got {options.MaximumMessageSize}");
        }

        if (options.MaximumDepth is < 1)
        {
            throw InvalidValue(nameof(QueueOptions.MaximumDepth), $"must be at least 1 when set; got {options.MaximumDepth}");
        }

        if (options.MaximumBytes is < QueueDefaults.MinMaximumMessageSize)
        {
            throw InvalidValue(nameof(QueueOptions.MaximumBytes), $"must be at least 1024 when set; got {options.MaximumBytes}");
        }

        RedriveSettings.CheckShape(options);
        CheckFifo(options);
        if (!Enum.IsDefined(options.FullMode))
        {
            throw InvalidValue(nameof(QueueOptions.FullMode), $"must be Wait or Fail; got {options.FullMode}");
        }

        string? deadLetterQueueName = null;
        if (options.RedrivePolicy is { } redrive)
        {
            deadLetterQueueName = RedriveSettings.ResolveName(redrive.DeadLetterTarget, brokerOptions)
                ?? throw RedriveSettings.InvalidRedrive(redrive, "The dead-letter queue must be in the same account and Region as the source queue.");
        }

        return new QueueSettings(options, deadLetterQueueName);
    }

    private static void CheckFifo(QueueOptions options)
    {
        if (!options.FifoQueue)
        {
            if (options.ContentBasedDeduplication)
            {
                throw new BrokerException(BrokerErrorCodes.InvalidAttributeName, "Unknown Attribute ContentBasedDeduplication. It applies to FIFO queues only.");
            }

            if (options.DeduplicationScope != DeduplicationScope.Queue)
            {
                throw new BrokerException(BrokerErrorCodes.InvalidAttributeName, "You can specify the DeduplicationScope only when FifoQueue is set to true.");
            }

            if (options.FifoThroughputLimit != FifoThroughputLimit.PerQueue)
            {
                throw new BrokerException(BrokerErrorCodes.InvalidAttributeName, "You can specify the FifoThroughputLimit only when FifoQueue is set to true.");
            }

            return;
        }

        if (!Enum.IsDefined(options.DeduplicationScope) || !Enum.IsDefined(options.FifoThroughputLimit))
        {
            throw InvalidValue(nameof(QueueOptions.DeduplicationScope), "DeduplicationScope must be queue or messageGroup, FifoThroughputLimit perQueue or perMessageGroupId");
        }

        if (options.FifoThroughputLimit == FifoThroughputLimit.PerMessageGroupId && options.DeduplicationScope != DeduplicationScope.MessageGroup)
        {
            throw InvalidValue(QueueAttributeNames.FifoThroughputLimit, "perMessageGroupId is allowed only with DeduplicationScope messageGroup");
        }
    }

    /// <summary>Applies SQS-named attributes over <paramref name="current"/>; <paramref name="creating"/> allows FifoQueue to be set.</summary>
    public static QueueOptions Apply(QueueOptions current, IReadOnlyDictionary<string, string> attributes, bool creating = false)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var options = current;

        // The type first: FIFO-only attributes are refused on a standard queue whatever their value, as SQS does.
        if (attributes.TryGetValue(QueueAttributeNames.FifoQueue, out var fifoValue))
        {
            options = ApplyFifoQueue(options, ParseBool(QueueAttributeNames.FifoQueue, fifoValue), creating);
        }

        foreach (var (name, value) in attributes)
        {
            if (!options.FifoQueue && name is QueueAttributeNames.ContentBasedDeduplication or QueueAttributeNames.DeduplicationScope or QueueAttributeNames.FifoThroughputLimit)
            {
                throw new BrokerException(
                    BrokerErrorCodes.InvalidAttributeName,
                    name == QueueAttributeNames.ContentBasedDeduplication
                        ? "Unknown Attribute ContentBasedDeduplication. It applies to FIFO queues only."
                        : $"You can specify the {name} only when FifoQueue is set to true.");
            }

            options = name switch
            {
                QueueAttributeNames.VisibilityTimeout => options with { VisibilityTimeout = ParseSeconds(name, value) },
                QueueAttributeNames.DelaySeconds => options with { Delay = ParseSeconds(name, value) },
                QueueAttributeNames.MessageRetentionPeriod => options with { MessageRetentionPeriod = ParseSeconds(name, value) },
                QueueAttributeNames.ReceiveMessageWaitTimeSeconds => options with { ReceiveMessageWaitTime = ParseSeconds(name, value) },
                QueueAttributeNames.MaximumMessageSize => options with { MaximumMessageSize = ParseInt(name, value) },
                QueueAttributeNames.RedrivePolicy => options with { RedrivePolicy = RedriveSettings.ParseRedrivePolicy(value) },
                QueueAttributeNames.RedriveAllowPolicy => options with { RedriveAllowPolicy = RedriveSettings.ParseRedriveAllowPolicy(value) },
                QueueAttributeNames.FifoQueue => options,
                QueueAttributeNames.ContentBasedDeduplication => options with { ContentBasedDeduplication = ParseBool(name, value) },
                QueueAttributeNames.DeduplicationScope => options with
                {
                    DeduplicationScope = value switch
                    {
                        "queue" => DeduplicationScope.Queue,
                        "messageGroup" => DeduplicationScope.MessageGroup,
                        _ => throw InvalidValue(name, $"must be queue or messageGroup; got '{value}'"),
                    },
                },
                QueueAttributeNames.FifoThroughputLimit => options with
                {
                    FifoThroughputLimit = value switch
                    {
                        "perQueue" => FifoThroughputLimit.PerQueue,
                        "perMessageGroupId" => FifoThroughputLimit.PerMessageGroupId,
                        _ => throw InvalidValue(name, $"must be perQueue or perMessageGroupId; got '{value}'"),
                    },
                },
                QueueAttributeNames.ApproximateNumberOfMessages or QueueAttributeNames.ApproximateNumberOfMessagesNotVisible
                    or QueueAttributeNames.ApproximateNumberOfMessagesDelayed or QueueAttributeNames.CreatedTimestamp
                    or QueueAttributeNames.LastModifiedTimestamp or QueueAttributeNames.QueueArn => throw new BrokerException(
                    BrokerErrorCodes.InvalidAttributeName, $"Unknown Attribute {name}. It is read-only."),
                _ => throw new BrokerException(BrokerErrorCodes.InvalidAttributeName, $"Unknown Attribute {name}."),
            };
        }

        return options;
    }

    private static QueueOptions ApplyFifoQueue(QueueOptions options, bool fifo, bool creating)
    {
        if (creating || fifo == options.FifoQueue)
        {
            return options with { FifoQueue = fifo };
        }

        return options.FifoQueue
            ? throw new BrokerException(BrokerErrorCodes.InvalidAttributeValue, "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.")
            : throw new BrokerException(BrokerErrorCodes.InvalidAttributeName, "Unknown Attribute FifoQueue. A queue's type is fixed when it is created.");
    }

    private static bool ParseBool(string name, string value) =>
        bool.TryParse(value, out var result) ? result : throw InvalidValue(name, $"must be true or false; got '{value}'");

    /// <summary>The name of the first setting in which <paramref name="a"/> and <paramref name="b"/> differ, or null.</summary>
    public static string? FirstDifference(QueueOptions a, QueueOptions b) =>
        a.FifoQueue != b.FifoQueue ? QueueAttributeNames.FifoQueue
        : a.ContentBasedDeduplication != b.ContentBasedDeduplication ? QueueAttributeNames.ContentBasedDeduplication
        : a.DeduplicationScope != b.DeduplicationScope ? QueueAttributeNames.DeduplicationScope
        : a.FifoThroughputLimit != b.FifoThroughputLimit ? QueueAttributeNames.FifoThroughputLimit
        : a.VisibilityTimeout != b.VisibilityTimeout ? QueueAttributeNames.VisibilityTimeout
        : a.Delay != b.Delay ? QueueAttributeNames.DelaySeconds
        : a.MessageRetentionPeriod != b.MessageRetentionPeriod ? QueueAttributeNames.MessageRetentionPeriod
        : a.MaximumMessageSize != b.MaximumMessageSize ? QueueAttributeNames.MaximumMessageSize
        : a.ReceiveMessageWaitTime != b.ReceiveMessageWaitTime ? QueueAttributeNames.ReceiveMessageWaitTimeSeconds
        : a.RedrivePolicy != b.RedrivePolicy ? QueueAttributeNames.RedrivePolicy
        : a.RedriveAllowPolicy != b.RedriveAllowPolicy ? QueueAttributeNames.RedriveAllowPolicy
        : a.MaximumDepth != b.MaximumDepth ? nameof(QueueOptions.MaximumDepth)
        : a.MaximumBytes != b.MaximumBytes ? nameof(QueueOptions.MaximumBytes)
        : a.FullMode != b.FullMode ? nameof(QueueOptions.FullMode)
        : a.Durable != b.Durable ? nameof(QueueOptions.Durable)
        : null;

    public static string Seconds(TimeSpan value) => ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private static TimeSpan ParseSeconds(string name, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= int.MaxValue
            ? TimeSpan.FromSeconds(seconds)
            : throw InvalidValue(name, $"must be a whole number of seconds; got '{value}'");

    private static int ParseInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw InvalidValue(name, $"must be a whole number; got '{value}'");

    private static void CheckSeconds(string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max || value.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw InvalidValue(name, $"must be whole seconds from {(long)min.TotalSeconds} to {(long)max.TotalSeconds}; got {value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static BrokerException InvalidValue(string name, string reason) =>
        new(BrokerErrorCodes.InvalidAttributeValue, $"Invalid value for the parameter {name}. Reason: {reason}.");
}
