using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.PropertyTests.Models;

/// <summary>
/// A sequence of operations as a property's input. It prints one numbered operation per line, so that a shrunk
/// counterexample reads as a script to replay by hand.
/// </summary>
/// <typeparam name="TOp">The operation type of one model.</typeparam>
internal sealed class Script<TOp>(IReadOnlyList<TOp> ops)
{
    /// <summary>The operations, in the order they run.</summary>
    public IReadOnlyList<TOp> Ops { get; } = ops;

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{Ops.Count} ops:");
        for (var i = 0; i < Ops.Count; i++)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"  {i + 1,3}. {Ops[i]}");
        }

        return text.ToString();
    }
}

/// <summary>A script with a setting drawn once for it (a shard count, a maxReceiveCount, delivery formats).</summary>
/// <typeparam name="TSetting">The setting's type.</typeparam>
/// <typeparam name="TOp">The operation type of one model.</typeparam>
internal sealed record Run<TSetting, TOp>(TSetting Setting, Script<TOp> Script)
{
    public override string ToString() =>
        $"setting: {(Setting is System.Collections.IEnumerable values and not string ? string.Join(", ", values.Cast<object>()) : Setting)}{Environment.NewLine}{Script}";
}

/// <summary>Generators that shrink: FsCheck's <c>Gen.ToArbitrary</c> alone has no shrinker, so a failure would not get smaller.</summary>
internal static class Scripts
{
    /// <summary>Random scripts of <paramref name="operation"/>; a failing one shrinks by dropping runs of operations, then single ones.</summary>
    public static Arbitrary<Script<TOp>> Of<TOp>(Gen<TOp> operation) =>
        Arb.From(Lists(operation).Select(ops => new Script<TOp>([.. ops])), script => Shrink(script.Ops).Select(ops => new Script<TOp>(ops)));

    /// <summary>A setting drawn once per run with a script; shrinking keeps the setting and shrinks the script.</summary>
    public static Arbitrary<Run<TSetting, TOp>> Of<TSetting, TOp>(Gen<TSetting> setting, Gen<TOp> operation) =>
        Arb.From(
            setting.SelectMany(_ => Lists(operation), (s, ops) => new Run<TSetting, TOp>(s, new Script<TOp>([.. ops]))),
            run => Shrink(run.Script.Ops).Select(ops => run with { Script = new Script<TOp>(ops) }));

    /// <summary>
    /// Up to twice FsCheck's size (which grows to 100 over a run) operations: long scripts reach the states that need many
    /// steps (a third receive, a retention period, several reshards).
    /// </summary>
    private static Gen<List<TOp>> Lists<TOp>(Gen<TOp> operation) =>
        Gen.Sized(size => Gen.Choose(0, 2 * size)).SelectMany(length => operation.ListOf(length));

    /// <summary>Between 1 and 10 of <paramref name="entry"/>: a batch.</summary>
    public static Gen<T[]> Batch<T>(Gen<T> entry) => Gen.Choose(1, 10).SelectMany(length => entry.ArrayOf(length));

    /// <summary>Smaller lists, biggest cuts first: halves, quarters, … single operations.</summary>
    internal static IEnumerable<IReadOnlyList<TOp>> Shrink<TOp>(IReadOnlyList<TOp> ops)
    {
        for (var chunk = ops.Count / 2; chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= ops.Count; start += chunk)
            {
                yield return [.. ops.Take(start), .. ops.Skip(start + chunk)];
            }
        }
    }
}

/// <summary>How a model and the engine are compared: a disagreement throws with what was expected.</summary>
internal static class Model
{
    public static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Model and engine disagree: {what}.");
        }
    }

    public static void ExpectError(string code, Action action, string what)
    {
        try
        {
            action();
        }
        catch (BrokerException error) when (error.ErrorCode == code)
        {
            return;
        }
        catch (BrokerException error)
        {
            throw new InvalidOperationException($"Model and engine disagree: {what} should fail with {code}, got {error.ErrorCode}: {error.Message}");
        }

        throw new InvalidOperationException($"Model and engine disagree: {what} should fail with {code}, and succeeded.");
    }

    public static T Sync<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    public static void Sync(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }
}
