using Broker.Topics;

namespace Broker.Tests.Topics;

public sealed class DeliveryPolicyTests : TopicFixture
{
    private static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void The_aws_managed_policy_makes_three_immediate_retries_then_two_one_second_apart()
    {
        var policy = DeliveryPolicy.AwsManagedEndpoint;

        Assert.Equal(TimeSpan.Zero, policy.DelayBeforeRetry(1));
        Assert.Equal(TimeSpan.Zero, policy.DelayBeforeRetry(2));
        Assert.Equal(TimeSpan.Zero, policy.DelayBeforeRetry(3));
        Assert.Equal(Seconds(1), policy.DelayBeforeRetry(4));
        Assert.Equal(Seconds(1), policy.DelayBeforeRetry(5));
    }

    [Fact]
    public void The_aws_managed_policy_backs_off_exponentially_from_one_to_twenty_seconds_over_ten_retries()
    {
        var policy = DeliveryPolicy.AwsManagedEndpoint;
        var backoff = Enumerable.Range(6, 10).Select(r => policy.DelayBeforeRetry(r)!.Value.TotalSeconds).ToArray();

        Assert.Equal(1, backoff[0]);
        Assert.Equal(20, backoff[^1]);
        var ratio = Math.Pow(20, 1.0 / 9);
        for (var i = 1; i < backoff.Length; i++)
        {
            Assert.InRange(backoff[i] / backoff[i - 1], ratio - 0.01, ratio + 0.01);
        }
    }

    [Fact]
    public void The_aws_managed_policy_then_retries_every_twenty_seconds_up_to_100015_retries()
    {
        var policy = DeliveryPolicy.AwsManagedEndpoint;

        Assert.Equal(Seconds(20), policy.DelayBeforeRetry(16));
        Assert.Equal(Seconds(20), policy.DelayBeforeRetry(50_000));
        Assert.Equal(Seconds(20), policy.DelayBeforeRetry(100_015));
        Assert.Null(policy.DelayBeforeRetry(100_016));
        Assert.Null(policy.DelayBeforeRetry(0));
    }

    [Fact]
    public void The_http_default_is_three_retries_twenty_seconds_apart()
    {
        var policy = DeliveryPolicy.HttpDefault;

        Assert.Equal([Seconds(20), Seconds(20), Seconds(20)], Enumerable.Range(1, 3).Select(r => policy.DelayBeforeRetry(r)!.Value));
        Assert.Null(policy.DelayBeforeRetry(4));
        Assert.Equal(BackoffFunction.Linear, policy.BackoffFunction);
    }

    [Fact]
    public void A_custom_policy_runs_its_phases_in_order_no_delay_min_delay_backoff_max_delay()
    {
        var policy = new DeliveryPolicy
        {
            NumRetries = 10,
            NumNoDelayRetries = 2,
            NumMinDelayRetries = 2,
            NumMaxDelayRetries = 2,
            MinDelayTarget = Seconds(10),
            MaxDelayTarget = Seconds(40),
            BackoffFunction = BackoffFunction.Linear,
        };

        Assert.Equal(
            [Seconds(0), Seconds(0), Seconds(10), Seconds(10), Seconds(10), Seconds(20), Seconds(30), Seconds(40), Seconds(40), Seconds(40)],
            Enumerable.Range(1, 10).Select(r => policy.DelayBeforeRetry(r)!.Value));
        Assert.Null(policy.DelayBeforeRetry(11));
    }

    [Fact]
    public void Linear_backoff_spaces_delays_evenly_from_the_minimum_to_the_maximum()
    {
        var policy = new DeliveryPolicy { NumRetries = 5, MinDelayTarget = Seconds(10), MaxDelayTarget = Seconds(50) };

        Assert.Equal([Seconds(10), Seconds(20), Seconds(30), Seconds(40), Seconds(50)], Enumerable.Range(1, 5).Select(r => policy.DelayBeforeRetry(r)!.Value));
    }

    [Theory]
    [InlineData(BackoffFunction.Arithmetic)]
    [InlineData(BackoffFunction.Geometric)]
    [InlineData(BackoffFunction.Exponential)]
    public void Non_linear_backoff_grows_from_the_minimum_to_the_maximum_by_widening_steps(BackoffFunction function)
    {
        var policy = new DeliveryPolicy { NumRetries = 6, MinDelayTarget = Seconds(2), MaxDelayTarget = Seconds(200), BackoffFunction = function };
        var delays = Enumerable.Range(1, 6).Select(r => policy.DelayBeforeRetry(r)!.Value.TotalSeconds).ToArray();

        Assert.Equal(2, delays[0]);
        Assert.Equal(200, delays[^1]);
        for (var i = 2; i < delays.Length; i++)
        {
            Assert.True(delays[i] - delays[i - 1] > delays[i - 1] - delays[i - 2], $"{function}: {string.Join(", ", delays)}");
        }
    }

