using System.Globalization;

namespace Broker.StressTests.Scenarios;

/// <summary>
/// How long each scenario runs. CI: a few seconds of real time per scenario. A soak: set BROKER_STRESS_SECONDS to the
/// seconds per scenario (600, say); the run is then cut into rounds of at most a minute, each with a fresh broker and
/// checked on its own, so that the history (every operation is recorded) stays a bounded size however long the soak.
/// </summary>
internal static class StressSettings
{
    public const string Variable = "BROKER_STRESS_SECONDS";
    private static readonly TimeSpan CiRun = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan SoakRound = TimeSpan.FromSeconds(60);

    public static IReadOnlyList<TimeSpan> Rounds()
    {
        var text = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return [CiRun];
        }

        var total = TimeSpan.FromSeconds(double.Parse(text, CultureInfo.InvariantCulture));
        var rounds = new List<TimeSpan>();
        for (var left = total; left > TimeSpan.Zero; left -= SoakRound)
        {
            rounds.Add(left < SoakRound ? left : SoakRound);
        }

        return rounds;
    }

    /// <summary>A fresh seed per round, printed, so that a failing round's workload mix can be told apart (thread interleavings cannot be replayed).</summary>
    public static int NewSeed() => Random.Shared.Next(1, int.MaxValue / 2);
}
