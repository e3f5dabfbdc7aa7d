using System.Text;
using Broker.Filtering;
using static Broker.Tests.Filtering.Filters;

namespace Broker.Tests.Filtering;

/// <summary>
/// The SNS filter-policy language against a JSON message body (FilterPolicyScope MessageBody): each operator on JSON
/// values, nesting, arrays, array consistency, dotted keys and bodies that are not JSON objects.
/// Policies and bodies are written with single quotes for readability.
/// </summary>
public sealed class BodyScopeOperatorTests
{
    private static bool MatchBody(string policy, string body) => Body(J(policy), J(body));

    [Theory]
    [InlineData("{'a':['red']}", "{'a':'red'}", true)]
    [InlineData("{'a':['red']}", "{'a':'Red'}", false)]
    [InlineData("{'a':['red']}", "{'b':'red'}", false)]
    [InlineData("{'a':['red']}", "{'a':{'b':'red'}}", false)]
    [InlineData("{'a':['red']}", "{'a':'red','b':'ignored'}", true)]
    [InlineData("{'a':['red','blue']}", "{'a':'blue'}", true)]
    [InlineData("{'a':['red'],'b':['x']}", "{'a':'red','b':'x'}", true)]
    [InlineData("{'a':['red'],'b':['x']}", "{'a':'red','b':'y'}", false)]
    [InlineData("{'a':['red'],'b':['x']}", "{'a':'red'}", false)]
    public void Exact_strings_and_and_across_keys_work_on_json_values(string policy, string body, bool expected) =>
        Assert.Equal(expected, MatchBody(policy, body));

    [Theory]
    [InlineData("{'a':[300]}", "{'a':300}", true)]
    [InlineData("{'a':[300]}", "{'a':300.0}", true)]
    [InlineData("{'a':[300]}", "{'a':3e2}", true)]
    [InlineData("{'a':[300]}", "{'a':3.0e2}", true)]
    [InlineData("{'a':[300.0]}", "{'a':300}", true)]
    [InlineData("{'a':[300]}", "{'a':301}", false)]
    [InlineData("{'a':[300]}", "{'a':'300'}", false)]
    [InlineData("{'a':['300']}", "{'a':300}", false)]
    [InlineData("{'a':['300']}", "{'a':'300'}", true)]
    [InlineData("{'a':[1]}", "{'a':true}", false)]
    public void Numeric_literals_match_json_numbers_by_value_and_never_strings(string policy, string body, bool expected) =>
        Assert.Equal(expected, MatchBody(policy, body));

    [Theory]
    [InlineData("{'a':[true]}", "{'a':true}", true)]
    [InlineData("{'a':[true]}", "{'a':'true'}", false)]
    [InlineData("{'a':[true]}", "{'a':false}", false)]
    [InlineData("{'a':[true]}", "{'a':1}", false)]
    [InlineData("{'a':[false]}", "{'a':false}", true)]
    [InlineData("{'a':[false]}", "{'a':null}", false)]
    [InlineData("{'a':[null]}", "{'a':null}", true)]
    [InlineData("{'a':[null]}", "{'a':['x',null]}", true)]
    [InlineData("{'a':[null]}", "{'a':'null'}", false)]
    [InlineData("{'a':[null]}", "{'a':''}", false)]
    [InlineData("{'a':[null]}", "{'b':1}", false)]
    [InlineData("{'a':[null]}", "{'a':[]}", false)]
    [InlineData("{'a':['']}", "{'a':''}", true)]
    [InlineData("{'a':['']}", "{'a':null}", false)]
    [InlineData("{'a':['']}", "{'a':' '}", false)]
    [InlineData("{'a':['']}", "{'b':''}", false)]
    public void Booleans_null_and_the_empty_string_are_distinct_values(string policy, string body, bool expected) =>
        Assert.Equal(expected, MatchBody(policy, body));

    [Theory]
    [InlineData("{'a':[{'prefix':'bas'}]}", "{'a':'basket'}", true)]
    [InlineData("{'a':[{'prefix':'bas'}]}", "{'a':['x','basket']}", true)]
    [InlineData("{'a':[{'prefix':'bas'}]}", "{'a':'bAsket'}", false)]
    [InlineData("{'a':[{'prefix':'1'}]}", "{'a':12}", false)]
    [InlineData("{'a':[{'prefix':''}]}", "{'a':''}", true)]
    [InlineData("{'a':[{'prefix':''}]}", "{'a':'anything'}", true)]
    [InlineData("{'a':[{'prefix':''}]}", "{'a':5}", false)]
    [InlineData("{'a':[{'prefix':''}]}", "{'a':null}", false)]
    [InlineData("{'a':[{'suffix':'.png'}]}", "{'a':'x.png'}", true)]
    [InlineData("{'a':[{'suffix':'.png'}]}", "{'a':'x.png.bak'}", false)]
    [InlineData("{'a':[{'suffix':'5'}]}", "{'a':15}", false)]
    [InlineData("{'a':[{'equals-ignore-case':'ReD'}]}", "{'a':'rEd'}", true)]
    [InlineData("{'a':[{'equals-ignore-case':'ReD'}]}", "{'a':'rEdd'}", false)]
    [InlineData("{'a':[{'equals-ignore-case':'true'}]}", "{'a':true}", false)]
    [InlineData("{'a':[{'equals-ignore-case':'null'}]}", "{'a':null}", false)]
    public void String_operators_match_json_strings_only(string policy, string body, bool expected) =>
        Assert.Equal(expected, MatchBody(policy, body));

