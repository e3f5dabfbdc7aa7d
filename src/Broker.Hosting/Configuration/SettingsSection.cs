using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Broker.Hosting.Configuration;

/// <summary>
/// One configuration section read by hand: its keys are checked against the valid ones (case-insensitively, as
/// configuration keys are), and each typed read reports a value it cannot use as a problem that starts with the value's
/// path and says what to write instead. Reads return <see langword="null"/> for a missing (or empty) value.
/// </summary>
internal sealed class SettingsSection
{
    /// <summary>The most whole seconds a <see cref="TimeSpan"/> holds.</summary>
    private const long TimeSpanSecondsLimit = 922_337_203_685;

    private readonly Dictionary<string, IConfigurationSection> children = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> problems;
    private readonly int problemsBefore;

    public SettingsSection(IConfiguration section, string path, List<string> problems, IReadOnlyList<string> validKeys)
    {
        Path = path;
        this.problems = problems;
        problemsBefore = problems.Count;
        foreach (var child in section.GetChildren())
        {
            if (validKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                children[child.Key] = child;
            }
            else
            {
                problems.Add($"{child.Path}: unknown setting '{child.Key}'{Suggestion(child.Key, validKeys)}; the settings here are {string.Join(", ", validKeys)}.");
            }
        }
    }

    /// <summary>The section's configuration path.</summary>
    public string Path { get; }

    /// <summary>Whether this section (or anything read through the same problem list since) reported a problem.</summary>
    public bool HasProblems => problems.Count > problemsBefore;

    public bool Has(string key) => children.TryGetValue(key, out var child) && (!string.IsNullOrEmpty(child.Value) || child.GetChildren().Any());

    public void Report(string key, string problem) => problems.Add($"{PathOf(key)}: {problem}");

    public string PathOf(string key) => children.TryGetValue(key, out var child) ? child.Path : $"{Path}:{key}";

    /// <summary>A sub-section, or <see langword="null"/> when the key is missing or empty; a plain value is reported.</summary>
    public IConfigurationSection? Section(string key, string expected)
    {
        if (!children.TryGetValue(key, out var child))
        {
            return null;
        }

        if (!string.IsNullOrEmpty(child.Value))
        {
            problems.Add($"{child.Path}: '{child.Value}' is a single value, but {expected}.");
            return null;
        }

        return child.GetChildren().Any() ? child : null;
    }

    /// <summary>The raw child, whatever its shape, or <see langword="null"/> when missing.</summary>
    public IConfigurationSection? Child(string key) => children.GetValueOrDefault(key);

    public string? String(string key)
    {
        if (!children.TryGetValue(key, out var child))
        {
            return null;
        }

        if (string.IsNullOrEmpty(child.Value) && child.GetChildren().Any())
        {
            problems.Add($"{child.Path}: expected a single value, not a section.");
            return null;
        }

        return string.IsNullOrEmpty(child.Value) ? null : child.Value;
    }

    public bool? Boolean(string key)
    {
        var value = String(key);
        if (value is null)
        {
            return null;
        }

        if (bool.TryParse(value, out var result))
        {
            return result;
        }

        Report(key, $"'{value}' is not a boolean; use true or false.");
        return null;
    }

    public int? Int32(string key)
    {
        var value = String(key);
        if (value is null)
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result))
        {
            return result;
        }

        Report(key, $"'{value}' is not a whole number.");
        return null;
    }

    public long? Int64(string key)
    {
        var value = String(key);
        if (value is null)
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result))
        {
            return result;
        }

        Report(key, $"'{value}' is not a whole number.");
        return null;
    }

    public TEnum? Enum<TEnum>(string key)
        where TEnum : struct, Enum
    {
        var value = String(key);
        if (value is null)
        {
            return null;
        }

        // Names only: Enum.TryParse would also take "7", which names nothing.
        if (!char.IsAsciiDigit(value[0]) && value[0] != '-' && System.Enum.TryParse<TEnum>(value, ignoreCase: true, out var result)
            && System.Enum.IsDefined(result))
        {
            return result;
        }

        Report(key, $"'{value}' is not one of {string.Join(", ", System.Enum.GetNames<TEnum>())}.");
        return null;
    }

    /// <summary>
    /// A <see cref="TimeSpan"/> in .NET's constant format (<c>[d.]hh:mm:ss[.fffffff]</c>), or, with
    /// <paramref name="secondsAllowed"/>, a whole number of seconds as SQS and SNS write their durations.
    /// </summary>
    public TimeSpan? Duration(string key, TimeSpan example, bool secondsAllowed)
    {
        var value = String(key);
        if (value is null)
        {
            return null;
        }

        if (secondsAllowed && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            if (seconds is >= -TimeSpanSecondsLimit and <= TimeSpanSecondsLimit)
            {
                return TimeSpan.FromSeconds(seconds);
            }
        }
        else if (value.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParseExact(value, "c", CultureInfo.InvariantCulture, out var duration))
        {
            return duration;
        }

        var hint = secondsAllowed
            ? $"use hh:mm:ss, e.g. {example:c}, or whole seconds, e.g. {(long)example.TotalSeconds}"
            : $"use hh:mm:ss or d.hh:mm:ss, e.g. {example:c}";
        Report(key, $"'{value}' is not a TimeSpan; {hint}.");
        return null;
    }

    /// <summary>Reports a key given together with another that sets the same thing.</summary>
    public bool Conflict(string key, string otherKey)
    {
        if (Has(key) && Has(otherKey))
        {
            Report(otherKey, $"sets the same thing as {key}; give one of them.");
            return true;
        }

        return false;
    }

    /// <summary>" (did you mean 'X'?)" for a key one or two edits away from a valid one.</summary>
    private static string Suggestion(string key, IReadOnlyList<string> validKeys)
    {
        string? best = null;
        var bestDistance = 3;
        foreach (var valid in validKeys)
        {
            var distance = EditDistance(key.ToUpperInvariant(), valid.ToUpperInvariant());
            if (distance < bestDistance)
            {
                best = valid;
                bestDistance = distance;
            }
        }

        return best is null ? string.Empty : $" (did you mean '{best}'?)";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
