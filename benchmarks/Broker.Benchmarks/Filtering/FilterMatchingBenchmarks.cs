using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Broker.Filtering;
using Broker.Filtering.Internal;

namespace Broker.Benchmarks.Filtering;

/// <summary>
/// Body matching in the style of aws/event-ruler's citylots benchmark: <see cref="EventCount"/> GeoJSON lot features of
/// about 1 KB are matched against a handful of body-scope policies of one kind, through a <see cref="FilterPolicyIndex{T}"/>
/// (as a topic does). Each operation is one event, so events/s = 1 s / Mean. The baseline only tokenizes each event with
/// <see cref="Utf8JsonReader"/>: the floor any JSON matcher pays.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class FilterMatchingBenchmarks
{
    public const int EventCount = 1000;

    private static readonly string[] ExactPolicies =
    [
        """{"properties":{"STREET":["CRANLEIGH"]}}""", """{"properties":{"STREET":["FULTON"]}}""",
        """{"properties":{"STREET":["MASON"]}}""", """{"properties":{"STREET":["BAY"]}}""", """{"properties":{"STREET":["CLAY"]}}""",
    ];

    private static readonly string[] PrefixPolicies =
    [
        """{"properties":{"STREET":[{"prefix":"CRA"}]}}""", """{"properties":{"STREET":[{"prefix":"FUL"}]}}""",
        """{"properties":{"STREET":[{"prefix":"MA"}]}}""", """{"properties":{"STREET":[{"prefix":"NORTH "}]}}""",
        """{"properties":{"BLOCK_NUM":[{"prefix":"00"}]}}""",
    ];

    private static readonly string[] NumericPolicies =
    [
        """{"geometry":{"type":["Polygon"],"coordinates":[{"numeric":[">",-122.4412,"<",-122.4400]}]}}""",
        """{"geometry":{"coordinates":[{"numeric":[">=",37.7701,"<",37.7702]}]}}""",
        """{"geometry":{"coordinates":[{"numeric":["=",-122.5]}]}}""",
        """{"geometry":{"coordinates":[{"numeric":["<",-122.519]}]}}""",
        """{"geometry":{"coordinates":[{"numeric":[">",37.8099]}]}}""",
    ];

    private static readonly string[] AnythingButPolicies =
    [
        """{"properties":{"STREET":[{"anything-but":["FULTON","MASON"]}]}}""",
        """{"properties":{"STREET":[{"anything-but":"UNKNOWN"}]}}""",
        """{"properties":{"ST_TYPE":[{"anything-but":["ST","AVE"]}]}}""",
        """{"properties":{"STREET":[{"anything-but":{"prefix":"B"}}]}}""",
        """{"properties":{"ODD_EVEN":[{"anything-but":"E"}]}}""",
    ];

    private readonly List<string> matches = new(8);
    private byte[][] events = null!;
    private FilterPolicyIndex<string> exact = null!;
    private FilterPolicyIndex<string> prefix = null!;
    private FilterPolicyIndex<string> numeric = null!;
    private FilterPolicyIndex<string> anythingBut = null!;

    [GlobalSetup]
    public void Setup()
    {
        events = CityLots.Generate(EventCount);
        exact = Index(ExactPolicies);
        prefix = Index(PrefixPolicies);
        numeric = Index(NumericPolicies);
        anythingBut = Index(AnythingButPolicies);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventCount)]
    public int TokenizeOnly()
    {
        var tokens = 0;
        foreach (var body in events)
        {
            var reader = new Utf8JsonReader(body);
            while (reader.Read())
            {
                tokens++;
            }
        }

        return tokens;
    }

    [Benchmark(OperationsPerInvoke = EventCount)]
    public int Exact() => MatchAll(exact);

    [Benchmark(OperationsPerInvoke = EventCount)]
    public int Prefix() => MatchAll(prefix);

    [Benchmark(OperationsPerInvoke = EventCount)]
    public int Numeric() => MatchAll(numeric);

    [Benchmark(OperationsPerInvoke = EventCount)]
    public int AnythingBut() => MatchAll(anythingBut);

    private int MatchAll(FilterPolicyIndex<string> index)
    {
        var matched = 0;
        foreach (var body in events)
        {
            matches.Clear();
            index.Match(null, body, matches);
            matched += matches.Count;
        }

        // Every policy set matches some of the generated lots; none matching means the index did not run.
        return matched > 0 ? matched : throw new InvalidOperationException($"No event of {events.Length} matched.");
    }

    private static FilterPolicyIndex<string> Index(string[] policies)
    {
        var index = new FilterPolicyIndex<string>();
        foreach (var policy in policies)
        {
            index.Add(policy, FilterPolicy.Parse(policy, FilterPolicyScope.MessageBody));
        }

        return index;
    }
}
