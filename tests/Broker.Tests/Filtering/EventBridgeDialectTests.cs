using Broker.Filtering;
using static Broker.Tests.Filtering.Filters;

namespace Broker.Tests.Filtering;

/// <summary>
/// The operators only EventBridge has (wildcard, anything-but suffix / wildcard / equals-ignore-case, prefix and suffix
/// with equals-ignore-case), their AWS-validated edge cases, and their rejection under the SNS dialect.
/// </summary>
public sealed class EventBridgeDialectTests
{
    private static bool MatchEvent(string pattern, string eventJson) => Event(J(pattern), J(eventJson));

    [Theory]
    [InlineData("*.png", "x.png", true)]
    [InlineData("*.png", ".png", true)]
    [InlineData("*.png", "dir/sub/x.png", true)]
    [InlineData("*.png", "x.jpg", false)]
    [InlineData("*.png", "x.png.gz", false)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("a*b*c", "abcd", false)]
    [InlineData("arn:aws:events:us-east-1:*:event-bus/*", "arn:aws:events:us-east-1:123456789012:event-bus/default", true)]
    [InlineData("arn:aws:events:us-east-1:*:event-bus/*", "arn:aws:events:eu-west-1:123456789012:event-bus/default", false)]
    [InlineData("*", "", true)]
    [InlineData("*", "anything", true)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("abc", "abc", true)]
    [InlineData("abc", "ABC", false)]
    public void Wildcard_star_matches_any_run_of_characters(string wildcard, string value, bool expected) =>
        Assert.Equal(expected, MatchEvent("{'a':[{'wildcard':'" + wildcard + "'}]}", "{'a':'" + value + "'}"));

    [Theory]
    [InlineData(@"a\\*b", "a*b", true)]
    [InlineData(@"a\\*b", "aXb", false)]
    [InlineData(@"a\\*b", "ab", false)]
    [InlineData(@"a\\\\*", @"a\\", true)]
    [InlineData(@"a\\\\*", @"a\\xyz", true)]
    [InlineData(@"a\\\\*", "axyz", false)]
    public void Wildcard_escapes_make_star_and_backslash_literal(string jsonWildcard, string jsonValue, bool expected) =>
        Assert.Equal(expected, MatchEvent("{'a':[{'wildcard':'" + jsonWildcard + "'}]}", "{'a':'" + jsonValue + "'}"));

    [Theory]
    [InlineData("{'a':5}")]
    [InlineData("{'a':null}")]
    [InlineData("{'a':true}")]
    [InlineData("{'b':'x'}")]
    public void Wildcard_matches_strings_only(string eventJson) =>
        Assert.False(MatchEvent("{'a':[{'wildcard':'*'}]}", eventJson));

    [Theory]
    [InlineData("{'a':'x.jpg'}", true)]
    [InlineData("{'a':'x.png'}", false)]
    [InlineData("{'a':5}", true)]
    [InlineData("{'a':null}", true)]
    [InlineData("{'a':['x.png','y.gif']}", true)]
    [InlineData("{'b':'x.jpg'}", false)]
    public void Anything_but_suffix_excludes_strings_with_that_suffix(string eventJson, bool expected) =>
        Assert.Equal(expected, MatchEvent("{'a':[{'anything-but':{'suffix':'.png'}}]}", eventJson));

    [Theory]
    [InlineData("{'a':'x.jpg'}", false)]
    [InlineData("{'a':'x.png'}", false)]
    [InlineData("{'a':'x.gif'}", true)]
    public void Anything_but_suffix_takes_a_list(string eventJson, bool expected) =>
        Assert.Equal(expected, MatchEvent("{'a':[{'anything-but':{'suffix':['.png','.jpg']}}]}", eventJson));

    [Theory]
    [InlineData("{'a':'/usr/lib/x'}", false)]
    [InlineData("{'a':'/usr/bin/x'}", true)]
    [InlineData("{'a':123}", true)]
    [InlineData("{'b':'/usr/bin/x'}", false)]
    public void Anything_but_wildcard_excludes_strings_the_wildcard_matches(string eventJson, bool expected) =>
        Assert.Equal(expected, MatchEvent("{'a':[{'anything-but':{'wildcard':'*/lib/*'}}]}", eventJson));

    [Theory]
    [InlineData("{'a':'x'}", true)]
    [InlineData("{'a':''}", false)]
    public void Anything_but_the_empty_wildcard_matches_every_non_empty_string(string eventJson, bool expected) =>
        Assert.Equal(expected, MatchEvent("{'a':[{'anything-but':{'wildcard':''}}]}", eventJson));

    [Theory]
    [InlineData("{'a':'RED'}", false)]
    [InlineData("{'a':'blue'}", false)]
    [InlineData("{'a':'green'}", true)]
    [InlineData("{'a':7}", true)]
    [InlineData("{'b':'green'}", false)]
    public void Anything_but_equals_ignore_case_excludes_strings_equal_up_to_case_from_a_list(string eventJson, bool expected) =>
        Assert.Equal(expected, MatchEvent("{'a':[{'anything-but':{'equals-ignore-case':['Red','Blue']}}]}", eventJson));

