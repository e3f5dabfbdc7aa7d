using System.Text;
using Broker.Filtering;
using static Broker.Tests.Filtering.Filters;

namespace Broker.Tests.Filtering;

/// <summary>
/// Invalid policies are rejected with AWS's exact Ruler messages (section 2.6 of the semantics), wrapped per dialect:
/// SNS as <c>InvalidParameter</c> "Invalid parameter: FilterPolicy: &lt;msg&gt;", EventBridge as
/// <c>InvalidEventPatternException</c> "Event pattern is not valid. Reason: &lt;msg&gt;". Also the SNS limits.
/// </summary>
public sealed class ValidationTests
{
    private const string SnsPrefix = "Invalid parameter: FilterPolicy: ";
    private const string EventBridgePrefix = "Event pattern is not valid. Reason: ";

    private static void AssertSnsRejects(string policy, string rulerMessage, FilterPolicyScope scope = FilterPolicyScope.MessageBody)
    {
        var error = Rejects(policy, scope);
        Assert.Equal(BrokerErrorCodes.InvalidParameter, error.ErrorCode);
        Assert.Equal(SnsPrefix + rulerMessage, error.Message);
    }

    private static void AssertEventBridgeRejects(string pattern, string rulerMessage)
    {
        var error = Rejects(pattern, FilterPolicyScope.MessageBody, FilterDialect.EventBridge);
        Assert.Equal(BrokerErrorCodes.InvalidEventPatternException, error.ErrorCode);
        Assert.Equal(EventBridgePrefix + rulerMessage, error.Message);
    }

    private static FilterPolicy Accepts(string policy, FilterPolicyScope scope = FilterPolicyScope.MessageAttributes, FilterDialect dialect = FilterDialect.Sns) =>
        FilterPolicy.Parse(policy, scope, dialect);

    /// <summary>A JSON array text of <paramref name="count"/> distinct strings.</summary>
    private static string Values(string stem, int count) =>
        "[" + string.Join(",", Enumerable.Range(0, count).Select(i => "\"" + stem + i + "\"")) + "]";