    [Fact]
    public void Geometric_backoff_starts_slower_than_arithmetic()
    {
        var arithmetic = new DeliveryPolicy { NumRetries = 6, MinDelayTarget = Seconds(2), MaxDelayTarget = Seconds(200), BackoffFunction = BackoffFunction.Arithmetic };
        var geometric = arithmetic with { BackoffFunction = BackoffFunction.Geometric };

        Assert.True(geometric.DelayBeforeRetry(3) < arithmetic.DelayBeforeRetry(3));
    }

    [Fact]
    public void A_single_backoff_retry_waits_the_maximum()
    {
        var policy = new DeliveryPolicy { NumRetries = 1, MinDelayTarget = Seconds(5), MaxDelayTarget = Seconds(60) };

        Assert.Equal(Seconds(60), policy.DelayBeforeRetry(1));
    }

    [Fact]
    public void A_policy_with_no_retries_allows_none()
    {
        Assert.Null(new DeliveryPolicy { NumRetries = 0 }.DelayBeforeRetry(1));
    }

    public static TheoryData<DeliveryPolicy> InvalidPolicies { get; } = new()
    {
        new DeliveryPolicy { NumRetries = -1 },
        new DeliveryPolicy { NumRetries = 100_016 },
        new DeliveryPolicy { NumRetries = 3, NumNoDelayRetries = -1 },
        new DeliveryPolicy { NumRetries = 3, NumMinDelayRetries = -1 },
        new DeliveryPolicy { NumRetries = 3, NumMaxDelayRetries = -1 },
        new DeliveryPolicy { NumRetries = 3, NumNoDelayRetries = 2, NumMinDelayRetries = 1, NumMaxDelayRetries = 1 },
        new DeliveryPolicy { MinDelayTarget = TimeSpan.FromMilliseconds(999), MaxDelayTarget = Seconds(20) },
        new DeliveryPolicy { MinDelayTarget = Seconds(30), MaxDelayTarget = Seconds(20) },
        new DeliveryPolicy { MinDelayTarget = Seconds(20), MaxDelayTarget = Seconds(3601) },
        new DeliveryPolicy { BackoffFunction = (BackoffFunction)42 },
    };

    [Theory]
    [MemberData(nameof(InvalidPolicies))]
    public void Subscribing_with_a_policy_outside_sns_ranges_is_rejected(DeliveryPolicy policy)
    {
        var topic = Broker.CreateTopic("t");

        var queueError = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe(Broker.CreateQueue("q"), new SubscriptionOptions { DeliveryPolicy = policy }));
        var handlerError = ThrowsBroker(BrokerErrorCodes.InvalidParameter, () => topic.Subscribe((_, _) => ValueTask.CompletedTask, new SubscriptionOptions { DeliveryPolicy = policy }));

        Assert.StartsWith("Invalid parameter: DeliveryPolicy: ", queueError.Message, StringComparison.Ordinal);
        Assert.StartsWith("Invalid parameter: DeliveryPolicy: ", handlerError.Message, StringComparison.Ordinal);
        Assert.Empty(topic.ListSubscriptions());
    }

    [Fact]
    public void Subscribing_with_policies_at_the_edges_of_sns_ranges_is_accepted()
    {
        var topic = Broker.CreateTopic("t");

        topic.Subscribe(Broker.CreateQueue("a"), new SubscriptionOptions { DeliveryPolicy = new DeliveryPolicy { NumRetries = 0 } });
        topic.Subscribe(Broker.CreateQueue("b"), new SubscriptionOptions { DeliveryPolicy = new DeliveryPolicy { NumRetries = 100_015 } });
        topic.Subscribe(Broker.CreateQueue("c"), new SubscriptionOptions { DeliveryPolicy = new DeliveryPolicy { MinDelayTarget = Seconds(1), MaxDelayTarget = Seconds(3600) } });
        topic.Subscribe(Broker.CreateQueue("d"), new SubscriptionOptions
        {
            DeliveryPolicy = new DeliveryPolicy { NumRetries = 3, NumNoDelayRetries = 1, NumMinDelayRetries = 1, NumMaxDelayRetries = 1 },
        });

        Assert.Equal(4, topic.ListSubscriptions().Count);
    }
}
