using Broker.Queues;
using FsCheck;
using FsCheck.Fluent;
using static Broker.BrokerErrorCodes;

namespace Broker.PropertyTests.Hostile;

/// <summary>JSON policies that are malformed, deeply nested, huge, or point at queues that do not exist.</summary>
internal static class HostileJson
{
    public static readonly string[] Policies =
    [
        "", "{", "}", "[]", "null", "42", "\"x\"", "{\"deadLetterTargetArn\":", "{\"a\":1,}", "{'a':1}", "\uFEFF{}", "{\"a\":\"\uD800\"}",
        new string('[', 10_000) + new string(']', 10_000),
        new string('[', 10_000),
        string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000),
        "[" + string.Join(',', Enumerable.Repeat("1", 100_000)) + "]",
        """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:jobs-dlq","maxReceiveCount":3}""",
        """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:missing","maxReceiveCount":3}""",
        """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:jobs-dlq","maxReceiveCount":0}""",
        """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:jobs-dlq","maxReceiveCount":1e400}""",
        """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:jobs-dlq","maxReceiveCount":"2147483648"}""",
        """{"deadLetterTargetArn":42,"maxReceiveCount":3}""",
        """{"redrivePermission":"byQueue","sourceQueueArns":[]}""",
        """{"redrivePermission":"byQueue","sourceQueueArns":["a","b","c","d","e","f","g","h","i","j","k"]}""",
        """{"redrivePermission":"denyAll"}""",
        """{"redrivePermission":"sometimes"}""",
    ];

    public static string Show(string json) => HostileText.Escape(json.Length > 80 ? $"{json[..40]}…({json.Length} chars)" : json);
}

/// <summary>Queue attributes by their SQS names with hostile names and values.</summary>
internal sealed record HostileQueueAttributes(KeyValuePair<string, string>[] Entries)
{
    private static readonly string[] Settable =
    [
        QueueAttributeNames.VisibilityTimeout, QueueAttributeNames.DelaySeconds, QueueAttributeNames.MessageRetentionPeriod,
        QueueAttributeNames.ReceiveMessageWaitTimeSeconds, QueueAttributeNames.MaximumMessageSize, QueueAttributeNames.RedrivePolicy,
        QueueAttributeNames.RedriveAllowPolicy, QueueAttributeNames.FifoQueue, QueueAttributeNames.ContentBasedDeduplication,
        QueueAttributeNames.DeduplicationScope, QueueAttributeNames.FifoThroughputLimit,
    ];

    private static readonly string[] Unknown = ["visibilitytimeout", "Policy", "All", QueueAttributeNames.QueueArn, QueueAttributeNames.ApproximateNumberOfMessages, "", " VisibilityTimeout"];

    private static readonly string[] Values =
    [
        "0", "1", "30", "-1", "900", "901", "43200", "43201", "59", "60", "1209600", "1209601", "1023", "1024", "1048576", "1048577",
        "abc", "1e3", " 30", "30.5", "99999999999999999999", "2147483648", "true", "false", "TRUE", "yes", "queue", "messageGroup",
        "perQueue", "perMessageGroupId", "\u0000", "\uD800",
    ];

    public static Gen<HostileQueueAttributes> Generator { get; } =
        Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(
            from name in Gen.Frequency((4, Gen.Elements(Settable)), (1, Gen.Elements(Unknown)), (1, HostileText.Arbitrary().Generator.Select(static t => t.Value)))
            from value in Gen.Frequency((3, Gen.Elements(Values)), (2, Gen.Elements(HostileJson.Policies)))
            select KeyValuePair.Create(name, value), n))
        .Select(static e => new HostileQueueAttributes([.. e.DistinctBy(static p => p.Key, StringComparer.Ordinal)]));

    public Dictionary<string, string> Map => new(Entries, StringComparer.Ordinal);

    /// <summary>
    /// An unknown or read-only name must fail; so must a number attribute whose value is not a whole number. Which of
    /// several problems SQS names first is not pinned: any attribute code (or InvalidParameterValue for a bad name or
    /// dead-letter target) is accepted then.
    /// </summary>
    public Verdict Verdict
    {
        get
        {
            var certainlyBad = Entries.Any(static e => !Settable.Contains(e.Key)
                || (e.Key is QueueAttributeNames.VisibilityTimeout or QueueAttributeNames.DelaySeconds or QueueAttributeNames.MessageRetentionPeriod
                    or QueueAttributeNames.ReceiveMessageWaitTimeSeconds or QueueAttributeNames.MaximumMessageSize
                    && !int.TryParse(e.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)));
            return new Verdict(certainlyBad, [InvalidAttributeName, InvalidAttributeValue, InvalidParameterValue]);
        }
    }

    public override string ToString() => string.Join(", ", Entries.Select(static e => $"{HostileText.Escape(e.Key)}={HostileJson.Show(e.Value)}"));
}