    [Theory]
    [InlineData("{'a':[{'anything-but':'x'}]}", "{'a':'y'}", true)]
    [InlineData("{'a':[{'anything-but':'x'}]}", "{'a':'x'}", false)]
    [InlineData("{'a':[{'anything-but':'x'}]}", "{'a':null}", true)]
    [InlineData("{'a':[{'anything-but':'x'}]}", "{'a':5}", true)]
    [InlineData("{'a':[{'anything-but':'x'}]}", "{'a':true}", true)]
    [InlineData("{'a':[{'anything-but':'x'}]}", "{'a':['x','y']}", true)]
    [InlineData("{'a':[{'anything-but':'x'}]}", "{'a':['x']}", false)]
    [InlineData("{'a':[{'anything-but':'x'}]}", "{'a':[]}", false)]
    [InlineData("{'a':[{'anything-but':'x'}]}", "{'b':'y'}", false)]
    [InlineData("{'a':[{'anything-but':'x'}]}", "{'a':{'b':'y'}}", false)]
    [InlineData("{'a':[{'anything-but':[1,2]}]}", "{'a':1.0}", false)]
    [InlineData("{'a':[{'anything-but':[1,2]}]}", "{'a':'1'}", true)]
    [InlineData("{'a':[{'anything-but':[1,2]}]}", "{'a':null}", true)]
    [InlineData("{'a':[{'anything-but':[1,2]}]}", "{'a':3}", true)]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}", "{'a':12}", true)]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}", "{'a':null}", true)]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}", "{'a':'initializing'}", false)]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}", "{'a':'running'}", true)]
    public void Anything_but_needs_the_key_and_passes_values_of_another_kind(string policy, string body, bool expected) =>
        Assert.Equal(expected, MatchBody(policy, body));

    [Theory]
    [InlineData("['>',0,'<=',5]", "{'a':5}", true)]
    [InlineData("['>',0,'<=',5]", "{'a':0}", false)]
    [InlineData("['>',0,'<=',5]", "{'a':[10,3]}", true)]
    [InlineData("['>',0,'<=',5]", "{'a':[10,30]}", false)]
    [InlineData("['>',0,'<=',5]", "{'a':'3'}", false)]
    [InlineData("['>',0,'<=',5]", "{'a':null}", false)]
    [InlineData("['>',0,'<=',5]", "{'a':true}", false)]
    [InlineData("['=',3.018e2]", "{'a':301.8}", true)]
    [InlineData("['<',-1e9]", "{'a':-2e9}", true)]
    [InlineData("['>',1e9]", "{'a':5e9}", true)]
    [InlineData("['>',0]", "{'a':1.2345678901234567891}", false)]
    public void Numeric_operators_match_json_numbers_element_by_element(string expression, string body, bool expected) =>
        Assert.Equal(expected, MatchBody("{'a':[{'numeric':" + expression + "}]}", body));

    [Theory]
    [InlineData("{'a':'x'}", true)]
    [InlineData("{'a':0}", true)]
    [InlineData("{'a':false}", true)]
    [InlineData("{'a':null}", true)]
    [InlineData("{'a':''}", true)]
    [InlineData("{'a':['x']}", true)]
    [InlineData("{'a':{'b':1}}", false)]
    [InlineData("{'a':[]}", false)]
    [InlineData("{'a':[{'b':1}]}", false)]
    [InlineData("{}", false)]
    [InlineData("{'b':1}", false)]
    public void Exists_true_matches_keys_with_a_leaf_value(string body, bool expected) =>
        Assert.Equal(expected, MatchBody("{'a':[{'exists':true}]}", body));

    [Theory]
    [InlineData("{}", true)]
    [InlineData("{'b':1}", true)]
    [InlineData("{'a':{'b':1}}", true)]
    [InlineData("{'a':[]}", true)]
    [InlineData("{'a':'x'}", false)]
    [InlineData("{'a':null}", false)]
    [InlineData("{'a':['x']}", false)]
    public void Exists_false_matches_keys_without_a_leaf_value(string body, bool expected) =>
        Assert.Equal(expected, MatchBody("{'a':[{'exists':false}]}", body));

    [Theory]
    [InlineData("{'x':1}", true)]
    [InlineData("{'a':'scalar'}", true)]
    [InlineData("{'a':{'b':5}}", true)]
    [InlineData("{'a':{'b':{'d':1}}}", true)]
    [InlineData("{'a':{'b':{'c':{'d':1}}}}", true)]
    [InlineData("{'a':{'b':{'c':1}}}", false)]
    [InlineData("{'a':{'b':{'c':null}}}", false)]
    public void Exists_false_deep_in_a_policy_matches_when_an_ancestor_is_missing_or_scalar(string body, bool expected) =>
        Assert.Equal(expected, MatchBody("{'a':{'b':{'c':[{'exists':false}]}}}", body));

    [Theory]
    [InlineData("{'a':{'b':{'c':1}}}", true)]
    [InlineData("{'a':{'b':{'c':null}}}", true)]
    [InlineData("{'a':{'b':{}}}", false)]
    [InlineData("{'a':{'b':'c'}}", false)]
    [InlineData("{'a':'b'}", false)]
    public void Exists_true_deep_in_a_policy_needs_the_whole_path(string body, bool expected) =>
        Assert.Equal(expected, MatchBody("{'a':{'b':{'c':[{'exists':true}]}}}", body));

    [Theory]
    [InlineData("{'ip':'10.0.0.5'}", true)]
    [InlineData("{'ip':['1.1.1.1','10.0.0.5']}", true)]
    [InlineData("{'ip':'10.0.1.5'}", false)]
    [InlineData("{'ip':167772165}", false)]
    public void Cidr_matches_ip_strings_in_the_body(string body, bool expected) =>
        Assert.Equal(expected, MatchBody("{'ip':[{'cidr':'10.0.0.0/24'}]}", body));

    [Theory]
    [InlineData("{'a':{'b':'v'}}", true)]
    [InlineData("{'a':{'b':'w'}}", false)]
    [InlineData("{'a':'v'}", false)]
    [InlineData("{'b':'v'}", false)]
    [InlineData("{'a':{'c':{'b':'v'}}}", false)]
    public void Nested_policy_keys_mirror_the_json_structure(string body, bool expected) =>
        Assert.Equal(expected, MatchBody("{'a':{'b':['v']}}", body));

    [Theory]
    [InlineData("{'tags':['y','x']}", true)]
    [InlineData("{'tags':['y']}", false)]
    [InlineData("{'tags':[['y'],['x']]}", true)]
    [InlineData("{'tags':[]}", false)]
    public void Arrays_in_the_body_match_element_by_element(string body, bool expected) =>
        Assert.Equal(expected, MatchBody("{'tags':['x']}", body));

    [Theory]
    [InlineData("{'employees':[{'firstName':'John'},{'firstName':'Anna'}]}", true)]
    [InlineData("{'employees':[{'firstName':'John'},{'lastName':'Anna'}]}", false)]
    [InlineData("{'employees':{'firstName':'Anna'}}", true)]
    [InlineData("{'employees':[[{'firstName':'Anna'}]]}", true)]
    public void Arrays_of_objects_are_crushed(string body, bool expected) =>
        Assert.Equal(expected, MatchBody("{'employees':{'firstName':['Anna']}}", body));

    [Fact]
    public void An_array_of_arrays_of_objects_is_crushed_as_aws_does_for_s3_object()
    {
        const string Policy = "{'Records':{'s3':{'object':{'key':[{'prefix':'auto-'}]}}}}";
        Assert.True(MatchBody(Policy, "{'Records':[{'s3':{'object':[[{'key':'auto-1'}]]}}]}"));
        Assert.False(MatchBody(Policy, "{'Records':[{'s3':{'object':[[{'key':'home-1'}]]}}]}"));
    }

    private const string RecordsPolicy = "{'Records':{'eventName':[{'prefix':'ObjectCreated:'}],'s3':{'object':{'key':[{'prefix':'auto-'}]}}}}";

    [Fact]
    public void Array_consistency_accepts_one_element_that_satisfies_every_condition() =>
        Assert.True(MatchBody(RecordsPolicy,
            "{'Records':[{'eventName':'ObjectCreated:Put','s3':{'object':{'key':'auto-1'}}},{'eventName':'ObjectRemoved:Delete','s3':{'object':{'key':'home-1'}}}]}"));

    [Fact]
    public void Array_consistency_rejects_conditions_met_only_by_different_elements() =>
        Assert.False(MatchBody(RecordsPolicy,
            "{'Records':[{'eventName':'ObjectRemoved:Delete','s3':{'object':{'key':'auto-1'}}},{'eventName':'ObjectCreated:Put','s3':{'object':{'key':'home-1'}}}]}"));

    [Fact]
    public void Array_consistency_rejects_a_single_element_that_satisfies_only_one_condition() =>
        Assert.False(MatchBody(RecordsPolicy, "{'Records':[{'eventName':'ObjectRemoved:Delete','s3':{'object':{'key':'auto-1'}}}]}"));

    [Fact]
    public void Conditions_under_different_arrays_may_be_met_by_any_elements() =>
        Assert.True(MatchBody("{'a':{'x':['1']},'b':{'y':['2']}}", "{'a':[{'x':'0'},{'x':'1'}],'b':[{'y':'2'},{'y':'3'}]}"));

    [Theory]
    [InlineData("{'object':{'nested':'v'}}", true)]
    [InlineData("{'object.nested':'v'}", true)]
    [InlineData("{'object.nested':'w'}", false)]
    public void Dots_in_body_keys_are_path_joins(string body, bool expected) =>
        Assert.Equal(expected, MatchBody("{'object':{'nested':['v']}}", body));

    [Fact]
    public void Dots_work_across_deeper_mixes_of_nesting() =>
        Assert.True(MatchBody("{'object':{'nested':{'test':['v']}}}", "{'object':{'nested.test':'v'}}"));

    [Fact]
    public void Dots_in_policy_keys_are_path_joins() =>
        Assert.True(MatchBody("{'object.nested':['v']}", "{'object':{'nested':'v'}}"));

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("42")]
    [InlineData("\"a\"")]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("[{\"a\":\"x\"}]")]
    [InlineData("{\"a\":")]
    [InlineData("{\"a\":\"x\"} trailing")]
    public void A_body_that_is_not_a_json_object_matches_nothing(string body)
    {
        Assert.False(Body(J("{'a':['x']}"), body));
        Assert.False(Body(J("{'b':[{'exists':false}]}"), body));
        Assert.False(Body(J("{'a':[{'anything-but':'y'}]}"), body));
    }

    [Fact]
    public void A_json_string_holding_json_is_not_parsed() =>
        Assert.False(MatchBody("{'detail':{'k':['v']}}", "{'detail':'{\\'k\\':\\'v\\'}'}"));

    [Theory]
    [InlineData("{'source':'s','detail':{'c-count':3}}", true)]
    [InlineData("{'source':'s','detail':{'d-count':9}}", true)]
    [InlineData("{'source':'s','detail':{'c-count':6,'d-count':11}}", false)]
    [InlineData("{'source':'t','detail':{'c-count':3}}", false)]
    [InlineData("{'source':'s','c-count':3}", false)]
    public void Or_inside_a_nested_object_applies_under_that_object(string body, bool expected) =>
        Assert.Equal(expected, MatchBody(
            "{'source':['s'],'detail':{'$or':[{'c-count':[{'numeric':['>',0,'<=',5]}]},{'d-count':[{'numeric':['<',10]}]}]}}", body));

    [Theory]
    [InlineData("{'a':'1'}", true)]
    [InlineData("{'b':{'c':'2'}}", true)]
    [InlineData("{'d':'3'}", true)]
    [InlineData("{'b':{'c':'3'}}", false)]
    public void Nested_or_in_the_body_offers_every_branch(string body, bool expected) =>
        Assert.Equal(expected, MatchBody("{'$or':[{'a':['1']},{'$or':[{'b':{'c':['2']}},{'d':['3']}]}]}", body));

    [Fact]
    public void A_duplicate_key_in_a_body_policy_is_replaced_by_the_last_one()
    {
        Assert.True(MatchBody("{'a':['x'],'a':['y']}", "{'a':'y'}"));
        Assert.False(MatchBody("{'a':['x'],'a':['y']}", "{'a':'x'}"));
    }

    [Fact]
    public void Body_keys_are_case_sensitive() =>
        Assert.False(MatchBody("{'Detail':{'state':['on']}}", "{'detail':{'state':'on'}}"));

    [Fact]
    public void The_utf8_and_string_overloads_agree()
    {
        var policy = FilterPolicy.Parse(J("{'a':[{'prefix':'hé'}]}"), FilterPolicyScope.MessageBody);
        var matching = J("{'a':'héllo'}");
        var other = J("{'a':'hello'}");
        Assert.True(policy.Matches(matching));
        Assert.True(policy.Matches(Encoding.UTF8.GetBytes(matching)));
        Assert.False(policy.Matches(other));
        Assert.False(policy.Matches(Encoding.UTF8.GetBytes(other)));
        Assert.False(policy.Matches(Encoding.UTF8.GetBytes("not json")));
    }
}
