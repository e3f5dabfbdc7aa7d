using FsCheck;
using FsCheck.Fluent;

namespace Broker.PropertyTests.Models;

/// <summary>
/// Random scripts of sends (with and without per-message delays), batch sends, receives (1–10, with and without a
/// visibility override), deletes (current, repeated and stale handles, single and batch), visibility changes (0 included),
/// purges, queue delay and visibility changes and clock advances against a standard queue with a dead-letter queue,
/// checked after every step against <see cref="StandardQueueModel"/>. A standard queue promises neither order nor which
/// visible messages a receive returns: the model checks that what comes back was visible, that a receive short of its
/// maximum took everything it could, and then follows each message's state exactly from what the engine returned.
/// </summary>
public sealed class StandardQueueModelProperties
{
    private static readonly Gen<int?> MessageDelays = Gen.Elements<int?>(null, null, null, 0, 5, 40);

    private static Gen<QueueOp> Operation => Gen.Frequency(
        (6, MessageDelays.Select(d => (QueueOp)new Send(d))),
        (2, Scripts.Batch(MessageDelays).Select(d => (QueueOp)new SendBatch(d))),
        (6, from max in Gen.Choose(1, 10)
            from visibility in Gen.Elements<int?>(null, null, 0, 5, 30)
            select (QueueOp)new Receive(max, visibility)),
        (3, Gen.Choose(0, 1_000).Select(pick => (QueueOp)new Delete(pick))),
        (1, Scripts.Batch(Gen.Choose(0, 1_000)).Select(p => (QueueOp)new DeleteBatch(p))),
        (2, from pick in Gen.Choose(0, 1_000)
            from seconds in Gen.Elements(0, 0, 10, 60)
            select (QueueOp)new ChangeVisibility(pick, seconds)),
        (1, Gen.Constant((QueueOp)new Purge())),
        (1, Gen.Elements(0, 0, 20).Select(s => (QueueOp)new SetDelay(s))),
        (1, Gen.Elements(10, 30, 45).Select(s => (QueueOp)new SetVisibility(s))),
        (4, Gen.Elements(1, 4, 5, 10, 29, 30, 31, 40, 60, 120, 299).Select(s => (QueueOp)new Advance(s))));

    [Fact]
    public void Sends_receives_deletes_visibility_changes_purges_and_clock_advances_agree_with_the_model() =>
        PropertyRun.Check(
            Prop.ForAll(Scripts.Of(Gen.Choose(1, 3), Operation), run =>
            {
                using var model = new StandardQueueModel(maxReceiveCount: run.Setting);
                model.Run(run.Script.Ops);
            }),
            cases: 2000);
}

/// <summary>One step of a standard-queue script; names are short so that a counterexample reads as a script.</summary>
internal abstract record QueueOp;

/// <summary>Send one message; <paramref name="Delay"/> null leaves the queue's delay in force.</summary>
internal sealed record Send(int? Delay) : QueueOp
{
    public override string ToString() => $"Send(delay: {Delay?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "queue"})";
}

internal sealed record SendBatch(int?[] Delays) : QueueOp
{
    public override string ToString() => $"SendBatch({string.Join(", ", Delays.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "queue"))})";
}

/// <summary>Receive up to <paramref name="Max"/>; <paramref name="Visibility"/> null uses the queue's timeout.</summary>
internal sealed record Receive(int Max, int? Visibility) : QueueOp
{
    public override string ToString() => $"Receive(max: {Max}, visibility: {Visibility?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "queue"})";
}

/// <summary>Delete with one of the handles received so far (picked modulo their count): current, stale or used.</summary>
internal sealed record Delete(int Pick) : QueueOp
{
    public override string ToString() => $"Delete(handle pick {Pick})";
}

internal sealed record DeleteBatch(int[] Picks) : QueueOp
{
    public override string ToString() => $"DeleteBatch({string.Join(", ", Picks.Select(p => "pick " + p.ToString(System.Globalization.CultureInfo.InvariantCulture)))})";
}

internal sealed record ChangeVisibility(int Pick, int Seconds) : QueueOp
{
    public override string ToString() => $"ChangeVisibility(handle pick {Pick}, {Seconds}s)";
}

internal sealed record Purge : QueueOp
{
    public override string ToString() => "Purge";
}

internal sealed record SetDelay(int Seconds) : QueueOp
{
    public override string ToString() => $"SetQueueDelay({Seconds}s)";
}

internal sealed record SetVisibility(int Seconds) : QueueOp
{
    public override string ToString() => $"SetQueueVisibility({Seconds}s)";
}

internal sealed record Advance(int Seconds) : QueueOp
{
    public override string ToString() => $"Advance({Seconds}s)";
}