    [Theory]
    [InlineData("['a']", "Filter is not an object")]
    [InlineData("{'key':'value'}", "\"key\" must be an object or an array")]
    [InlineData("{'key':5}", "\"key\" must be an object or an array")]
    [InlineData("{'key':[]}", "Empty arrays are not allowed")]
    [InlineData("{'key':{}}", "Empty objects are not allowed")]
    [InlineData("{'key':[['v']]}", "Match value must be String, number, true, false, or null")]
    [InlineData("{'key':[{'wrong-operator':'x'}]}", "Unrecognized match type wrong-operator")]
    [InlineData("{'key':[{'NUMERIC':['>',1]}]}", "Unrecognized match type NUMERIC")]
    [InlineData("{'key':[{'suffix':'a','prefix':'b'}]}", "Only one key allowed in match expression")]
    [InlineData("{'key':[{'prefix':1}]}", "prefix match pattern must be a string")]
    [InlineData("{'key':[{'cidr':1}]}", "prefix match pattern must be a string")]
    [InlineData("{'key':[{'suffix':1}]}", "suffix match pattern must be a string")]
    [InlineData("{'key':[{'equals-ignore-case':1}]}", "equals-ignore-case match pattern must be a string")]
    [InlineData("{'key':[{'anything-but':{'foo':'x'}}]}", "Unsupported anything-but pattern: foo")]
    [InlineData("{'key':[{'anything-but':null}]}", "Value of anything-but must be an array or single string/number value.")]
    [InlineData("{'key':[{'anything-but':true}]}", "Value of anything-but must be an array or single string/number value.")]
    [InlineData("{'key':[{'anything-but':[true]}]}", "Inside anything but list, start|null|boolean is not supported.")]
    [InlineData("{'key':[{'anything-but':['a',null]}]}", "Inside anything but list, start|null|boolean is not supported.")]
    [InlineData("{'key':[{'anything-but':['a',1]}]}", "Inside anything but list, either all values are number or string, mixed type is not supported")]
    [InlineData("{'key':[{'anything-but':{'prefix':1}}]}", "prefix/suffix match pattern must be a string")]
    [InlineData("{'key':[{'anything-but':{'prefix':''}}]}", "Null prefix/suffix not allowed")]
    [InlineData("{'key':[{'numeric':5}]}", "Value of numeric must be an array.")]
    [InlineData("{'key':[{'numeric':[]}]}", "Invalid member in numeric match: ]")]
    [InlineData("{'key':[{'numeric':[1,'<=']}]}", "Invalid member in numeric match: 1")]
    [InlineData("{'key':[{'numeric':['operator',1]}]}", "Unrecognized numeric range operator: operator")]
    [InlineData("{'key':[{'numeric':['=','000']}]}", "Value of equals must be numeric")]
    [InlineData("{'key':[{'numeric':['>=']}]}", "Value of >= must be numeric")]
    [InlineData("{'key':[{'numeric':['<',100,'>',10]}]}", "Too many elements in numeric expression")]
    [InlineData("{'key':[{'numeric':['>=',1,'>',2]}]}", "Bad numeric range operator: >")]
    [InlineData("{'key':[{'numeric':['>',3,'<',1]}]}", "Bottom must be less than top")]
    [InlineData("{'key':[{'numeric':['>=',3,'<=',3]}]}", "Bottom must be less than top")]
    [InlineData("{'key':[{'numeric':['>',1,'<=','x']}]}", "Value of <= must be numeric")]
    [InlineData("{'key':[{'numeric':['>',20,30]}]}", "Bad value in numeric range: 30")]
    [InlineData("{'key':[{'numeric':['>',0,'<',10,5]}]}", "Too many terms in numeric range expression")]
    [InlineData("{'key':[{'exists':null}]}", "exists match pattern must be either true or false.")]
    [InlineData("{'key':[{'exists':'no'}]}", "exists match pattern must be either true or false.")]
    [InlineData("{'key':[{'cidr':'10.0.0.0'}]}", "Malformed CIDR, one '/' required")]
    [InlineData("{'key':[{'cidr':'10.0.0.0/x'}]}", "Malformed CIDR, mask bits must be an integer")]
    [InlineData("{'key':[{'cidr':'foo/24'}]}", "Nonstandard IP address: foo")]
    [InlineData("{'$or':[{'a':['1']}]}", "There must have at least 2 Objects in $or relationship.")]
    [InlineData("{'$or':{'a':['1']}}", "It must be an Array followed with $or.")]
    [InlineData("{'$or':[{'a':['1']},'x']}", "Only JSON object is allowed in array of $or relationship.")]
    [InlineData("{'$or':[{'prefix':['x']},{'a':['1']}]}", "prefix is Ruler reserved fieldName which cannot be used inside $or.")]
    [InlineData("{'$or':[{'a':['1']},{'numeric':['1']}]}", "numeric is Ruler reserved fieldName which cannot be used inside $or.")]
    public void Invalid_policies_are_rejected_with_rulers_message_in_both_dialects(string policy, string rulerMessage)
    {
        AssertSnsRejects(J(policy), rulerMessage);
        AssertEventBridgeRejects(J(policy), rulerMessage);
    }

    [Theory]
    [InlineData("{'key':[{'wildcard':1}]}", "wildcard match pattern must be a string")]
    [InlineData("{'key':[{'wildcard':'arn:aws:events:us-east-1:**:event-bus/*'}]}", "Consecutive wildcard characters at pos 26")]
    [InlineData("{'key':[{'anything-but':{'equals-ignore-case':1}}]}", "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")]
    [InlineData("{'key':[{'anything-but':{'equals-ignore-case':['a',1]}}]}", "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")]
    [InlineData("{'key':[{'wildcard':'*:*:*:*:*:event-bus/*'}]}", "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character")]
    public void Invalid_event_bridge_only_patterns_are_rejected_with_rulers_message(string pattern, string rulerMessage) =>
        AssertEventBridgeRejects(J(pattern), rulerMessage);

