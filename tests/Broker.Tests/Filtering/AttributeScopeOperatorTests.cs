using Broker.Filtering;
using static Broker.Tests.Filtering.Filters;

namespace Broker.Tests.Filtering;

/// <summary>
/// Each operator of the SNS filter-policy language against message attributes (FilterPolicyScope MessageAttributes),
/// positive and negative. Every case carries a second, unrelated attribute so that the "no attributes at all" rule
/// never decides a case it is not about. String.Array values are written with single quotes for readability.
/// </summary>
public sealed class AttributeScopeOperatorTests
{
    private static bool MatchA(string policy, string dataType, string value) =>
        Attributes(J(policy), ("a", dataType, dataType == "String.Array" ? J(value) : value), ("other", "String", "x"));

    [Theory]
    [InlineData("{'a':['red']}", "String", "red", true)]
    [InlineData("{'a':['red']}", "String", "Red", false)]
    [InlineData("{'a':['red']}", "String", "red ", false)]
    [InlineData("{'a':['red']}", "String", "redder", false)]
    [InlineData("{'a':['red','blue']}", "String", "blue", true)]
    [InlineData("{'a':['red','blue']}", "String", "green", false)]
    [InlineData("{'a':['red']}", "String.colour", "red", true)]
    [InlineData("{'a':['héllo wörld']}", "String", "héllo wörld", true)]
    [InlineData("{'a':['héllo wörld']}", "String", "hello world", false)]
    public void Exact_strings_match_byte_for_byte_and_any_value_of_the_list_suffices(string policy, string dataType, string value, bool expected) =>
        Assert.Equal(expected, MatchA(policy, dataType, value));

    [Theory]
    [InlineData("{'a':[300]}", "Number", "300", true)]
    [InlineData("{'a':[300]}", "Number", "300.0", true)]
    [InlineData("{'a':[300]}", "Number", "3e2", true)]
    [InlineData("{'a':[300]}", "Number", "3.0E2", true)]
    [InlineData("{'a':[300.0]}", "Number", "300", true)]
    [InlineData("{'a':[3e2]}", "Number", "300", true)]
    [InlineData("{'a':[300]}", "Number.int", "300", true)]
    [InlineData("{'a':[-1.5]}", "Number", "-1.5", true)]
    [InlineData("{'a':[300]}", "Number", "301", false)]
    [InlineData("{'a':[300]}", "Number", "300.00001", false)]
    [InlineData("{'a':[300]}", "String", "300", false)]
    [InlineData("{'a':['300']}", "String", "300", true)]
    [InlineData("{'a':['300']}", "Number", "300", false)]
    [InlineData("{'a':['300']}", "String", "300.0", false)]
    public void Numeric_literals_match_numbers_by_value_and_string_literals_match_strings_only(string policy, string dataType, string value, bool expected) =>
        Assert.Equal(expected, MatchA(policy, dataType, value));

    [Theory]
    [InlineData("{'a':['rugby','tennis']}", "['rugby','tennis']", true)]
    [InlineData("{'a':['rugby','tennis']}", "['baseball','rugby']", true)]
    [InlineData("{'a':['rugby','tennis']}", "['baseball']", false)]
    [InlineData("{'a':[300]}", "[1,300]", true)]
    [InlineData("{'a':[300]}", "['300']", false)]
    [InlineData("{'a':['300']}", "[300]", false)]
    [InlineData("{'a':['300']}", "['300']", true)]
    [InlineData("{'a':[true]}", "[true]", true)]
    [InlineData("{'a':[true]}", "['true']", false)]
    [InlineData("{'a':[false]}", "[false,1]", true)]
    [InlineData("{'a':[false]}", "[true]", false)]
    [InlineData("{'a':[{'prefix':'ba'}]}", "['x','bar']", true)]
    [InlineData("{'a':[{'prefix':'ba'}]}", "['x','abar']", false)]
    [InlineData("{'a':[{'numeric':['>',10]}]}", "[1,'20',30]", true)]
    [InlineData("{'a':[{'numeric':['>',10]}]}", "[1,'20']", false)]
    public void String_array_attributes_match_when_any_element_matches(string policy, string array, bool expected) =>
        Assert.Equal(expected, MatchA(policy, "String.Array", array));

