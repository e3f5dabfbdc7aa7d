using System.Globalization;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.PropertyTests;

/// <summary>
/// Runs every property of this project: how many cases (scaled by <see cref="ScaleVariable"/> for long runs) and how to
/// replay a failure (<see cref="ReplayVariable"/>). A failure throws with FsCheck's report (original and shrunk
/// counterexample) followed by the exact command line that replays it.
/// </summary>
public static partial class PropertyRun
{
    /// <summary>A whole number that multiplies every property's case count: <c>BROKER_PROPERTY_SCALE=50</c> for a long run.</summary>
    public const string ScaleVariable = "BROKER_PROPERTY_SCALE";

    /// <summary>
    /// <c>seed,gamma</c> as printed by a failure: the next run starts from that seed, so the failing case comes back
    /// first (set it together with a test filter for the failing property).
    /// </summary>
    public const string ReplayVariable = "BROKER_PROPERTY_REPLAY";

    /// <summary>The case-count multiplier read from <see cref="ScaleVariable"/>; 1 when unset.</summary>
    public static int Scale { get; } = ReadScale(Environment.GetEnvironmentVariable(ScaleVariable));

    /// <summary>Checks <paramref name="property"/> on <paramref name="cases"/> × <see cref="Scale"/> random cases.</summary>
    public static void Check(Property property, int cases) =>
        Check(property, cases, Environment.GetEnvironmentVariable(ReplayVariable));

    internal static void Check(Property property, int cases, string? replay)
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(cases * Scale).WithQuietOnSuccess(true);
        if (ParseReplay(replay) is { } start)
        {
            config = config.WithReplay(start.Seed, start.Gamma);
        }

        try
        {
            property.Check(config);
        }
        catch (Exception failure) when (SeedPattern().Match(failure.Message) is { Success: true } seed)
        {
            throw new PropertyFailedException(
                $"{failure.Message}{Environment.NewLine}Replay: {ReplayVariable}={seed.Groups[1].Value},{seed.Groups[2].Value} dotnet test --filter <this test>",
                failure);
        }
    }

    internal static int ReadScale(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var scale) && scale > 0 ? scale : 1;

    internal static (ulong Seed, ulong Gamma)? ParseReplay(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var parts = value.Trim().Trim('(', ')').Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
            && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var gamma))
        {
            return (seed, gamma);
        }

        throw new ArgumentException($"{ReplayVariable} must be 'seed,gamma' as a failure prints it, not '{value}'.", nameof(value));
    }

    // FsCheck 3 reports the run's starting seed as "(seed,gamma)" after the test and shrink counts.
    [GeneratedRegex(@"shrinks?\) \((\d+),\s*(\d+)\)")]
    private static partial Regex SeedPattern();
}

/// <summary>A property failed; the message ends with the command that replays it.</summary>
public sealed class PropertyFailedException(string message, Exception inner) : Exception(message, inner);
