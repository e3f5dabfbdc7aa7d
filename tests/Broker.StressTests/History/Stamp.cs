using System.Globalization;

namespace Broker.StressTests.History;

/// <summary>
/// When a call ran, on the run's fake clock: the clock read just before the call and just after it returned, as offsets
/// from the start of the run.
/// </summary>
/// <remarks>
/// The clock task advances the clock concurrently with every worker, so the instant at which the engine read the clock
/// inside a call is only known to lie somewhere in [<see cref="Before"/>, <see cref="After"/>]. The checkers therefore
/// use interval semantics: they report a violation only when no choice of instants inside the recorded intervals could
/// explain the history (for example, a redelivery is early only if even the latest instant of the second receive is
/// before the earliest possible visibility deadline of the first). A race between a call and the clock can widen an
/// interval, never produce a false alarm.
/// </remarks>
/// <param name="Before">The clock just before the call.</param>
/// <param name="After">The clock just after the call returned.</param>
public readonly record struct Stamp(TimeSpan Before, TimeSpan After)
{
    /// <summary>For hand-made histories: an interval given in seconds.</summary>
    public static Stamp Seconds(double before, double after) => new(TimeSpan.FromSeconds(before), TimeSpan.FromSeconds(after));

    public override string ToString() => $"[{Format(Before)}, {Format(After)}]";

    public static string Format(TimeSpan time) => time.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + "s";
}