    [Fact]
    public void An_invalid_wildcard_escape_is_rejected()
    {
        var error = Rejects(J("{'key':[{'wildcard':'a\\\\b'}]}"), FilterPolicyScope.MessageBody, FilterDialect.EventBridge);
        Assert.Equal(BrokerErrorCodes.InvalidEventPatternException, error.ErrorCode);
        Assert.StartsWith(EventBridgePrefix + "Invalid escape character at pos ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wildcard_with_distinct_literal_segments_is_not_too_complex() =>
        Accepts(J("{'resources':[{'wildcard':'arn:aws:events:us-east-1:*:event-bus/*'}]}"), FilterPolicyScope.MessageBody, FilterDialect.EventBridge);

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("{\"a\":[\"x\"]")]
    [InlineData("{\"a\":[\"x\"]} extra")]
    public void Text_that_is_not_json_is_rejected_as_unparseable(string text)
    {
        var sns = Rejects(text);
        Assert.Equal(BrokerErrorCodes.InvalidParameter, sns.ErrorCode);
        Assert.StartsWith(SnsPrefix + "failed to parse JSON. ", sns.Message, StringComparison.Ordinal);
        var eventBridge = Rejects(text, FilterPolicyScope.MessageBody, FilterDialect.EventBridge);
        Assert.Equal(BrokerErrorCodes.InvalidEventPatternException, eventBridge.ErrorCode);
        Assert.StartsWith(EventBridgePrefix, eventBridge.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_policy_text_throws_argument_null() =>
        Assert.Throws<ArgumentNullException>(() => FilterPolicy.Parse(null!));

    [Theory]
    [InlineData("{'a':{'b':['x']}}")]
    [InlineData("{'a':['x'],'b':{'c':[{'exists':true}]}}")]
    [InlineData("{'$or':[{'a':['1']},{'b':{'c':['2']}}]}")]
    public void Attribute_scope_rejects_nested_policies(string policy)
    {
        AssertSnsRejects(J(policy), "Filter policy scope MessageAttributes does not support nested filter policy", FilterPolicyScope.MessageAttributes);
        Accepts(J(policy), FilterPolicyScope.MessageBody);
    }

    [Fact]
    public void Attribute_scope_accepts_or_which_is_not_nesting() =>
        Accepts(J("{'$or':[{'a':['1']},{'b':['2']}]}"));

    [Fact]
    public void Five_keys_are_accepted_and_six_are_rejected()
    {
        Accepts(J("{'a':['1'],'b':['1'],'c':['1'],'d':['1'],'e':['1']}"));
        const string Six = "{'key_a':['value_one'],'key_b':['value_two'],'key_c':['value_three'],'key_d':['value_four'],'key_e':['value_five'],'key_f':['value_six']}";
        AssertSnsRejects(J(Six), "Filter policy can not have more than 5 keys", FilterPolicyScope.MessageAttributes);
        AssertSnsRejects(J(Six), "Filter policy can not have more than 5 keys", FilterPolicyScope.MessageBody);
    }

    [Fact]
    public void Only_top_level_keys_count_towards_five_in_body_scope()
    {
        Accepts(J("{'a':{'x':['1'],'y':['1']},'b':{'x':['1'],'y':['1']},'c':['1'],'d':['1'],'e':['1']}"), FilterPolicyScope.MessageBody);
        AssertSnsRejects(J("{'a':{'x':['1']},'b':['1'],'c':['1'],'d':['1'],'e':['1'],'f':{'x':['1']}}"), "Filter policy can not have more than 5 keys");
    }

    [Fact]
    public void Keys_of_different_or_branches_do_not_add_up_to_the_five_key_limit()
    {
        Accepts(J("{'$or':[{'a':['1'],'b':['1'],'c':['1']},{'d':['1'],'e':['1'],'f':['1']}]}"));
        Accepts(J("{'a':['1'],'b':['1'],'c':['1'],'d':['1'],'$or':[{'e':['1']},{'f':['1']}]}"));
        AssertSnsRejects(J("{'a':['1'],'b':['1'],'c':['1'],'d':['1'],'e':['1'],'$or':[{'f':['1']},{'g':['1']}]}"),
            "Filter policy can not have more than 5 keys", FilterPolicyScope.MessageAttributes);
    }

    [Fact]
    public void Nested_keys_weigh_by_depth_so_the_documented_example_is_72_and_accepted() =>
        Accepts("{\"key_a\":{\"key_b\":{\"key_c\":" + Values("c", 4) + "}},\"key_d\":{\"key_e\":" + Values("e", 3) + "}}", FilterPolicyScope.MessageBody);

    [Fact]
    public void Adding_a_third_key_of_three_values_to_the_documented_example_makes_216_and_is_rejected() =>
        AssertSnsRejects("{\"key_a\":{\"key_b\":{\"key_c\":" + Values("c", 4) + "}},\"key_d\":{\"key_e\":" + Values("e", 3) + "},\"key_f\":" + Values("f", 3) + "}",
            "Filter policy is too complex");

    [Fact]
    public void A_flat_policy_multiplies_its_value_counts()
    {
        Accepts("{\"a\":" + Values("a", 3) + ",\"b\":" + Values("b", 1) + ",\"c\":" + Values("c", 2) + "}");
        Accepts("{\"key\":" + Values("v", 150) + "}");
        Accepts("{\"key1\":" + Values("a", 100) + ",\"key2\":" + Values("b", 1) + "}");
        AssertSnsRejects("{\"key\":" + Values("v", 151) + "}", "Filter policy is too complex", FilterPolicyScope.MessageAttributes);
        AssertSnsRejects("{\"key1\":" + Values("a", 100) + ",\"key2\":" + Values("b", 51) + "}", "Filter policy is too complex", FilterPolicyScope.MessageAttributes);
    }

    private static string CloudWatchOrPolicy(int sources, int spaceIds) =>
        "{\"source\":" + Values("s", sources)
        + ",\"$or\":[{\"metricName\":" + Values("m", 6) + "},{\"metricType\":" + Values("t", 4)
        + ",\"$or\":[{\"metricId\":" + Values("i", 4) + "},{\"spaceId\":" + Values("p", spaceIds) + "}]}]}";

    [Fact]
    public void Or_sums_the_combinations_of_its_branches_so_152_is_rejected() =>
        AssertSnsRejects(CloudWatchOrPolicy(sources: 4, spaceIds: 4), "Filter policy is too complex", FilterPolicyScope.MessageAttributes);

    [Fact]
    public void Or_sums_the_combinations_of_its_branches_so_150_is_accepted() =>
        Accepts(CloudWatchOrPolicy(sources: 3, spaceIds: 7));

    [Fact]
    public void A_nested_or_in_body_scope_counts_160_and_is_rejected() =>
        AssertSnsRejects(
            "{\"$or\":[{\"metricName\":" + Values("m", 3) + "},{\"namespace\":" + Values("n", 2) + "}],"
            + "\"detail\":{\"scope\":" + Values("sc", 2) + ",\"$or\":[{\"source\":" + Values("so", 1) + "},{\"type\":" + Values("ty", 3) + "}]}}",
            "Filter policy is too complex");

    [Fact]
    public void A_policy_of_256_kib_is_accepted_and_one_byte_more_is_rejected()
    {
        const int Limit = 262_144;
        var overhead = "{\"a\":[\"\"]}".Length;
        Accepts("{\"a\":[\"" + new string('x', Limit - overhead) + "\"]}");
        var error = Rejects("{\"a\":[\"" + new string('x', Limit - overhead + 1) + "\"]}");
        Assert.Equal(BrokerErrorCodes.InvalidParameter, error.ErrorCode);
        Assert.StartsWith(SnsPrefix, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_size_limit_counts_utf8_bytes_not_characters()
    {
        var policy = "{\"a\":[\"" + new string('é', 140_000) + "\"]}";
        Assert.True(policy.Length < 262_144);
        Assert.True(Encoding.UTF8.GetByteCount(policy) > 262_144);
        Assert.Equal(BrokerErrorCodes.InvalidParameter, Rejects(policy).ErrorCode);
    }

    private static string OrOf(string stem, int count) =>
        "{\"$or\":[" + string.Join(",", Enumerable.Range(0, count).Select(i => "{\"" + stem + i + "\":[\"1\"]}")) + "]}";

    [Fact]
    public void Event_bridge_accepts_1000_or_combinations_and_rejects_more()
    {
        Accepts("{\"a\":" + OrOf("x", 10) + ",\"b\":" + OrOf("y", 10) + ",\"c\":" + OrOf("z", 10) + "}", FilterPolicyScope.MessageBody, FilterDialect.EventBridge);
        var error = Rejects("{\"a\":" + OrOf("x", 10) + ",\"b\":" + OrOf("y", 10) + ",\"c\":" + OrOf("z", 11) + "}", FilterPolicyScope.MessageBody, FilterDialect.EventBridge);
        Assert.Equal(BrokerErrorCodes.InvalidEventPatternException, error.ErrorCode);
    }
}