    [Theory]
    [InlineData("{'a':[true]}", "String", "true", false)]
    [InlineData("{'a':[false]}", "String", "false", false)]
    [InlineData("{'a':[null]}", "String", "null", false)]
    [InlineData("{'a':['true']}", "String", "true", true)]
    public void Boolean_and_null_literals_do_not_match_strings_that_spell_them(string policy, string dataType, string value, bool expected) =>
        Assert.Equal(expected, MatchA(policy, dataType, value));

    [Theory]
    [InlineData("{'a':[{'prefix':'bas'}]}", "String", "baseball", true)]
    [InlineData("{'a':[{'prefix':'bas'}]}", "String", "bas", true)]
    [InlineData("{'a':[{'prefix':'bas'}]}", "String", "ba", false)]
    [InlineData("{'a':[{'prefix':'bas'}]}", "String", "Baseball", false)]
    [InlineData("{'a':[{'prefix':'bas'}]}", "String", "abas", false)]
    [InlineData("{'a':[{'prefix':'12'}]}", "String", "123", true)]
    [InlineData("{'a':[{'prefix':'12'}]}", "Number", "123", false)]
    public void Prefix_matches_strings_that_start_with_it(string policy, string dataType, string value, bool expected) =>
        Assert.Equal(expected, MatchA(policy, dataType, value));

    [Theory]
    [InlineData("{'a':[{'suffix':'.png'}]}", "String", "image.png", true)]
    [InlineData("{'a':[{'suffix':'.png'}]}", "String", ".png", true)]
    [InlineData("{'a':[{'suffix':'.png'}]}", "String", "image.PNG", false)]
    [InlineData("{'a':[{'suffix':'.png'}]}", "String", "png", false)]
    [InlineData("{'a':[{'suffix':'.png'}]}", "String", "image.png.gz", false)]
    [InlineData("{'a':[{'suffix':'0'}]}", "String", "10", true)]
    [InlineData("{'a':[{'suffix':'0'}]}", "Number", "10", false)]
    public void Suffix_matches_strings_that_end_with_it(string policy, string dataType, string value, bool expected) =>
        Assert.Equal(expected, MatchA(policy, dataType, value));

    [Theory]
    [InlineData("{'a':[{'equals-ignore-case':'Red'}]}", "String", "RED", true)]
    [InlineData("{'a':[{'equals-ignore-case':'Red'}]}", "String", "red", true)]
    [InlineData("{'a':[{'equals-ignore-case':'Red'}]}", "String", "rEd", true)]
    [InlineData("{'a':[{'equals-ignore-case':'Red'}]}", "String", "reds", false)]
    [InlineData("{'a':[{'equals-ignore-case':'Red'}]}", "String", "re", false)]
    [InlineData("{'a':[{'equals-ignore-case':'1'}]}", "String", "1", true)]
    [InlineData("{'a':[{'equals-ignore-case':'1'}]}", "Number", "1", false)]
    public void Equals_ignore_case_matches_strings_equal_up_to_case(string policy, string dataType, string value, bool expected) =>
        Assert.Equal(expected, MatchA(policy, dataType, value));

