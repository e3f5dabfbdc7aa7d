namespace Broker.Topics;

/// <summary>
/// When a failed delivery is retried, in SNS's four phases: retries with no delay, retries at the minimum delay, retries
/// whose delay grows from the minimum to the maximum by <see cref="BackoffFunction"/>, and retries at the maximum delay.
/// After the last retry the message goes to the subscription's dead-letter queue, or is dropped when it has none.
/// Delays are measured on the broker's <see cref="TimeProvider"/>. SNS: the <c>healthyRetryPolicy</c> of a <c>DeliveryPolicy</c>.
/// </summary>
/// <remarks>SNS adds random jitter to its delays; the broker does not, so a test with a fake clock knows when each retry runs.</remarks>
public sealed record DeliveryPolicy
{
    /// <summary>
    /// SNS's policy for AWS-managed endpoints (SQS, Lambda): 3 immediate retries, 2 one second apart, 10 with exponential
    /// backoff from 1 s to 20 s, then 100,000 at 20 s: 100,015 retries over about 23 days.
    /// </summary>
    public static DeliveryPolicy AwsManagedEndpoint { get; } = new()
    {
        NumRetries = 100_015,
        NumNoDelayRetries = 3,
        NumMinDelayRetries = 2,
        NumMaxDelayRetries = 100_000,
        MinDelayTarget = TimeSpan.FromSeconds(1),
        MaxDelayTarget = TimeSpan.FromSeconds(20),
        BackoffFunction = BackoffFunction.Exponential,
    };

    /// <summary>
    /// SNS's default policy for HTTP/S endpoints: 3 retries, 20 s apart. A short policy that suits tests of the
    /// dead-letter path.
    /// </summary>
    public static DeliveryPolicy HttpDefault { get; } = new();

    /// <summary>Every retry after the first attempt, all phases together. Default 3; 0 to 100,015.</summary>
    public int NumRetries { get; init; } = 3;

    /// <summary>Retries made at once, before any delay. Default 0.</summary>
    public int NumNoDelayRetries { get; init; }

    /// <summary>Retries made <see cref="MinDelayTarget"/> apart, after the immediate ones. Default 0.</summary>
    public int NumMinDelayRetries { get; init; }

    /// <summary>Retries made <see cref="MaxDelayTarget"/> apart, at the end. Default 0.</summary>
    public int NumMaxDelayRetries { get; init; }

    /// <summary>The shortest delay between attempts. Default 20 s; at least 1 s and at most <see cref="MaxDelayTarget"/>.</summary>
    public TimeSpan MinDelayTarget { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The longest delay between attempts. Default 20 s; at most 3,600 s.</summary>
    public TimeSpan MaxDelayTarget { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How the backoff-phase delays grow from the minimum to the maximum. Default <see cref="BackoffFunction.Linear"/>.</summary>
    public BackoffFunction BackoffFunction { get; init; }

    /// <summary>
    /// The delay before retry <paramref name="retry"/> (1 for the first retry), or <see langword="null"/> when the policy
    /// allows no such retry.
    /// </summary>
    /// <param name="retry">The retry's number, from 1.</param>
    /// <returns>The delay, or <see langword="null"/> when retries are exhausted.</returns>
    public TimeSpan? DelayBeforeRetry(int retry)
    {
        if (retry < 1 || retry > NumRetries)
        {
            return null;
        }

        if (retry <= NumNoDelayRetries)
        {
            return TimeSpan.Zero;
        }

        if (retry <= NumNoDelayRetries + NumMinDelayRetries)
        {
            return MinDelayTarget;
        }

        var backoffRetries = NumRetries - NumNoDelayRetries - NumMinDelayRetries - NumMaxDelayRetries;
        var step = retry - NumNoDelayRetries - NumMinDelayRetries;
        if (step > backoffRetries)
        {
            return MaxDelayTarget;
        }

        // Step 1 waits the minimum and the last backoff step waits the maximum; the function shapes the steps between.
        var fraction = backoffRetries <= 1 ? 1.0 : (step - 1) / (double)(backoffRetries - 1);
        var min = MinDelayTarget.TotalSeconds;
        var max = MaxDelayTarget.TotalSeconds;
        var seconds = BackoffFunction switch
        {
            BackoffFunction.Arithmetic => min + ((max - min) * fraction * fraction),
            BackoffFunction.Geometric => min + ((max - min) * fraction * fraction * fraction),
            BackoffFunction.Exponential => min * Math.Pow(max / min, fraction),
            _ => min + ((max - min) * fraction),
        };
        return TimeSpan.FromSeconds(Math.Round(Math.Clamp(seconds, min, max), 3));
    }

    /// <summary>Checks the policy against SNS's ranges.</summary>
    internal void Validate()
    {
        static BrokerException Invalid(string what) =>
            new(BrokerErrorCodes.InvalidParameter, $"Invalid parameter: DeliveryPolicy: {what}");

        if (NumRetries is < 0 or > 100_015)
        {
            throw Invalid($"numRetries must be between 0 and 100015, but was {NumRetries}.");
        }

        if (NumNoDelayRetries < 0 || NumMinDelayRetries < 0 || NumMaxDelayRetries < 0)
        {
            throw Invalid("numNoDelayRetries, numMinDelayRetries and numMaxDelayRetries must not be negative.");
        }

        if ((long)NumNoDelayRetries + NumMinDelayRetries + NumMaxDelayRetries > NumRetries)
        {
            throw Invalid("numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries.");
        }

        if (MinDelayTarget < TimeSpan.FromSeconds(1) || MinDelayTarget > MaxDelayTarget)
        {
            throw Invalid($"minDelayTarget must be at least 1 second and at most maxDelayTarget, but was {MinDelayTarget.TotalSeconds} seconds.");
        }

        if (MaxDelayTarget > TimeSpan.FromSeconds(3600))
        {
            throw Invalid($"maxDelayTarget must be at most 3600 seconds, but was {MaxDelayTarget.TotalSeconds} seconds.");
        }

        if (!Enum.IsDefined(BackoffFunction))
        {
            throw Invalid($"backoffFunction {BackoffFunction} is not one of linear, arithmetic, geometric, exponential.");
        }
    }
}

/// <summary>How delays grow in a <see cref="DeliveryPolicy"/>'s backoff phase (SNS: <c>backoffFunction</c>).</summary>
public enum BackoffFunction
{
    /// <summary>Evenly spaced steps from the minimum to the maximum delay.</summary>
    Linear = 0,

    /// <summary>Steps that grow quadratically.</summary>
    Arithmetic = 1,

    /// <summary>Steps that grow cubically.</summary>
    Geometric = 2,

    /// <summary>Each delay a constant factor larger than the one before.</summary>
    Exponential = 3,
}
