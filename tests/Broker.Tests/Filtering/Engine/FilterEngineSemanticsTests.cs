using Broker.Filtering;
using Broker.Filtering.Internal;
using Broker.Queues;

namespace Broker.Tests.Filtering.Engine;

public sealed class FilterEngineSemanticsTests
{
    private static FilterPolicy Pattern(string json) => FilterPolicy.Parse(json, FilterPolicyScope.MessageBody, FilterDialect.EventBridge);

    [Theory]
    [InlineData("""{"n":[300]}""", """{"n":300.0}""", true)]
    [InlineData("""{"n":[300]}""", """{"n":3e2}""", true)]
    [InlineData("""{"n":[300]}""", """{"n":"300"}""", false)]
    [InlineData("""{"n":["300"]}""", """{"n":300}""", false)]
    [InlineData("""{"n":[37.807807921694092123]}""", """{"n":37.80780792169409}""", false)]
    [InlineData("""{"n":[37.807807921694092123]}""", """{"n":37.807807921694092123}""", true)]
    [InlineData("""{"n":[""]}""", """{"n":null}""", false)]
    [InlineData("""{"n":[null]}""", """{}""", false)]
    [InlineData("""{"n":[{"exists":true}]}""", """{"n":[]}""", false)]
    [InlineData("""{"n":[{"exists":true}]}""", """{"n":{"a":1}}""", false)]
    [InlineData("""{"n":[{"exists":false}]}""", """{"n":{"a":1}}""", true)]
    [InlineData("""{"n":{"m":[{"exists":false}]}}""", """{"n":"scalar"}""", true)]
    [InlineData("""{"n":[{"exists":true}]}""", """{"n":null}""", true)]
    [InlineData("""{"n":[{"anything-but":{"prefix":"init"}}]}""", """{"n":12}""", true)]
    [InlineData("""{"n":[{"anything-but":{"prefix":"init"}}]}""", """{"n":null}""", true)]
    [InlineData("""{"n":[{"anything-but":{"prefix":"init"}}]}""", """{}""", false)]
    [InlineData("""{"n":[{"anything-but":{"wildcard":""}}]}""", """{"n":"x"}""", true)]
    [InlineData("""{"n":[{"anything-but":{"wildcard":""}}]}""", """{"n":""}""", false)]
    [InlineData("""{"n":[{"anything-but":[100,200]}]}""", """{"n":"100"}""", true)]
    [InlineData("""{"n":[{"anything-but":[100,200]}]}""", """{"n":100.0}""", false)]
    [InlineData("""{"n":[{"wildcard":""}]}""", """{"n":"a"}""", false)]
    [InlineData("""{"n":[{"wildcard":"a\\*b*"}]}""", """{"n":"a*bc"}""", true)]
    [InlineData("""{"n":[{"wildcard":"a\\*b*"}]}""", """{"n":"axbc"}""", false)]
    [InlineData("""{"n":[{"prefix":{"equals-ignore-case":"AB"}}]}""", """{"n":"abc"}""", true)]
    [InlineData("""{"n":[{"suffix":{"equals-ignore-case":"BC"}}]}""", """{"n":"abc"}""", true)]
    [InlineData("""{"n":[{"cidr":"2001:db8::/32"}]}""", """{"n":"2001:db8::1"}""", true)]
    [InlineData("""{"n":[{"cidr":"2001:db8::/32"}]}""", """{"n":"2001:db9::1"}""", false)]
    [InlineData("""{"n":[{"numeric":["=",301.5]}]}""", """{"n":3.015e2}""", true)]
    [InlineData("""{"n":["a"],"n":["b"]}""", """{"n":"b"}""", true)]
    [InlineData("""{"n":["a"],"n":["b"]}""", """{"n":"a"}""", false)]
    [InlineData("""{"detail":{"state":{"status":["running"]}}}""", """{"detail":{"state.status":"running"}}""", true)]
    [InlineData("""{"detail":["x"]}""", """{"detail":"{\"k\":\"v\"}"}""", false)]
    [InlineData("""{"s":[{"prefix":"a"}],"$or":[{"m":["1"]},{"ns":["2"]}]}""", """{"s":"ab","ns":"2"}""", true)]
    [InlineData("""{"s":[{"prefix":"a"}],"$or":[{"m":["1"]},{"ns":["2"]}]}""", """{"s":"ab","ns":"1"}""", false)]
    [InlineData("""{"e":{"f":["Anna"]}}""", """{"e":[{"f":"Bob"},{"f":"Anna"}]}""", true)]
    [InlineData("""{"s3":{"object":{"key":["k"]}}}""", """{"s3":{"object":[[{"key":"k"}]]}}""", true)]
    public void Event_bridge_patterns_follow_ruler(string pattern, string @event, bool expected) =>
        Assert.Equal(expected, Pattern(pattern).Matches(@event));

