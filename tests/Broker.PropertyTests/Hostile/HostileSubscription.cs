using Broker.Filtering;
using Broker.Topics;
using FsCheck;
using FsCheck.Fluent;
using static Broker.BrokerErrorCodes;

namespace Broker.PropertyTests.Hostile;

/// <summary>A subscription attribute (name and value) and a whole set of subscription options, each hostile.</summary>
internal sealed record HostileSubscription(string Name, string Value, SubscriptionOptions Options)
{
    private static readonly string[] Settable = ["FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy", "DeliveryPolicy"];

    private static readonly string[] Values =
    [
        "true", "false", "TRUE", "yes", "", "MessageBody", "MessageAttributes", "messagebody",
        """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:jobs-dlq"}""",
        """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:orders.fifo"}""",
        """{"healthyRetryPolicy":{"numRetries":3,"minDelayTarget":1,"maxDelayTarget":20}}""",
        """{"healthyRetryPolicy":{"numRetries":-1}}""",
        """{"healthyRetryPolicy":{"numRetries":1e400,"backoffFunction":"cubic"}}""",
    ];

    private static readonly Gen<DeliveryPolicy?> DeliveryGen = Gen.Frequency(
        (2, Gen.Constant<DeliveryPolicy?>(null)),
        (3, from retries in HostileGen.Int
            from noDelay in HostileGen.Int
            from minDelay in HostileGen.Int
            from maxDelay in HostileGen.Int
            from minTarget in HostileGen.Duration
            from maxTarget in HostileGen.Duration
            from backoff in Gen.Choose(-1, 4)
            select (DeliveryPolicy?)new DeliveryPolicy
            {
                NumRetries = retries,
                NumNoDelayRetries = noDelay,
                NumMinDelayRetries = minDelay,
                NumMaxDelayRetries = maxDelay,
                MinDelayTarget = minTarget,
                MaxDelayTarget = maxTarget,
                BackoffFunction = (BackoffFunction)backoff,
            }),
        (1, Gen.Elements<DeliveryPolicy?>(DeliveryPolicy.HttpDefault, DeliveryPolicy.AwsManagedEndpoint)));

    public static Gen<HostileSubscription> Generator { get; } =
        from name in Gen.Frequency((4, Gen.Elements(Settable)), (1, HostileText.Arbitrary().Generator.Select(static t => t.Value)))
        from value in Gen.Frequency((3, Gen.Elements(Values)), (2, HostilePolicies.Arbitrary().Generator.Select(static t => t.Value)), (1, Gen.Elements(HostileJson.Policies)))
        from filter in Gen.Frequency((1, Gen.Constant<string?>(null)), (2, HostilePolicies.Arbitrary().Generator.Select(static t => (string?)t.Value)))
        from scope in Gen.Elements(0, 1, 2, -1)
        from raw in Gen.Elements(false, true)
        from concurrency in HostileGen.Int
        from redrive in Gen.Elements<SubscriptionRedrivePolicy?>(null, new("jobs-dlq"), new("orders.fifo"), new("missing"), new(""), new("arn:aws:sqs:us-east-1:000000000000:jobs-dlq"))
        from delivery in DeliveryGen
        select new HostileSubscription(name, value, new SubscriptionOptions
        {
            FilterPolicy = filter,
            FilterPolicyScope = (FilterPolicyScope)scope,
            RawMessageDelivery = raw,
            MaxConcurrency = concurrency,
            RedrivePolicy = redrive,
            DeliveryPolicy = delivery,
        });

    /// <summary>An attribute SNS does not let a subscriber set must be refused; a settable one may be, with InvalidParameter.</summary>
    public Verdict AttributeVerdict => Settable.Contains(Name) ? Verdict.MaySucceedOr(InvalidParameter) : Verdict.Fails(InvalidParameter);

    public override string ToString() => $"{HostileText.Escape(Name)}={HostileJson.Show(Value)}";
}
