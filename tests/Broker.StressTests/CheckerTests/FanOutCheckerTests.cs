using Broker.StressTests.Checking;
using Broker.StressTests.History;

namespace Broker.StressTests.CheckerTests;

public sealed class FanOutCheckerTests
{
    private static QueueHistorySnapshot Queue(string name, params string[] bodies) =>
        new(new QueueSetup(name, null, int.MaxValue, false, TimeSpan.FromDays(4)), [],
            [.. bodies.Select((b, i) => new ReceiveEvent(name, i, 0, $"{name}-{b}", b, 1, TimeSpan.FromSeconds(30), Stamp.Seconds(5, 5)))], [], [], [], TimeSpan.FromSeconds(100));

    private static readonly PublishEvent Hd = new("hd", true, Stamp.Seconds(1, 1));
    private static readonly PublishEvent Sd = new("sd", false, Stamp.Seconds(2, 2));

    [Fact]
    public void Publications_delivered_where_they_match_are_fine()
    {
        Assert.Empty(FanOutChecker.Check([Hd, Sd], Queue("all", "hd", "sd"), Queue("filtered", "hd")));
    }

    [Fact]
    public void A_publication_missing_from_a_matching_queue_is_reported_lost()
    {
        var violation = Assert.Single(FanOutChecker.Check([Hd, Sd], Queue("all", "hd", "sd"), Queue("filtered")));
        Assert.Contains("lost in fan-out: publication 'hd' at [1.000s, 1.000s] matches the filter of filtered", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_publication_in_a_queue_whose_filter_does_not_match_is_a_leak()
    {
        var violation = Assert.Single(FanOutChecker.Check([Hd, Sd], Queue("all", "hd", "sd"), Queue("filtered", "hd", "sd")));
        Assert.Contains("filter leak: publication 'sd'", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_publication_delivered_twice_into_one_queue_is_reported()
    {
        var twice = Queue("all", "hd", "sd") with
        {
            Receives = [.. Queue("all", "hd", "sd").Receives, new ReceiveEvent("all", 9, 0, "other-id", "hd", 1, TimeSpan.FromSeconds(30), Stamp.Seconds(6, 6))],
        };

        var violation = Assert.Single(FanOutChecker.Check([Hd, Sd], twice, Queue("filtered", "hd")));
        Assert.Contains("delivered twice: 'hd' arrived in all as two messages", violation, StringComparison.Ordinal);
    }
}
