using Broker.Filtering;
using Broker.Topics;

namespace Broker.Hosting;

/// <summary>
/// The settings of a hosted topic subscriber (<c>AddTopicSubscriber</c>): the in-process analogue of a Lambda function
/// subscribed to an SNS topic. They become the <see cref="SubscriptionOptions"/> of the handler subscription made when
/// the host starts. Validated when the subscriber is registered
/// (<see cref="Microsoft.Extensions.Options.OptionsValidationException"/>, one message per problem).
/// </summary>
public sealed class TopicSubscriberOptions
{
    /// <summary>
    /// How many invocations of the handler may run at once (SNS subscription: the function's reserved concurrency).
    /// Default 16; 1 to 1,000.
    /// </summary>
    public int MaxConcurrency { get; set; } = TopicSubscriberDefaults.MaxConcurrency;

    /// <summary>
    /// When a failed invocation is retried. <see langword="null"/> (the default) uses
    /// <see cref="Topics.DeliveryPolicy.AwsManagedEndpoint"/>, SNS's policy for Lambda endpoints (3 immediate retries, then
    /// backoff up to 20 s, 100,015 retries over about 23 days); set a short one (for example
    /// <see cref="Topics.DeliveryPolicy.HttpDefault"/>) to reach the <see cref="DeadLetterQueue"/> sooner. Delays run on the
    /// broker's clock. Validated by the broker when the host starts.
    /// </summary>
    public DeliveryPolicy? DeliveryPolicy { get; set; }

    /// <summary>
    /// The name or ARN of the queue that receives a notification whose retries are exhausted (the subscription's
    /// <c>RedrivePolicy</c>), as an SNS JSON envelope with <c>ErrorCode</c> and <c>ErrorMessage</c> attributes.
    /// <see langword="null"/> (the default) drops such notifications, as SNS does. The queue must exist when the host starts.
    /// </summary>
    public string? DeadLetterQueue { get; set; }

    /// <summary>
    /// What the filter policy given to <c>AddTopicSubscriber</c> is matched against: the message attributes (the default)
    /// or the JSON message body. SNS: <c>FilterPolicyScope</c>.
    /// </summary>
    public FilterPolicyScope FilterPolicyScope { get; set; } = FilterPolicyScope.MessageAttributes;

    /// <summary>A copy, taken once validated, so later changes to the configured instance cannot bypass validation.</summary>
    internal TopicSubscriberOptions Snapshot() => (TopicSubscriberOptions)MemberwiseClone();
}
