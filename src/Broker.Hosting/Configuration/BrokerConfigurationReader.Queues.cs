using Broker.Hosting.Internal;
using Broker.Queues;
using Microsoft.Extensions.Configuration;

namespace Broker.Hosting.Configuration;

/// <summary>Queues: the <see cref="QueueOptions"/> property names, and SQS's attribute names where they differ.</summary>
internal static partial class BrokerConfigurationReader
{
    private static readonly string[] QueueKeys =
    [
        "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit", "VisibilityTimeout",
        "Delay", "DelaySeconds", "MessageRetentionPeriod", "MaximumMessageSize", "ReceiveMessageWaitTime",
        "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "RedriveAllowPolicy", "MaximumDepth", "MaximumBytes", "FullMode",
        "Durable",
    ];

    private static readonly string[] RedrivePolicyKeys = ["DeadLetterTarget", "deadLetterTargetArn", "MaxReceiveCount"];

    private static readonly string[] RedriveAllowPolicyKeys = ["RedrivePermission", "SourceQueueArns"];

    private static void ReadQueue(string path, IConfigurationSection section, BrokerDeclarations declarations)
    {
        var queue = declarations.Queue(section.Key, DeclarationSource.Configuration(path));
        var settings = new SettingsSection(section, path, declarations.Problems, QueueKeys);
        var options = queue.Options;
        if (settings.Boolean("FifoQueue") is { } fifo)
        {
            options = options with { FifoQueue = fifo };
        }

        if (settings.Boolean("ContentBasedDeduplication") is { } contentBased)
        {
            options = options with { ContentBasedDeduplication = contentBased };
        }

        if (settings.Enum<DeduplicationScope>("DeduplicationScope") is { } scope)
        {
            options = options with { DeduplicationScope = scope };
        }

        if (settings.Enum<FifoThroughputLimit>("FifoThroughputLimit") is { } limit)
        {
            options = options with { FifoThroughputLimit = limit };
        }

        if (settings.Duration("VisibilityTimeout", TimeSpan.FromMinutes(2), secondsAllowed: true) is { } visibility)
        {
            options = options with { VisibilityTimeout = visibility };
        }

        if (!settings.Conflict("Delay", "DelaySeconds"))
        {
            if (settings.Duration("Delay", TimeSpan.FromSeconds(5), secondsAllowed: true) is { } delay)
            {
                options = options with { Delay = delay };
            }

            if (settings.Int32("DelaySeconds") is { } delaySeconds)
            {
                options = options with { Delay = TimeSpan.FromSeconds(delaySeconds) };
            }
        }

        if (settings.Duration("MessageRetentionPeriod", TimeSpan.FromDays(4), secondsAllowed: true) is { } retention)
        {
            options = options with { MessageRetentionPeriod = retention };
        }

        if (settings.Int32("MaximumMessageSize") is { } maximumMessageSize)
        {
            options = options with { MaximumMessageSize = maximumMessageSize };
        }

        if (!settings.Conflict("ReceiveMessageWaitTime", "ReceiveMessageWaitTimeSeconds"))
        {
            if (settings.Duration("ReceiveMessageWaitTime", TimeSpan.FromSeconds(20), secondsAllowed: true) is { } wait)
            {
                options = options with { ReceiveMessageWaitTime = wait };
            }

            if (settings.Int32("ReceiveMessageWaitTimeSeconds") is { } waitSeconds)
            {
                options = options with { ReceiveMessageWaitTime = TimeSpan.FromSeconds(waitSeconds) };
            }
        }

        if (settings.Section("RedrivePolicy", "RedrivePolicy is a section with DeadLetterTarget and MaxReceiveCount") is { } redrive)
        {
            options = options with { RedrivePolicy = ReadRedrivePolicy(redrive, options.RedrivePolicy, declarations.Problems) };
        }

        if (settings.Section("RedriveAllowPolicy", "RedriveAllowPolicy is a section with RedrivePermission and SourceQueueArns") is { } allow)
        {
            options = options with { RedriveAllowPolicy = ReadRedriveAllowPolicy(allow, declarations.Problems) };
        }

        if (settings.Int32("MaximumDepth") is { } maximumDepth)
        {
            options = options with { MaximumDepth = maximumDepth };
        }

        if (settings.Int64("MaximumBytes") is { } maximumBytes)
        {
            options = options with { MaximumBytes = maximumBytes };
        }

        if (settings.Enum<QueueFullMode>("FullMode") is { } fullMode)
        {
            options = options with { FullMode = fullMode };
        }

        if (settings.Boolean("Durable") is { } durable)
        {
            options = options with { Durable = durable };
        }

        queue.Options = options;
        queue.Invalid |= settings.HasProblems;
    }

    private static RedrivePolicy? ReadRedrivePolicy(IConfigurationSection section, RedrivePolicy? declared, List<string> problems)
    {
        var settings = new SettingsSection(section, section.Path, problems, RedrivePolicyKeys);
        if (settings.Conflict("DeadLetterTarget", "deadLetterTargetArn"))
        {
            return declared;
        }

        var target = settings.String("DeadLetterTarget") ?? settings.String("deadLetterTargetArn") ?? declared?.DeadLetterTarget;
        var maxReceiveCount = settings.Int32("MaxReceiveCount");
        if (target is null)
        {
            if (!settings.HasProblems)
            {
                problems.Add($"{section.Path}:DeadLetterTarget: missing; name the dead-letter queue (its name or ARN).");
            }

            return declared;
        }

        return new RedrivePolicy(target, maxReceiveCount ?? declared?.MaxReceiveCount ?? new RedrivePolicy(target).MaxReceiveCount);
    }

    private static RedriveAllowPolicy ReadRedriveAllowPolicy(IConfigurationSection section, List<string> problems)
    {
        var settings = new SettingsSection(section, section.Path, problems, RedriveAllowPolicyKeys);
        var permission = settings.Enum<RedrivePermission>("RedrivePermission") ?? RedrivePermission.AllowAll;
        var sources = settings.Child("SourceQueueArns") is { } list
            ? (string.IsNullOrEmpty(list.Value) ? [.. list.GetChildren().Select(static c => c.Value).OfType<string>()] : [list.Value])
            : Array.Empty<string>();
        return new RedriveAllowPolicy { RedrivePermission = permission, SourceQueueArns = sources };
    }
}
