using System.Diagnostics.Metrics;

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

    /// <summary>
    /// Creates the broker's <see cref="Meter"/>, named <c>Broker</c>, whose instruments mirror the CloudWatch metrics of
    /// SQS, SNS and Kinesis (see the README's Telemetry section). Default <see langword="null"/>: the broker creates its
    /// own <c>new Meter("Broker")</c> and disposes it when the broker is disposed. With a factory (for example the
    /// <c>IMeterFactory</c> of a host's service provider) the meter belongs to the factory, which disposes it; brokers
    /// sharing one factory share its meter, and their counters add up per queue, topic and stream name.
    /// </summary>
    /// <remarks>
    /// An instrument nobody listens to costs one flag read per operation. While one is listened to, the broker adds one
    /// measurement per operation and takes no lock and allocates nothing for it on the send, receive, delete, publish,
    /// put and get paths (what the listener does with the measurement is its own cost).
    /// </remarks>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Durable mode: the directory and <see cref="Durability.DurabilityPolicy"/> of the broker's journal, from which a
    /// broker created on the same directory recovers every queue, message, topic and queue subscription it acknowledged
    /// (see <see cref="MessageBroker.Recovery"/>). Default <see langword="null"/>: everything lives in memory and a
    /// process exit loses it. Validated when the broker is created. See docs/durability.md.
    /// </summary>
    public Durability.DurableStorage? Storage { get; init; }
}
