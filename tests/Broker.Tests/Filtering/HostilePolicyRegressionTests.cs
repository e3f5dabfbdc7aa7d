using Broker.Filtering;

namespace Broker.Tests.Filtering;

/// <summary>Regressions found by the hostile-input properties (tests/Broker.PropertyTests/Hostile): each failed before its fix.</summary>
public sealed class HostilePolicyRegressionTests
{
    /// <summary>
    /// Two keys, each over 40 nested two-way <c>$or</c>s: 2^80 alternatives in under 3 KB. The sub-rule count saturated
    /// at 2^40 by multiplying first, and 2^40 × 2^40 wraps to 0, so the policy passed both dialects' limits and was
    /// expanded until memory ran out. It must be refused at once. (The hang guard only keeps a regression from stalling
    /// the run; it is not a timing assertion.)
    /// </summary>
    [Theory]
    [InlineData(FilterDialect.Sns, BrokerErrorCodes.InvalidParameter)]
    [InlineData(FilterDialect.EventBridge, BrokerErrorCodes.InvalidEventPatternException)]
    public async Task A_policy_whose_or_alternatives_overflow_a_64_bit_count_is_refused_as_too_complex(FilterDialect dialect, string code)
    {
        var inner = "{" + string.Join(',', Enumerable.Range(0, 40).Select(static i => $"\"k{i}\":{{\"$or\":[{{\"a\":[1]}},{{\"b\":[1]}}]}}")) + "}";
        var json = $"{{\"A\":{inner},\"B\":{inner}}}";

        var parse = Task.Run(() => FilterPolicy.Parse(json, FilterPolicyScope.MessageBody, dialect));
        var error = await Assert.ThrowsAsync<BrokerException>(() => parse.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(code, error.ErrorCode);
    }
}
