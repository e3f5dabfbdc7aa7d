using System.Globalization;
using Broker.Filtering;
using Broker.Queues;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.PropertyTests.Models;

/// <summary>
/// Random scripts against a topic with queue subscriptions whose filter policies come from a fixed set, each paired with a
/// hand-written C# predicate that decides matching for the model (<see cref="Policies"/>): publishes and batch publishes
/// with random attributes and bodies, raw and enveloped delivery, subscribe / unsubscribe / policy and raw-delivery changes,
/// clock advances. After every step each queue holds exactly the deliveries the model predicts. A FIFO topic into FIFO
/// queues is checked for deduplication and order within each group.
/// </summary>
public sealed class TopicModelProperties
{
    internal const int Queues = 4;

    private static Gen<Pub> Message =>
        from color in Gen.Choose(-1, Policies.Colors.Length - 1)
        from size in Gen.Choose(-1, Policies.Sizes.Length - 1)
        from kind in Gen.Choose(-1, Policies.Kinds.Length - 1)
        from body in Gen.Choose(0, Policies.Colors.Length + 1)
        select new Pub(color, size, kind, body);

    private static Gen<TopicOp> Operation => Gen.Frequency(
        (6, Message.Select(m => (TopicOp)m)),
        (2, Scripts.Batch(Message).Select(m => (TopicOp)new PubBatch(m))),
        (3, from queue in Gen.Choose(0, Queues - 1)
            from policy in Gen.Choose(0, Policies.All.Length - 1)
            from raw in Gen.Elements(true, false)
            select (TopicOp)new Sub(queue, policy, raw)),
        (1, Gen.Choose(0, Queues - 1).Select(q => (TopicOp)new Unsub(q))),
        (2, from queue in Gen.Choose(0, Queues - 1)
            from policy in Gen.Choose(0, Policies.All.Length - 1)
            select (TopicOp)new SetPolicy(queue, policy)),
        (1, from queue in Gen.Choose(0, Queues - 1)
            from raw in Gen.Elements(true, false)
            select (TopicOp)new SetRaw(queue, raw)),
        (1, Gen.Elements(1, 60, 3_600).Select(s => (TopicOp)new Wait(s))));

    private static Gen<FifoPub> FifoMessage =>
        from groupId in Gen.Choose(0, 2)
        from deduplicationId in Gen.Choose(0, 7)
        from red in Gen.Elements(true, false)
        select new FifoPub(groupId, deduplicationId, red);

    private static Gen<FifoTopicOp> FifoOperation => Gen.Frequency(
        (6, FifoMessage.Select(m => (FifoTopicOp)m)),
        (2, Scripts.Batch(FifoMessage).Select(e => (FifoTopicOp)new FifoPubBatch(e))),
        (2, Gen.Choose(0, FifoTopicModel.Queues - 1).Select(q => (FifoTopicOp)new Drain(q))),
        (2, Gen.Elements(1, 60, 299, 300, 301).Select(s => (FifoTopicOp)new FifoWait(s))));

    [Fact]
    public void Filtered_fan_out_to_queues_delivers_exactly_what_the_policies_say() =>
        PropertyRun.Check(
            Prop.ForAll(Scripts.Of(Operation), script =>
            {
                using var model = new TopicModel();
                model.Run(script.Ops);
            }),
            cases: 1000);

    [Fact]
    public void A_fifo_topic_into_fifo_queues_deduplicates_and_keeps_each_group_in_order() =>
        PropertyRun.Check(
            Prop.ForAll(Scripts.Of(Gen.Elements(true, false).ArrayOf(FifoTopicModel.Queues), FifoOperation), run =>
            {
                using var model = new FifoTopicModel(raw: run.Setting);
                model.Run(run.Script.Ops);
            }),
            cases: 1000);
}

/// <summary>The fixed filter policies, each with the predicate that decides, by hand, which messages it lets through.</summary>
internal static class Policies
{
    public static readonly string[] Colors = ["red", "green", "blue", "reddish"];
    public static readonly string[] Sizes = ["0", "5", "10", "10.5", "100", "-3"];
    public static readonly string[] Kinds = ["a", "b"];

    public static readonly Policy[] All =
    [
        new("none", null, FilterPolicyScope.MessageAttributes, _ => true),
        new("color=red", """{"color":["red"]}""", FilterPolicyScope.MessageAttributes, m => m.Color == "red"),
        new("color prefix re", """{"color":[{"prefix":"re"}]}""", FilterPolicyScope.MessageAttributes, m => m.Color?.StartsWith("re", StringComparison.Ordinal) == true),
        new("color anything-but red,blue", """{"color":[{"anything-but":["red","blue"]}]}""", FilterPolicyScope.MessageAttributes, m => m.Color is not null and not "red" and not "blue"),
        new("0 <= size < 10", """{"size":[{"numeric":[">=",0,"<",10]}]}""", FilterPolicyScope.MessageAttributes, m => m.Size is >= 0 and < 10),
        new("kind exists", """{"kind":[{"exists":true}]}""", FilterPolicyScope.MessageAttributes, m => m.Kind is not null),

        // SNS: exists:false matches only a message that has at least one attribute.
        new("kind absent", """{"kind":[{"exists":false}]}""", FilterPolicyScope.MessageAttributes, m => m.Kind is null && m.HasAttributes),
        new("color=blue or size>50", """{"$or":[{"color":["blue"]},{"size":[{"numeric":[">",50]}]}]}""", FilterPolicyScope.MessageAttributes, m => m.Color == "blue" || m.Size > 50),
        new("color in red,green and kind=a", """{"color":["red","green"],"kind":["a"]}""", FilterPolicyScope.MessageAttributes, m => m.Color is "red" or "green" && m.Kind == "a"),
        new("size in 10.5,100", """{"size":[10.5,100]}""", FilterPolicyScope.MessageAttributes, m => m.Size is 10.5m or 100m),
        new("body color=red", """{"color":["red"]}""", FilterPolicyScope.MessageBody, m => m.BodyColor == "red"),
        new("body color prefix re and id>=0", """{"color":[{"prefix":"re"}],"id":[{"numeric":[">=",0]}]}""", FilterPolicyScope.MessageBody, m => m.BodyColor?.StartsWith("re", StringComparison.Ordinal) == true),
    ];
}

