using Broker.Filtering;

namespace Broker.Topics;

/// <summary>
/// One subscription of a topic: a queue (SNS protocol <c>sqs</c>) or an in-process handler (protocol <c>lambda</c>,
/// the analogue of a Lambda function subscribed to a topic). Subscriptions in one process are confirmed at once.
/// </summary>
public interface ISubscription
{
    /// <summary>The subscription's ARN: the topic's ARN, a colon and a UUID.</summary>
    string Arn { get; }

    /// <summary>The topic's ARN.</summary>
    string TopicArn { get; }

    /// <summary><c>sqs</c> for a queue, <c>lambda</c> for a handler.</summary>
    string Protocol { get; }

    /// <summary>The queue's ARN, or a name for the handler.</summary>
    string Endpoint { get; }

    /// <summary>The current settings.</summary>
    SubscriptionOptions Options { get; }

    /// <summary>
    /// The subscription's attributes by their SNS names: <c>SubscriptionArn</c>, <c>TopicArn</c>, <c>Protocol</c>,
    /// <c>Endpoint</c>, <c>Owner</c>, <c>PendingConfirmation</c>, <c>ConfirmationWasAuthenticated</c>, <c>RawMessageDelivery</c>,
    /// <c>FilterPolicyScope</c>, and <c>FilterPolicy</c>, <c>RedrivePolicy</c> and <c>DeliveryPolicy</c> when set
    /// (SNS: GetSubscriptionAttributes).
    /// </summary>
    /// <returns>The attributes.</returns>
    IReadOnlyDictionary<string, string> GetAttributes();

    /// <summary>
    /// Changes one attribute: <c>FilterPolicy</c> (<c>""</c> removes it), <c>FilterPolicyScope</c>, <c>RawMessageDelivery</c>,
    /// <c>RedrivePolicy</c> (<c>{"deadLetterTargetArn":"..."}</c>, <c>""</c> removes it) or <c>DeliveryPolicy</c>
    /// (SNS: SetSubscriptionAttributes). Takes effect for the next publish.
    /// </summary>
    /// <param name="name">The attribute's SNS name.</param>
    /// <param name="value">Its new value.</param>
    /// <exception cref="BrokerException">The name or value is invalid (<c>InvalidParameter</c>, with SNS's message), or the subscription was deleted (<c>NotFound</c>).</exception>
    void SetAttribute(string name, string value);

    /// <summary>Changes the settings as a whole; validated as when subscribing.</summary>
    /// <param name="options">The new settings.</param>
    /// <exception cref="BrokerException">A setting is invalid (<c>InvalidParameter</c>), or the subscription was deleted (<c>NotFound</c>).</exception>
    void SetOptions(SubscriptionOptions options);

    /// <summary>
    /// Deletes the subscription (SNS: Unsubscribe). Publishes that start afterwards do not reach it; retries already
    /// scheduled are dropped. Deleting it twice does nothing.
    /// </summary>
    void Unsubscribe();
}
