using FsCheck;
using FsCheck.Fluent;

namespace Broker.PropertyTests;

public sealed class PropertyRunTests
{
    private static Property SmallNumbersOnly() => Prop.ForAll(ArbMap.Default.ArbFor<int>(), n => n < 50);

    [Fact]
    public void A_failure_prints_the_replay_setting_and_the_shrunk_counterexample()
    {
        var failure = Assert.Throws<PropertyFailedException>(() => PropertyRun.Check(SmallNumbersOnly(), 1000, replay: null));

        Assert.Matches(@"Replay: BROKER_PROPERTY_REPLAY=\d+,\d+ ", failure.Message);
        // Shrunk to the boundary, or the first failing case was the boundary already (FsCheck then prints no "Shrunk:").
        Assert.Matches(@"Shrunk:\s*50\b|\(0 shrinks\)[\s\S]*Original:\s*50\b", failure.Message);
    }

    [Fact]
    public void Replaying_a_printed_seed_finds_the_same_counterexample_first()
    {
        var first = Assert.Throws<PropertyFailedException>(() => PropertyRun.Check(SmallNumbersOnly(), 1000, replay: null));
        var seed = System.Text.RegularExpressions.Regex.Match(first.Message, @"BROKER_PROPERTY_REPLAY=(\d+,\d+)").Groups[1].Value;

        var again = Assert.Throws<PropertyFailedException>(() => PropertyRun.Check(SmallNumbersOnly(), 1000, seed));

        Assert.Equal(Original(first.Message), Original(again.Message));
    }

    [Theory]
    [InlineData(null, 1)]
    [InlineData("", 1)]
    [InlineData("0", 1)]
    [InlineData("-3", 1)]
    [InlineData("many", 1)]
    [InlineData("20", 20)]
    public void The_scale_is_a_positive_whole_number_or_one(string? value, int expected) =>
        Assert.Equal(expected, PropertyRun.ReadScale(value));

    [Fact]
    public void A_malformed_replay_setting_says_what_it_expects() =>
        Assert.Contains("seed,gamma", Assert.Throws<ArgumentException>(() => PropertyRun.ParseReplay("12")).Message, StringComparison.Ordinal);

    private static string Original(string message) =>
        System.Text.RegularExpressions.Regex.Match(message, @"Original:\s*(\S+)").Groups[1].Value;
}