/// <summary>A filter policy of the fixed set: its JSON, its scope, and the model's own verdict.</summary>
internal sealed record Policy(string Name, string? Json, FilterPolicyScope Scope, Func<Published, bool> Matches)
{
    public override string ToString() => Name;
}

/// <summary>What the model knows of a published message: its attributes and, for a JSON body, the body's color.</summary>
internal sealed record Published(string? Color, decimal? Size, string? Kind, string? BodyColor, bool JsonBody)
{
    public bool HasAttributes => Color is not null || Size is not null || Kind is not null;
}

internal abstract record TopicOp;

/// <summary>
/// Publish: indexes into <see cref="Policies.Colors"/>, <see cref="Policies.Sizes"/>, <see cref="Policies.Kinds"/> (−1: no
/// such attribute) and a body: 0 plain text, 1–4 JSON with that color, 5 JSON without one.
/// </summary>
internal sealed record Pub(int Color, int Size, int Kind, int Body) : TopicOp
{
    public string? ColorText => Color < 0 ? null : Policies.Colors[Color];

    public string? SizeText => Size < 0 ? null : Policies.Sizes[Size];

    public string? KindText => Kind < 0 ? null : Policies.Kinds[Kind];

    public string? BodyColor => Body is >= 1 and <= 4 ? Policies.Colors[Body - 1] : null;

    public Published Model => new(ColorText, SizeText is null ? null : decimal.Parse(SizeText, CultureInfo.InvariantCulture), KindText, BodyColor, Body > 0);

    public string Text(int id) => Body == 0 ? $"p{id} plain" : BodyColor is { } color ? $$"""{"id":{{id}},"color":"{{color}}"}""" : $$"""{"id":{{id}}}""";

    public Dictionary<string, MessageAttributeValue> Attributes()
    {
        var attributes = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
        if (ColorText is { } color)
        {
            attributes["color"] = MessageAttributeValue.FromString(color);
        }

        if (SizeText is { } size)
        {
            attributes["size"] = MessageAttributeValue.FromNumber(size);
        }

        if (KindText is { } kind)
        {
            attributes["kind"] = MessageAttributeValue.FromString(kind);
        }

        return attributes;
    }

    public override string ToString() =>
        $"Pub(color={ColorText ?? "-"}, size={SizeText ?? "-"}, kind={KindText ?? "-"}, body={(Body == 0 ? "plain" : "json:" + (BodyColor ?? "-"))})";
}

internal sealed record PubBatch(Pub[] Entries) : TopicOp
{
    public override string ToString() => $"PubBatch({string.Join("; ", Entries.Select(e => e.ToString()))})";
}

internal sealed record Sub(int Queue, int Policy, bool Raw) : TopicOp
{
    public override string ToString() => $"Sub(q{Queue}, {Policies.All[Policy]}, {(Raw ? "raw" : "envelope")})";
}

internal sealed record Unsub(int Queue) : TopicOp
{
    public override string ToString() => $"Unsub(q{Queue})";
}

internal sealed record SetPolicy(int Queue, int Policy) : TopicOp
{
    public override string ToString() => $"SetPolicy(q{Queue}, {Policies.All[Policy]})";
}

internal sealed record SetRaw(int Queue, bool Raw) : TopicOp
{
    public override string ToString() => $"SetRaw(q{Queue}, {Raw})";
}

internal sealed record Wait(int Seconds) : TopicOp
{
    public override string ToString() => $"Advance({Seconds}s)";
}

internal abstract record FifoTopicOp;

internal sealed record FifoPub(int Group, int DeduplicationId, bool Red) : FifoTopicOp
{
    public override string ToString() => $"Pub(g{Group}, d{DeduplicationId}{(Red ? ", red" : string.Empty)})";
}

internal sealed record FifoPubBatch(FifoPub[] Entries) : FifoTopicOp
{
    public override string ToString() => $"PubBatch({string.Join("; ", Entries.Select(e => e.ToString()))})";
}

internal sealed record Drain(int Queue) : FifoTopicOp
{
    public override string ToString() => $"Drain(fq{Queue})";
}

internal sealed record FifoWait(int Seconds) : FifoTopicOp
{
    public override string ToString() => $"Advance({Seconds}s)";
}