    [Theory]
    [InlineData("""{"a":[{"wildcard":"a**b"}]}""", "Consecutive wildcard characters at pos 2")]
    [InlineData("""{"a":[{"wildcard":"a\\b"}]}""", "Invalid escape character at pos 2")]
    [InlineData("""{"a":[{"NUMERIC":[">",1]}]}""", "Unrecognized match type NUMERIC")]
    [InlineData("""{"a":[{"numeric":[]}]}""", "Invalid member in numeric match: ]")]
    [InlineData("""{"a":[{"numeric":[1,"<="]}]}""", "Invalid member in numeric match: 1")]
    [InlineData("""{"a":[{"numeric":["<",100,">",10]}]}""", "Too many elements in numeric expression")]
    [InlineData("""{"a":[{"numeric":[">",20,30]}]}""", "Bad value in numeric range: 30")]
    [InlineData("""{"a":[{"numeric":["=","000"]}]}""", "Value of equals must be numeric")]
    [InlineData("""{"a":[{"numeric":[">="]}]}""", "Value of >= must be numeric")]
    [InlineData("""{"a":[{"anything-but":{"prefix":""}}]}""", "Null prefix/suffix not allowed")]
    [InlineData("""{"a":[{"anything-but":null}]}""", "Value of anything-but must be an array or single string/number value.")]
    [InlineData("""{"a":[{"anything-but":["a",1]}]}""", "Inside anything but list, either all values are number or string, mixed type is not supported")]
    [InlineData("""{"a":[{"exists":"no"}]}""", "exists match pattern must be either true or false.")]
    [InlineData("""{"a":[{"cidr":"10.0.0.0"}]}""", "Malformed CIDR, one '/' required")]
    [InlineData("""{"a":[{"cidr":"10.0.0/8"}]}""", "Nonstandard IP address: 10.0.0")]
    [InlineData("""{"a":[{"cidr":"10.0.0.0/x"}]}""", "Malformed CIDR, mask bits must be an integer")]
    [InlineData("""{"a":[["v"]]}""", "Match value must be String, number, true, false, or null")]
    [InlineData("""["a"]""", "Filter is not an object")]
    [InlineData("""{"a":[{"suffix":"a","prefix":"b"}]}""", "Only one key allowed in match expression")]
    [InlineData("""{"$or":{"a":["x"]}}""", "It must be an Array followed with $or.")]
    [InlineData("""{"$or":[{"a":["x"]},1]}""", "Only JSON object is allowed in array of $or relationship.")]
    [InlineData("""{"$or":[{"a":["x"]},{"prefix":["y"]}]}""", "prefix is Ruler reserved fieldName which cannot be used inside $or.")]
    [InlineData("""{"a":{}}""", "Empty objects are not allowed")]
    public void Invalid_event_patterns_are_rejected_with_rulers_text(string json, string message)
    {
        var error = Assert.Throws<BrokerException>(() => Pattern(json));
        Assert.Equal(BrokerErrorCodes.InvalidEventPatternException, error.ErrorCode);
        Assert.Equal("Event pattern is not valid. Reason: " + message, error.Message);
    }

    [Fact]
    public void Sns_rejects_event_bridge_only_operators()
    {
        Assert.EndsWith("Unrecognized match type wildcard", Assert.Throws<BrokerException>(() => FilterPolicy.Parse("""{"a":[{"wildcard":"*"}]}""")).Message);
        Assert.EndsWith("Unsupported anything-but pattern: wildcard", Assert.Throws<BrokerException>(() => FilterPolicy.Parse("""{"a":[{"anything-but":{"wildcard":"*"}}]}""")).Message);
        Assert.StartsWith("Invalid parameter: FilterPolicy: failed to parse JSON. ", Assert.Throws<BrokerException>(() => FilterPolicy.Parse("{")).Message);
        Assert.Throws<ArgumentNullException>(() => FilterPolicy.Parse(null!));
    }

    [Fact]
    public void Scope_mismatch_throws()
    {
        Assert.Throws<InvalidOperationException>(() => FilterPolicy.Parse("""{"a":["x"]}""").Matches("{}"));
        Assert.Throws<InvalidOperationException>(() => Pattern("""{"a":["x"]}""").Matches(new Dictionary<string, MessageAttributeValue>()));
    }

    [Fact]
    public void Index_of_ten_thousand_policies_matches_exactly_the_right_ones_and_survives_churn()
    {
        var index = new FilterPolicyIndex<string>();
        for (var i = 0; i < 10_000; i++)
        {
            index.Add("s" + i, FilterPolicy.Parse($$"""{"customer":["c-{{i}}"]}"""));
        }

        for (var i = 0; i < 10_000; i += 3)
        {
            Assert.True(index.Remove("s" + i));
        }

        index.Add("s1", FilterPolicy.Parse("""{"customer":["other"]}"""));
        Assert.Equal(10_000 - 3334, index.Count);
        var matches = new List<string>();
        foreach (var (value, expected) in new[] { ("c-2", "s2"), ("c-3", null), ("c-1", null), ("other", "s1"), ("c-9998", "s9998") })
        {
            matches.Clear();
            index.Match(new Dictionary<string, MessageAttributeValue> { ["customer"] = MessageAttributeValue.FromString(value) }, default, matches);
            Assert.Equal(expected is null ? [] : [expected], matches);
        }
    }

    [Fact]
    public void Index_agrees_with_each_policy_for_mixed_body_policies()
    {
        string[] policies =
        [
            """{"a":["x"]}""", """{"a":[{"prefix":"x"}],"b":[1]}""", """{"c":{"d":[{"numeric":[">",5]}]}}""",
            """{"$or":[{"a":["y"]},{"c":{"d":[7]}}]}""", """{"e":[{"exists":false}]}""", "{}",
        ];
        string[] bodies = ["""{"a":"x","b":1}""", """{"a":"xy","b":1,"c":{"d":7}}""", """{"e":1}""", "[1]", """{"c":{"d":[1,9]}}"""];
        var index = new FilterPolicyIndex<string>();
        var parsed = policies.Select(p => FilterPolicy.Parse(p, FilterPolicyScope.MessageBody)).ToArray();
        for (var i = 0; i < parsed.Length; i++)
        {
            index.Add(policies[i], parsed[i]);
        }

        foreach (var body in bodies)
        {
            var matches = new List<string>();
            index.Match(null, System.Text.Encoding.UTF8.GetBytes(body), matches);
            var expected = policies.Where((p, i) => parsed[i].Matches(body)).Order(StringComparer.Ordinal);
            Assert.Equal(expected, matches.Order(StringComparer.Ordinal));
        }
    }
}
