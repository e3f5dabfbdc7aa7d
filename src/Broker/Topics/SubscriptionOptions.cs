using Broker.Filtering;

namespace Broker.Topics;

/// <summary>
/// The settings of one subscription, with SNS's defaults. Pass to <see cref="ITopic.Subscribe(Queues.IMessageQueue, SubscriptionOptions?)"/>
/// or <see cref="ITopic.Subscribe(Func{Notification, CancellationToken, ValueTask}, SubscriptionOptions?)"/>; change later with
/// <see cref="ISubscription.SetAttribute(string, string)"/>.
/// </summary>
public sealed record SubscriptionOptions
{
    /// <summary>
    /// An SNS filter policy (JSON); only messages it matches are delivered. <see langword="null"/> (the default) delivers
    /// every message. Validated and compiled once, when subscribing. SNS: <c>FilterPolicy</c>.
    /// </summary>
    public string? FilterPolicy { get; init; }

    /// <summary>
    /// What the filter policy is matched against: the message attributes (the default) or the JSON message body.
    /// SNS: <c>FilterPolicyScope</c>.
    /// </summary>
    public FilterPolicyScope FilterPolicyScope { get; init; }

    /// <summary>
    /// Queue subscriptions only: deliver the published body and attributes as they are (at most 10 attributes), instead of
    /// the SNS JSON envelope. Default <see langword="false"/>. SNS: <c>RawMessageDelivery</c>.
    /// </summary>
    public bool RawMessageDelivery { get; init; }

    /// <summary>
    /// The queue that receives a message this subscription could not deliver after its last retry, or at once for an
    /// error a retry cannot fix (the subscribed queue was deleted, the message is too large for it). <see langword="null"/>
    /// (the default) drops such messages. SNS: <c>RedrivePolicy</c> with <c>deadLetterTargetArn</c>.
    /// </summary>
    public SubscriptionRedrivePolicy? RedrivePolicy { get; init; }

    /// <summary>
    /// When and how often a failed delivery is retried. <see langword="null"/> (the default) uses
    /// <see cref="DeliveryPolicy.AwsManagedEndpoint"/>, SNS's policy for SQS and Lambda endpoints (100,015 attempts over
    /// 23 days); set a shorter one to reach the dead-letter queue sooner. SNS: <c>DeliveryPolicy</c> (which SNS accepts for
    /// HTTP/S only).
    /// </summary>
    public DeliveryPolicy? DeliveryPolicy { get; init; }

    /// <summary>
    /// Handler subscriptions only: how many invocations of the handler may run at once. Default 16; 1 to 1,000.
    /// The in-process analogue of a Lambda function's reserved concurrency.
    /// </summary>
    public int MaxConcurrency { get; init; } = TopicDefaults.HandlerMaxConcurrency;
}

/// <summary>A subscription's dead-letter queue (SNS: the subscription's <c>RedrivePolicy</c>).</summary>
/// <param name="DeadLetterTarget">The queue's name or ARN; it must exist when the subscription is created or changed.</param>
public sealed record SubscriptionRedrivePolicy(string DeadLetterTarget);