    [Theory]
    [InlineData("{'a':'rED'}", false)]
    [InlineData("{'a':'blue'}", true)]
    [InlineData("{'a':null}", true)]
    public void Anything_but_equals_ignore_case_takes_a_single_string(string eventJson, bool expected) =>
        Assert.Equal(expected, MatchEvent("{'a':[{'anything-but':{'equals-ignore-case':'Red'}}]}", eventJson));

    [Theory]
    [InlineData("{'a':[{'prefix':{'equals-ignore-case':'ABC'}}]}", "{'a':'abcdef'}", true)]
    [InlineData("{'a':[{'prefix':{'equals-ignore-case':'ABC'}}]}", "{'a':'AbC'}", true)]
    [InlineData("{'a':[{'prefix':{'equals-ignore-case':'ABC'}}]}", "{'a':'xabc'}", false)]
    [InlineData("{'a':[{'prefix':{'equals-ignore-case':'ABC'}}]}", "{'a':5}", false)]
    [InlineData("{'a':[{'suffix':{'equals-ignore-case':'.PNG'}}]}", "{'a':'x.png'}", true)]
    [InlineData("{'a':[{'suffix':{'equals-ignore-case':'.PNG'}}]}", "{'a':'x.Png'}", true)]
    [InlineData("{'a':[{'suffix':{'equals-ignore-case':'.PNG'}}]}", "{'a':'x.png.gz'}", false)]
    public void Prefix_and_suffix_with_equals_ignore_case_ignore_case(string pattern, string eventJson, bool expected) =>
        Assert.Equal(expected, MatchEvent(pattern, eventJson));

    [Theory]
    [InlineData("{'number':[300]}", "{'number':300.0}", true)]
    [InlineData("{'a':[null]}", "{'b':1}", false)]
    [InlineData("{'a':[null]}", "{'a':[]}", false)]
    [InlineData("{'a':[{'exists':true}]}", "{'a':[]}", false)]
    [InlineData("{'a':[{'exists':true}]}", "{'a':{'b':1}}", false)]
    [InlineData("{'a':[{'exists':false}]}", "{'a':{'b':1}}", true)]
    [InlineData("{'detail':{'state':{'status':['running']}}}", "{'detail':{'state.status':'running'}}", true)]
    [InlineData("{'Source':['x']}", "{'source':'x'}", false)]
    [InlineData("{'location':['a'],'location':['b']}", "{'location':'b'}", true)]
    [InlineData("{'location':['a'],'location':['b']}", "{'location':'a'}", false)]
    public void Aws_validated_event_pattern_cases_hold(string pattern, string eventJson, bool expected) =>
        Assert.Equal(expected, MatchEvent(pattern, eventJson));

    [Fact]
    public void Event_patterns_have_no_five_key_or_combination_limit()
    {
        var values = string.Join(",", Enumerable.Range(0, 151).Select(i => "'v" + i + "'"));
        var pattern = FilterPolicy.Parse(J("{'a':[" + values + "],'b':['1'],'c':['1'],'d':['1'],'e':['1'],'f':['1']}"),
            FilterPolicyScope.MessageBody, FilterDialect.EventBridge);
        Assert.True(pattern.Matches(J("{'a':'v150','b':'1','c':'1','d':'1','e':'1','f':'1'}")));
    }

    [Theory]
    [InlineData("{'a':[{'wildcard':'*.png'}]}", "Unrecognized match type wildcard")]
    [InlineData("{'a':[{'anything-but':{'suffix':'.png'}}]}", "Unsupported anything-but pattern: suffix")]
    [InlineData("{'a':[{'anything-but':{'wildcard':'*.png'}}]}", "Unsupported anything-but pattern: wildcard")]
    [InlineData("{'a':[{'anything-but':{'equals-ignore-case':'x'}}]}", "Unsupported anything-but pattern: equals-ignore-case")]
    public void The_sns_dialect_rejects_event_bridge_only_operators(string policy, string rulerMessage)
    {
        foreach (var scope in new[] { FilterPolicyScope.MessageAttributes, FilterPolicyScope.MessageBody })
        {
            var error = Rejects(J(policy), scope);
            Assert.Equal(BrokerErrorCodes.InvalidParameter, error.ErrorCode);
            Assert.Equal("Invalid parameter: FilterPolicy: " + rulerMessage, error.Message);
        }
    }

    [Theory]
    [InlineData("{'a':[{'prefix':{'equals-ignore-case':'x'}}]}")]
    [InlineData("{'a':[{'suffix':{'equals-ignore-case':'x'}}]}")]
    public void The_sns_dialect_rejects_prefix_and_suffix_with_equals_ignore_case(string policy)
    {
        var error = Rejects(J(policy), FilterPolicyScope.MessageBody);
        Assert.Equal(BrokerErrorCodes.InvalidParameter, error.ErrorCode);
        Assert.StartsWith("Invalid parameter: FilterPolicy: ", error.Message, StringComparison.Ordinal);
    }
}
