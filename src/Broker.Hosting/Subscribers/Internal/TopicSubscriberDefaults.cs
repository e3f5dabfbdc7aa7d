namespace Broker.Hosting;

/// <summary>The defaults and ranges of <see cref="TopicSubscriberOptions"/>, in one place.</summary>
internal static class TopicSubscriberDefaults
{
    /// <summary>The broker's default handler concurrency (SNS handler subscriptions).</summary>
    public const int MaxConcurrency = 16;

    /// <summary>The broker's largest handler concurrency.</summary>
    public const int MaxConcurrencyLimit = 1_000;

    /// <summary>
    /// Checks the options; returns one message per problem, each starting with its path
    /// (<c>TopicSubscriber:{topic}:{Setting}</c>), or none.
    /// </summary>
    public static List<string> Validate(string topicName, TopicSubscriberOptions options)
    {
        var path = $"TopicSubscriber:{topicName}";
        var failures = new List<string>();
        if (options.MaxConcurrency is < 1 or > MaxConcurrencyLimit)
        {
            failures.Add($"{path}:MaxConcurrency: {options.MaxConcurrency} is out of range; use 1 to 1,000.");
        }

        if (options.DeadLetterQueue is { } deadLetterQueue && string.IsNullOrWhiteSpace(deadLetterQueue))
        {
            failures.Add($"{path}:DeadLetterQueue: must be a queue name or ARN, or null for none.");
        }

        if (!Enum.IsDefined(options.FilterPolicyScope))
        {
            failures.Add($"{path}:FilterPolicyScope: {options.FilterPolicyScope} is not one of MessageAttributes, MessageBody.");
        }

        return failures;
    }
}