/// <summary>Typed queue options with every number at or beyond its limit.</summary>
internal sealed record HostileQueueOptions(QueueOptions Options)
{
    public static Gen<HostileQueueOptions> Generator { get; } =
        from visibility in HostileGen.Duration
        from delay in HostileGen.Duration
        from retention in HostileGen.Duration
        from wait in HostileGen.Duration
        from size in HostileGen.Int
        from depth in Gen.Frequency((2, Gen.Constant<int?>(null)), (1, HostileGen.Int.Select(static n => (int?)n)))
        from bytes in Gen.Elements<long?>(null, null, long.MinValue, -1, 0, 1023, 1024, long.MaxValue)
        from mode in Gen.Elements(0, 1, 2, -1)
        from redrive in Gen.Frequency(
            (2, Gen.Constant<RedrivePolicy?>(null)),
            (1, HostileText.Arbitrary().Generator.SelectMany(target => HostileGen.Int.Select(max => (RedrivePolicy?)new RedrivePolicy(target.Value, max)))),
            (1, HostileGen.Int.Select(static max => (RedrivePolicy?)new RedrivePolicy("jobs-dlq", max))))
        select new HostileQueueOptions(new QueueOptions
        {
            VisibilityTimeout = visibility,
            Delay = delay,
            MessageRetentionPeriod = retention,
            ReceiveMessageWaitTime = wait,
            MaximumMessageSize = size,
            MaximumDepth = depth,
            MaximumBytes = bytes,
            FullMode = (QueueFullMode)mode,
            RedrivePolicy = redrive,
        });

    /// <summary>Out-of-range numbers must fail; sub-second values and dead-letter targets may fail or not, with the attribute codes.</summary>
    public Verdict Verdict
    {
        get
        {
            var o = Options;
            var bad = o.VisibilityTimeout < TimeSpan.Zero || o.VisibilityTimeout > TimeSpan.FromHours(12)
                || o.Delay < TimeSpan.Zero || o.Delay > TimeSpan.FromSeconds(900)
                || o.MessageRetentionPeriod < TimeSpan.FromSeconds(60) || o.MessageRetentionPeriod > TimeSpan.FromDays(14)
                || o.ReceiveMessageWaitTime < TimeSpan.Zero || o.ReceiveMessageWaitTime > TimeSpan.FromSeconds(20)
                || o.MaximumMessageSize is < 1024 or > 1_048_576
                || o.MaximumDepth is < 1 || o.MaximumBytes is < 1024 || !Enum.IsDefined(o.FullMode)
                || o.RedrivePolicy is { MaxReceiveCount: < 1 or > 1000 };
            return new Verdict(bad, [InvalidAttributeValue, InvalidParameterValue]);
        }
    }

    public override string ToString()
    {
        var o = Options;
        return $"Visibility={o.VisibilityTimeout} Delay={o.Delay} Retention={o.MessageRetentionPeriod} Wait={o.ReceiveMessageWaitTime} "
            + $"MaxSize={o.MaximumMessageSize} Depth={o.MaximumDepth} Bytes={o.MaximumBytes} Mode={o.FullMode} "
            + $"Redrive={(o.RedrivePolicy is { } r ? $"{HostileText.Escape(r.DeadLetterTarget)}/{r.MaxReceiveCount}" : "none")}";
    }
}
