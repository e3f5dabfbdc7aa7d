using Broker.Filtering;
using Broker.Filtering.Internal;
using Broker.Queues;

namespace Broker.Tests.Filtering.Engine;

public sealed class FilterEngineSmokeTests
{
    private static Dictionary<string, MessageAttributeValue> Attributes(params (string Name, MessageAttributeValue Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private static FilterPolicy Body(string json, FilterDialect dialect = FilterDialect.Sns) =>
        FilterPolicy.Parse(json, FilterPolicyScope.MessageBody, dialect);

    [Fact]
    public void Exact_string_and_number_attributes_match()
    {
        var policy = FilterPolicy.Parse("""{"store":["example_corp"],"price":[300]}""");
        Assert.True(policy.Matches(Attributes(("store", MessageAttributeValue.FromString("example_corp")), ("price", MessageAttributeValue.FromNumber("3e2")))));
        Assert.False(policy.Matches(Attributes(("store", MessageAttributeValue.FromString("example_corp")), ("price", MessageAttributeValue.FromString("300")))));
        Assert.False(policy.Matches((IReadOnlyDictionary<string, MessageAttributeValue>?)null));
    }

    [Fact]
    public void String_array_attribute_matches_element_wise_including_anything_but()
    {
        var policy = FilterPolicy.Parse("""{"sport":[{"anything-but":["rugby","tennis"]}]}""");
        Assert.True(policy.Matches(Attributes(("sport", MessageAttributeValue.FromString("""["rugby","baseball"]""", "String.Array")))));
        Assert.False(policy.Matches(Attributes(("sport", MessageAttributeValue.FromString("""["rugby","tennis"]""", "String.Array")))));
    }

    [Fact]
    public void Exists_false_needs_some_attribute()
    {
        var policy = FilterPolicy.Parse("""{"a":[{"exists":false}]}""");
        Assert.False(policy.Matches(new Dictionary<string, MessageAttributeValue>()));
        Assert.True(policy.Matches(Attributes(("b", MessageAttributeValue.FromString("x")))));
        Assert.True(policy.Matches(Attributes(("a", MessageAttributeValue.FromBinary([1])))));
    }

    [Fact]
    public void Body_arrays_are_matched_array_consistently()
    {
        var policy = Body("""{"Records":{"eventName":[{"prefix":"ObjectCreated:"}],"key":[{"prefix":"auto-"}]}}""");
        Assert.True(policy.Matches("""{"Records":[{"eventName":"ObjectCreated:Put","key":"auto-1"},{"eventName":"ObjectRemoved:Delete","key":"home-1"}]}"""));
        Assert.False(policy.Matches("""{"Records":[{"eventName":"ObjectRemoved:Delete","key":"auto-1"},{"eventName":"ObjectCreated:Put","key":"home-1"}]}"""));
    }

    [Fact]
    public void Dots_in_keys_join_paths_and_non_objects_never_match()
    {
        var policy = Body("""{"object":{"nested":["v"]}}""");
        Assert.True(policy.Matches("""{"object.nested":"v"}"""));
        Assert.True(policy.Matches("""{"object":{"nested":["x","v"]}}"""));
        Assert.False(policy.Matches("""["v"]"""));
        Assert.False(policy.Matches("""{"object":{"nested":"v"}} x"""));
    }

    [Fact]
    public void Body_numeric_null_exists_and_cidr()
    {
        var policy = Body("""{"n":[{"numeric":[">",0,"<=",150]}],"z":[null],"e":[{"exists":false}],"ip":[{"cidr":"10.0.0.0/24"}]}""");
        Assert.True(policy.Matches("""{"n":150,"z":null,"ip":"10.0.0.255"}"""));
        Assert.False(policy.Matches("""{"n":150.5,"z":null,"ip":"10.0.0.255"}"""));
        Assert.False(policy.Matches("""{"n":150,"z":null,"ip":"10.0.1.0"}"""));
        Assert.False(policy.Matches("""{"n":150,"ip":"10.0.0.1"}"""));
        Assert.False(policy.Matches("""{"n":150,"z":null,"e":1,"ip":"10.0.0.1"}"""));
    }

    [Fact]
    public void Event_bridge_wildcard_and_its_complexity_cap()
    {
        var policy = Body("""{"r":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}""", FilterDialect.EventBridge);
        Assert.True(policy.Matches("""{"r":"arn:aws:events:us-east-1:123:event-bus/x"}"""));
        var error = Assert.Throws<BrokerException>(() => Body("""{"r":[{"wildcard":"*:*:*:*:*:event-bus/*"}]}""", FilterDialect.EventBridge));
        Assert.EndsWith("Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character", error.Message);
    }

    [Theory]
    [InlineData("""{"key":[]}""", "Empty arrays are not allowed")]
    [InlineData("""{"key":"v"}""", "\"key\" must be an object or an array")]
    [InlineData("""{"a":{"b":["v"]}}""", "Filter policy scope MessageAttributes does not support nested filter policy")]
    [InlineData("""{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}""", "Filter policy can not have more than 5 keys")]
    [InlineData("""{"a":[{"anything-but":{"suffix":"x"}}]}""", "Unsupported anything-but pattern: suffix")]
    [InlineData("""{"a":[{"numeric":[">",3,"<",1]}]}""", "Bottom must be less than top")]
    [InlineData("""{"a":[{"numeric":[">=",1,">",2]}]}""", "Bad numeric range operator: >")]
    [InlineData("""{"$or":[{"a":["x"]}]}""", "There must have at least 2 Objects in $or relationship.")]
    public void Invalid_sns_policies_are_rejected_with_rulers_text(string json, string message)
    {
        var error = Assert.Throws<BrokerException>(() => FilterPolicy.Parse(json));
        Assert.Equal(BrokerErrorCodes.InvalidParameter, error.ErrorCode);
        Assert.Equal("Invalid parameter: FilterPolicy: " + message, error.Message);
    }

    [Fact]
    public void Sns_combination_examples_from_the_semantics()
    {
        static string Values(int n) => "[" + string.Join(",", Enumerable.Range(0, n).Select(i => $"\"v{i}\"")) + "]";
        Body($$$"""{"key_a":{"key_b":{"key_c":{{{Values(4)}}}}},"key_d":{"key_e":{{{Values(3)}}}}}""");
        Assert.Throws<BrokerException>(() => Body($$$"""{"key_a":{"key_b":{"key_c":{{{Values(4)}}}}},"key_d":{"key_e":{{{Values(3)}}}},"key_f":{{{Values(3)}}}}"""));
        string Or(int source, int space) =>
            $$$"""{"source":{{{Values(source)}}},"$or":[{"metricName":{{{Values(6)}}}},{"metricType":{{{Values(4)}}},"$or":[{"metricId":{{{Values(4)}}}},{"spaceId":{{{Values(space)}}}}]}]}""";
        Assert.Throws<BrokerException>(() => FilterPolicy.Parse(Or(4, 4)));
        FilterPolicy.Parse(Or(3, 7));
        Assert.Throws<BrokerException>(() => Body($$$"""{"$or":[{"metricName":{{{Values(3)}}}},{"namespace":{{{Values(2)}}}}],"detail":{"scope":{{{Values(2)}}},"$or":[{"source":{{{Values(1)}}}},{"type":{{{Values(3)}}}}]}}"""));
        Assert.Throws<BrokerException>(() => FilterPolicy.Parse($$$"""{"key":{{{Values(151)}}}}"""));
        Assert.Throws<BrokerException>(() => FilterPolicy.Parse($$$"""{"key1":{{{Values(100)}}},"key2":{{{Values(51)}}}}"""));
    }

    [Fact]
    public void Index_matches_each_target_once()
    {
        var index = new FilterPolicyIndex<string>();
        index.Add("all", null);
        index.Add("c1", FilterPolicy.Parse("""{"customer":["c-1","c-2"]}"""));
        index.Add("c2", FilterPolicy.Parse("""{"customer":[{"prefix":"c-"}]}"""));
        index.Add("body", FilterPolicy.Parse("""{"customer":["c-1"]}""", FilterPolicyScope.MessageBody));
        var matches = new List<string>();
        index.Match(Attributes(("customer", MessageAttributeValue.FromString("""["c-1","c-2"]""", "String.Array"))), """{"customer":"c-1"}"""u8, matches);
        Assert.Equal(["all", "body", "c1", "c2"], matches.Order(StringComparer.Ordinal));
        Assert.True(index.Remove("c1"));
        matches.Clear();
        index.Match(Attributes(("customer", MessageAttributeValue.FromString("c-1"))), default, matches);
        Assert.Equal(["all", "c2"], matches.Order(StringComparer.Ordinal));
    }
}
