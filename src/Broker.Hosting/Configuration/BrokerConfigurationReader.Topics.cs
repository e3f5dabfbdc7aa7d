using Broker.Filtering;
using Broker.Hosting.Internal;
using Broker.Topics;
using Microsoft.Extensions.Configuration;

namespace Broker.Hosting.Configuration;

/// <summary>Topics: the <see cref="TopicOptions"/> property names, and a list of queue subscriptions.</summary>
internal static partial class BrokerConfigurationReader
{
    private static readonly string[] TopicKeys =
        ["FifoTopic", "ContentBasedDeduplication", "FifoThroughputScope", "DisplayName", "Subscriptions"];

    private static readonly string[] SubscriptionKeys =
        ["Queue", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy", "DeliveryPolicy"];

    private static readonly string[] SubscriptionRedrivePolicyKeys = ["DeadLetterTarget", "deadLetterTargetArn"];

    private static readonly string[] DeliveryPolicyKeys =
    [
        "NumRetries", "NumNoDelayRetries", "NumMinDelayRetries", "NumMaxDelayRetries", "MinDelayTarget", "MaxDelayTarget",
        "BackoffFunction",
    ];

    private static void ReadTopic(string path, IConfigurationSection section, BrokerDeclarations declarations)
    {
        var topic = declarations.Topic(section.Key, DeclarationSource.Configuration(path));
        var settings = new SettingsSection(section, path, declarations.Problems, TopicKeys);
        var options = topic.Options;
        if (settings.Boolean("FifoTopic") is { } fifo)
        {
            options = options with { FifoTopic = fifo };
        }

        if (settings.Boolean("ContentBasedDeduplication") is { } contentBased)
        {
            options = options with { ContentBasedDeduplication = contentBased };
        }

        if (settings.Enum<FifoThroughputScope>("FifoThroughputScope") is { } scope)
        {
            options = options with { FifoThroughputScope = scope };
        }

        if (settings.String("DisplayName") is { } displayName)
        {
            options = options with { DisplayName = displayName };
        }

        topic.Options = options;
        topic.Invalid |= settings.HasProblems;
        if (settings.Section("Subscriptions", "Subscriptions is a list of sections, each with a Queue") is { } subscriptions)
        {
            foreach (var subscription in subscriptions.GetChildren())
            {
                ReadSubscription(topic, subscription, declarations.Problems);
            }
        }
    }

    /// <summary>A subscription: a section with <c>Queue</c> and subscription settings, or just the queue's name.</summary>
    private static void ReadSubscription(TopicBuilder topic, IConfigurationSection section, List<string> problems)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            topic.Subscribe(section.Value, DeclarationSource.Configuration(section.Path), new SubscriptionOptions());
            return;
        }

        var settings = new SettingsSection(section, section.Path, problems, SubscriptionKeys);
        var options = new SubscriptionOptions();
        var queue = settings.String("Queue");
        if (queue is null && !settings.HasProblems)
        {
            problems.Add($"{section.Path}:Queue: missing; name the queue to subscribe.");
        }

        if (settings.Child("FilterPolicy") is { } filter)
        {
            options = options with { FilterPolicy = string.IsNullOrEmpty(filter.Value) ? FilterPolicyJson.FromSection(filter) : filter.Value };
        }

        if (settings.Enum<FilterPolicyScope>("FilterPolicyScope") is { } scope)
        {
            options = options with { FilterPolicyScope = scope };
        }

        if (settings.Boolean("RawMessageDelivery") is { } raw)
        {
            options = options with { RawMessageDelivery = raw };
        }

        if (settings.Section("RedrivePolicy", "RedrivePolicy is a section with DeadLetterTarget") is { } redrive)
        {
            var redriveSettings = new SettingsSection(redrive, redrive.Path, problems, SubscriptionRedrivePolicyKeys);
            if (!redriveSettings.Conflict("DeadLetterTarget", "deadLetterTargetArn")
                && (redriveSettings.String("DeadLetterTarget") ?? redriveSettings.String("deadLetterTargetArn")) is { } target)
            {
                options = options with { RedrivePolicy = new SubscriptionRedrivePolicy(target) };
            }
            else if (!redriveSettings.HasProblems)
            {
                problems.Add($"{redrive.Path}:DeadLetterTarget: missing; name the subscription's dead-letter queue.");
            }
        }

        if (settings.Section("DeliveryPolicy", "DeliveryPolicy is a section of retry settings, e.g. NumRetries") is { } delivery)
        {
            options = options with { DeliveryPolicy = ReadDeliveryPolicy(delivery, problems) };
        }

        if (queue is not null)
        {
            var declaration = topic.Subscribe(queue, DeclarationSource.Configuration(section.Path), options);
            declaration.Invalid = settings.HasProblems;
        }
    }

    private static DeliveryPolicy ReadDeliveryPolicy(IConfigurationSection section, List<string> problems)
    {
        var settings = new SettingsSection(section, section.Path, problems, DeliveryPolicyKeys);
        var policy = new DeliveryPolicy();
        if (settings.Int32("NumRetries") is { } retries)
        {
            policy = policy with { NumRetries = retries };
        }

        if (settings.Int32("NumNoDelayRetries") is { } noDelay)
        {
            policy = policy with { NumNoDelayRetries = noDelay };
        }

        if (settings.Int32("NumMinDelayRetries") is { } minDelayRetries)
        {
            policy = policy with { NumMinDelayRetries = minDelayRetries };
        }

        if (settings.Int32("NumMaxDelayRetries") is { } maxDelayRetries)
        {
            policy = policy with { NumMaxDelayRetries = maxDelayRetries };
        }

        if (settings.Duration("MinDelayTarget", TimeSpan.FromSeconds(20), secondsAllowed: true) is { } minDelay)
        {
            policy = policy with { MinDelayTarget = minDelay };
        }

        if (settings.Duration("MaxDelayTarget", TimeSpan.FromSeconds(20), secondsAllowed: true) is { } maxDelay)
        {
            policy = policy with { MaxDelayTarget = maxDelay };
        }

        if (settings.Enum<BackoffFunction>("BackoffFunction") is { } backoff)
        {
            policy = policy with { BackoffFunction = backoff };
        }

        return policy;
    }
}
