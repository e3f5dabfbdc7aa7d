namespace Broker;

/// <summary>Settings of a <see cref="MessageBroker"/>. Every default is the one AWS uses.</summary>
public sealed record BrokerOptions
{
    /// <summary>The Region named in resource ARNs. Default <c>us-east-1</c>.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>The account id named in resource ARNs. Default <c>000000000000</c>.</summary>
    public string AccountId { get; init; } = "000000000000";

    /// <summary>
    /// How long after <see cref="MessageBroker.DeleteQueue"/> a queue of the same name may not be created again
    /// (<c>QueueDeletedRecently</c>). Default 60 seconds, as on SQS; <see cref="TimeSpan.Zero"/> turns the cool-down off,
    /// which is what most unit tests want.
    /// </summary>
    public TimeSpan QueueDeletionCooldown { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long after a purge another purge of the same queue fails with <c>PurgeQueueInProgress</c>.
    /// Default 60 seconds, as on SQS; <see cref="TimeSpan.Zero"/> turns the cool-down off.
    /// </summary>
    public TimeSpan PurgeCooldown { get; init; } = TimeSpan.FromSeconds(60);
}
