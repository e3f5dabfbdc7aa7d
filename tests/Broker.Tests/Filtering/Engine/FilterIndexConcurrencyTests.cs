using Broker.Filtering;
using Broker.Filtering.Internal;
using Broker.Queues;

namespace Broker.Tests.Filtering.Engine;

public sealed class FilterIndexConcurrencyTests
{
    [Fact]
    public async Task Match_always_sees_stable_targets_while_others_are_added_replaced_and_removed()
    {
        var index = new FilterPolicyIndex<string>();
        var matching = FilterPolicy.Parse("""{"customer":["c-1"]}""");
        var alsoMatching = FilterPolicy.Parse("""{"customer":[{"prefix":"c-"}]}""");
        var body = FilterPolicy.Parse("""{"customer":["c-1"]}""", FilterPolicyScope.MessageBody);
        index.Add("stable", matching);
        index.Add("replaced", matching);
        index.Add("stable-body", body);
        var message = new Dictionary<string, MessageAttributeValue> { ["customer"] = MessageAttributeValue.FromString("c-1") };
        var bodyBytes = """{"customer":"c-1"}"""u8.ToArray();
        using var stop = new CancellationTokenSource();

        var writer = Task.Run(() =>
        {
            for (var round = 0; round < 300; round++)
            {
                for (var i = 0; i < 40; i++)
                {
                    index.Add("churn-" + i, FilterPolicy.Parse($$"""{"customer":["c-{{i}}"]}"""));
                }

                index.Add("replaced", round % 2 == 0 ? alsoMatching : matching);
                for (var i = 0; i < 40; i++)
                {
                    index.Remove("churn-" + i);
                }
            }

            stop.Cancel();
        });

        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var matches = new List<string>();
            var rounds = 0;
            while (!stop.IsCancellationRequested || rounds == 0)
            {
                matches.Clear();
                index.Match(message, bodyBytes, matches);
                Assert.Contains("stable", matches);
                Assert.Contains("replaced", matches);
                Assert.Contains("stable-body", matches);
                Assert.Equal(matches.Count, matches.Distinct(StringComparer.Ordinal).Count());
                rounds++;
            }
        })).ToArray();

        await writer;
        await Task.WhenAll(readers);
        Assert.Equal(3, index.Count);
    }
}