    [Theory]
    [InlineData("{'a':[{'anything-but':'red'}]}", "String", "blue", true)]
    [InlineData("{'a':[{'anything-but':'red'}]}", "String", "red", false)]
    [InlineData("{'a':[{'anything-but':'red'}]}", "String", "Red", true)]
    [InlineData("{'a':[{'anything-but':'5'}]}", "Number", "5", true)]
    [InlineData("{'a':[{'anything-but':['rugby','tennis']}]}", "String", "football", true)]
    [InlineData("{'a':[{'anything-but':['rugby','tennis']}]}", "String", "rugby", false)]
    [InlineData("{'a':[{'anything-but':['rugby','tennis']}]}", "String", "tennis", false)]
    [InlineData("{'a':[{'anything-but':['rugby','tennis']}]}", "Number", "1", true)]
    [InlineData("{'a':[{'anything-but':['rugby','tennis']}]}", "String.Array", "['rugby','baseball']", true)]
    [InlineData("{'a':[{'anything-but':['rugby','tennis']}]}", "String.Array", "['rugby','tennis']", false)]
    [InlineData("{'a':[{'anything-but':['rugby','tennis']}]}", "String.Array", "['rugby']", false)]
    [InlineData("{'a':[{'anything-but':['rugby','tennis']}]}", "String.Array", "['rugby',7]", true)]
    [InlineData("{'a':[{'anything-but':[100,200]}]}", "Number", "100", false)]
    [InlineData("{'a':[{'anything-but':[100,200]}]}", "Number", "100.0", false)]
    [InlineData("{'a':[{'anything-but':[100,200]}]}", "Number", "1e2", false)]
    [InlineData("{'a':[{'anything-but':[100,200]}]}", "Number", "150", true)]
    [InlineData("{'a':[{'anything-but':[100,200]}]}", "String", "100", true)]
    [InlineData("{'a':[{'anything-but':[100,200]}]}", "String.Array", "[100,200]", false)]
    [InlineData("{'a':[{'anything-but':[100,200]}]}", "String.Array", "[100,150]", true)]
    [InlineData("{'a':[{'anything-but':100}]}", "Number", "100", false)]
    [InlineData("{'a':[{'anything-but':100}]}", "Number", "101", true)]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}", "String", "initial", false)]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}", "String", "init", false)]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}", "String", "started", true)]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}", "String", "Initial", true)]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}", "Number", "12", true)]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}", "String.Array", "['init-a','b']", true)]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}", "String.Array", "['init-a','init-b']", false)]
    public void Anything_but_excludes_only_values_of_its_own_kind_element_by_element(string policy, string dataType, string value, bool expected) =>
        Assert.Equal(expected, MatchA(policy, dataType, value));

    [Theory]
    [InlineData("{'a':[{'anything-but':'red'}]}")]
    [InlineData("{'a':[{'anything-but':['rugby','tennis']}]}")]
    [InlineData("{'a':[{'anything-but':[100]}]}")]
    [InlineData("{'a':[{'anything-but':{'prefix':'init'}}]}")]
    public void Anything_but_does_not_match_a_missing_attribute(string policy) =>
        Assert.False(Attributes(J(policy), ("other", "String", "x")));

    [Fact]
    public void Anything_but_or_exists_false_accepts_a_missing_attribute() =>
        Assert.True(Attributes(J("{'a':[{'anything-but':'red'},{'exists':false}]}"), ("other", "String", "x")));

    [Theory]
    [InlineData("['=',301.5]", "301.5", true)]
    [InlineData("['=',301.5]", "3.015e2", true)]
    [InlineData("['=',3.015e2]", "301.5", true)]
    [InlineData("['=',301.5]", "301.50001", false)]
    [InlineData("['=',301.5]", "301", false)]
    [InlineData("['<',10]", "9.99", true)]
    [InlineData("['<',10]", "-100", true)]
    [InlineData("['<',10]", "10", false)]
    [InlineData("['<=',10]", "10", true)]
    [InlineData("['<=',10]", "10.00001", false)]
    [InlineData("['>',10]", "10", false)]
    [InlineData("['>',10]", "10.5", true)]
    [InlineData("['>=',10]", "10", true)]
    [InlineData("['>=',10]", "9.99999", false)]
    [InlineData("['>',0,'<=',100]", "99", true)]
    [InlineData("['>',0,'<=',100]", "100", true)]
    [InlineData("['>',0,'<=',100]", "0.00001", true)]
    [InlineData("['>',0,'<=',100]", "0", false)]
    [InlineData("['>',0,'<=',100]", "111", false)]
    [InlineData("['>=',0,'<',100]", "0", true)]
    [InlineData("['>=',0,'<',100]", "100", false)]
    [InlineData("['>',-10,'<',-5]", "-7", true)]
    [InlineData("['>',-10,'<',-5]", "-5", false)]
    [InlineData("['>',-10,'<',-5]", "-10", false)]
    public void Numeric_comparisons_and_ranges_match_number_attributes(string expression, string number, bool expected) =>
        Assert.Equal(expected, MatchA("{'a':[{'numeric':" + expression + "}]}", "Number", number));

    [Theory]
    [InlineData("['>',0]", "99")]
    [InlineData("['=',99]", "99")]
    [InlineData("['>',0,'<=',100]", "99")]
    public void Numeric_comparisons_never_match_string_attributes(string expression, string text) =>
        Assert.False(MatchA("{'a':[{'numeric':" + expression + "}]}", "String", text));

    [Theory]
    [InlineData("String", "x", true)]
    [InlineData("Number", "1", true)]
    [InlineData("String.Array", "['x']", true)]
    [InlineData("Binary", "x", false)]
    [InlineData("Binary.png", "x", false)]
    public void Exists_true_matches_a_present_attribute_that_is_not_binary(string dataType, string value, bool expected) =>
        Assert.Equal(expected, MatchA("{'a':[{'exists':true}]}", dataType, value));

    [Theory]
    [InlineData("String", "x", false)]
    [InlineData("Number", "1", false)]
    [InlineData("String.Array", "['x']", false)]
    [InlineData("Binary", "x", true)]
    public void Exists_false_matches_an_absent_or_binary_attribute_when_others_are_present(string dataType, string value, bool expected) =>
        Assert.Equal(expected, MatchA("{'a':[{'exists':false}]}", dataType, value));

    [Fact]
    public void Exists_true_does_not_match_when_only_other_attributes_are_present() =>
        Assert.False(Attributes(J("{'a':[{'exists':true}]}"), ("other", "String", "x")));

    [Fact]
    public void Exists_false_matches_when_only_other_attributes_are_present() =>
        Assert.True(Attributes(J("{'a':[{'exists':false}]}"), ("other", "String", "x")));

    [Theory]
    [InlineData("{'a':[{'exists':false}]}")]
    [InlineData("{'a':[{'anything-but':'red'}]}")]
    [InlineData("{'attr1':[null,{'anything-but':'whatever'}]}")]
    [InlineData("{'a':[{'anything-but':'red'},{'exists':false}]}")]
    [InlineData("{'a':['red']}")]
    public void A_message_without_attributes_matches_no_policy(string policy)
    {
        var parsed = FilterPolicy.Parse(J(policy));
        Assert.False(parsed.Matches((IReadOnlyDictionary<string, Broker.Queues.MessageAttributeValue>?)null));
        Assert.False(parsed.Matches(ToAttributes()));
    }

    [Theory]
    [InlineData("{'a':['x']}")]
    [InlineData("{'a':[{'prefix':'x'}]}")]
    [InlineData("{'a':[{'anything-but':'y'}]}")]
    [InlineData("{'a':[{'exists':true}]}")]
    public void Binary_attributes_are_ignored_as_if_absent(string policy)
    {
        Assert.False(Attributes(J(policy), ("a", "Binary", "x"), ("other", "String", "x")));
        Assert.True(Attributes(J(policy), ("a", "String", "x"), ("other", "String", "x")));
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.0", true)]
    [InlineData("10.0.0.0/24", "10.0.0.255", true)]
    [InlineData("10.0.0.0/24", "10.0.1.0", false)]
    [InlineData("10.0.0.0/24", "9.255.255.255", false)]
    [InlineData("10.0.0.0/24", "hello", false)]
    [InlineData("10.0.0.77/24", "10.0.0.1", true)]
    [InlineData("192.168.1.1/32", "192.168.1.1", true)]
    [InlineData("192.168.1.1/32", "192.168.1.2", false)]
    [InlineData("2001:db8::/32", "2001:db8::1", true)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    public void Cidr_matches_ip_addresses_inside_the_range(string cidr, string ip, bool expected) =>
        Assert.Equal(expected, MatchA("{'a':[{'cidr':'" + cidr + "'}]}", "String", ip));

    [Fact]
    public void Cidr_does_not_match_a_number_attribute() =>
        Assert.False(MatchA("{'a':[{'cidr':'0.0.0.0/0'}]}", "Number", "10"));

    [Theory]
    [InlineData("blue", "L", true)]
    [InlineData("red", "L", true)]
    [InlineData("red", "M", false)]
    [InlineData("green", "L", false)]
    public void All_keys_must_match_and_any_value_of_a_key_suffices(string colour, string size, bool expected) =>
        Assert.Equal(expected, Attributes(J("{'colour':['red','blue'],'size':['L']}"), ("colour", "String", colour), ("size", "String", size)));

    [Fact]
    public void A_policy_key_missing_from_the_message_fails_the_whole_policy() =>
        Assert.False(Attributes(J("{'colour':['red'],'size':['L']}"), ("colour", "String", "red")));

    [Fact]
    public void Attribute_names_are_case_sensitive() =>
        Assert.False(Attributes(J("{'Colour':['red']}"), ("colour", "String", "red")));

    [Theory]
    [InlineData("aws.cloudwatch", "metricName", "CPUUtilization", true)]
    [InlineData("aws.cloudwatch", "namespace", "AWS/EC2", true)]
    [InlineData("aws.cloudwatch", "namespace", "AWS/S3", false)]
    [InlineData("aws.cloudwatch", "unrelated", "CPUUtilization", false)]
    [InlineData("aws.s3", "metricName", "CPUUtilization", false)]
    public void Or_at_the_top_level_combines_alternatives_across_keys(string source, string key, string value, bool expected) =>
        Assert.Equal(expected, Attributes(
            J("{'source':['aws.cloudwatch'],'$or':[{'metricName':['CPUUtilization']},{'namespace':['AWS/EC2']}]}"),
            ("source", "String", source),
            (key, "String", value)));

    [Theory]
    [InlineData("a", "1", true)]
    [InlineData("b", "2", true)]
    [InlineData("c", "3", true)]
    [InlineData("c", "4", false)]
    [InlineData("d", "3", false)]
    public void Nested_or_offers_every_branch(string key, string value, bool expected) =>
        Assert.Equal(expected, Attributes(J("{'$or':[{'a':['1']},{'$or':[{'b':['2']},{'c':['3']}]}]}"), (key, "String", value)));

    [Fact]
    public void An_or_branch_needs_all_of_its_own_keys() =>
        Assert.False(Attributes(J("{'$or':[{'a':['1'],'b':['2']},{'c':['3']}]}"), ("a", "String", "1"), ("x", "String", "2")));

    [Fact]
    public void A_duplicate_key_in_the_policy_is_replaced_by_the_last_one()
    {
        Assert.True(Attributes(J("{'a':['x'],'a':['y']}"), ("a", "String", "y")));
        Assert.False(Attributes(J("{'a':['x'],'a':['y']}"), ("a", "String", "x")));
    }

    [Fact]
    public void The_message_attribute_overload_of_a_body_scope_policy_throws()
    {
        var policy = FilterPolicy.Parse(J("{'a':['x']}"), FilterPolicyScope.MessageBody);
        Assert.Throws<InvalidOperationException>(() => policy.Matches(ToAttributes(("a", "String", "x"))));
    }

    [Fact]
    public void The_body_overloads_of_an_attribute_scope_policy_throw()
    {
        var policy = FilterPolicy.Parse(J("{'a':['x']}"));
        Assert.Throws<InvalidOperationException>(() => policy.Matches(J("{'a':'x'}")));
        Assert.Throws<InvalidOperationException>(() => policy.Matches("{\"a\":\"x\"}"u8));
    }

    [Fact]
    public void A_parsed_policy_keeps_its_text_scope_and_dialect()
    {
        const string Text = "{ \"a\" : [ \"x\" ] }";
        var policy = FilterPolicy.Parse(Text, FilterPolicyScope.MessageBody, FilterDialect.EventBridge);
        Assert.Equal(Text, policy.Json);
        Assert.Equal(Text, policy.ToString());
        Assert.Equal(FilterPolicyScope.MessageBody, policy.Scope);
        Assert.Equal(FilterDialect.EventBridge, policy.Dialect);
        var defaults = FilterPolicy.Parse(Text);
        Assert.Equal(FilterPolicyScope.MessageAttributes, defaults.Scope);
        Assert.Equal(FilterDialect.Sns, defaults.Dialect);
    }
}
