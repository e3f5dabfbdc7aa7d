using System.Globalization;
using BenchmarkDotNet.Attributes;
using Broker.Filtering;
using Broker.Filtering.Internal;
using Broker.Queues;

namespace Broker.Benchmarks.Filtering;

/// <summary>
/// Does attribute matching slow down with the number of subscriptions? <see cref="FilterPolicyIndex{T}.Match"/> with 10
/// (baseline) and with 10,000 distinct exact-value policies <c>{"customer":["c-i"]}</c>, for a message (three attributes)
/// that matches exactly one of them. A scan over every policy would make the second about 1000× the first.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class FilterIndexScalingBenchmarks
{
    private readonly List<string> matches = new(4);
    private FilterPolicyIndex<string> tenPolicies = null!;
    private FilterPolicyIndex<string> tenThousandPolicies = null!;
    private Dictionary<string, MessageAttributeValue> tenMessage = null!;
    private Dictionary<string, MessageAttributeValue> tenThousandMessage = null!;

    [GlobalSetup]
    public void Setup()
    {
        tenPolicies = Index(10);
        tenThousandPolicies = Index(10_000);
        tenMessage = Message("c-7");
        tenThousandMessage = Message("c-7777");
    }

    [Benchmark(Baseline = true)]
    public int Match10Policies() => Match(tenPolicies, tenMessage);

    [Benchmark]
    public int Match10000Policies() => Match(tenThousandPolicies, tenThousandMessage);

    private int Match(FilterPolicyIndex<string> index, Dictionary<string, MessageAttributeValue> message)
    {
        matches.Clear();
        index.Match(message, default, matches);
        return matches.Count == 1 ? 1 : throw new InvalidOperationException($"{matches.Count} policies matched instead of 1.");
    }

    private static FilterPolicyIndex<string> Index(int count)
    {
        var index = new FilterPolicyIndex<string>();
        for (var i = 0; i < count; i++)
        {
            var customer = "c-" + i.ToString(CultureInfo.InvariantCulture);
            index.Add("subscription-" + customer, FilterPolicy.Parse($$"""{"customer":["{{customer}}"]}"""));
        }

        return index;
    }

    private static Dictionary<string, MessageAttributeValue> Message(string customer) => new()
    {
        ["customer"] = MessageAttributeValue.FromString(customer),
        ["eventType"] = MessageAttributeValue.FromString("order_placed"),
        ["price"] = MessageAttributeValue.FromNumber(1250),
    };
}
