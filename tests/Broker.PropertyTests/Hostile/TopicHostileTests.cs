using Broker.Filtering;
using Broker.Queues;
using Broker.Topics;
using FsCheck;
using FsCheck.Fluent;
using static Broker.BrokerErrorCodes;

namespace Broker.PropertyTests.Hostile;

/// <summary>Hostile topic names, publish requests, subscription options and attributes, and filter policies (see <see cref="HostileInventory"/>).</summary>
public sealed class TopicHostileTests
{
    private const int Cases = 100;

    [Fact]
    public void Filter_policies_parse_or_are_refused_with_the_dialects_code_and_never_crash() =>
        PropertyRun.Check(Prop.ForAll(HostilePolicies.Arbitrary(), policy =>
        {
            using var world = HostileWorld.Create();
            var json = policy.Value;
            var malformed = !HostilePolicies.IsJsonObject(json);
            foreach (var (dialect, code) in new[] { (FilterDialect.Sns, InvalidParameter), (FilterDialect.EventBridge, InvalidEventPatternException) })
            {
                foreach (var scope in new[] { FilterPolicyScope.MessageAttributes, FilterPolicyScope.MessageBody })
                {
                    Expect.Outcome(world, $"FilterPolicy.Parse({policy}, {scope}, {dialect})", new Verdict(malformed, [code]),
                        () => FilterPolicy.Parse(json, scope, dialect));
                }
            }

            var verdict = new Verdict(malformed, [InvalidParameter]);
            Expect.Outcome(world, $"Subscribe(filter {policy})", verdict, () =>
                world.Events.Subscribe(world.DeadLetters, new SubscriptionOptions { FilterPolicy = json, FilterPolicyScope = FilterPolicyScope.MessageBody }));
            Expect.Outcome(world, $"SetAttribute(FilterPolicy, {policy})", json.Length == 0 ? Verdict.MaySucceedOr() : verdict,
                () => world.FilteredSubscription.SetAttribute("FilterPolicy", json));
        }), Cases);

    [Fact]
    public void A_parsed_policy_answers_true_or_false_for_any_body_or_attributes_and_never_throws() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostilePolicies.Bodies.SelectMany(body => HostileAttributes.Arbitrary().Generator.Select(attributes => (body, attributes)))), input =>
        {
            var (body, attributes) = input;
            string[] bodyPolicies =
            [
                """{"a":[1,{"numeric":[">",0]}],"b":{"c":[{"prefix":"x"},{"anything-but":["y"]}]}}""",
                """{"a":[{"exists":true}],"$or":[{"x":[{"suffix":"a"}]},{"y":[{"cidr":"10.0.0.0/8"}]}]}""",
                """{"a":{"b":{"c":[1]}}}""",
            ];
            foreach (var json in bodyPolicies)
            {
                var sns = FilterPolicy.Parse(json, FilterPolicyScope.MessageBody);
                var eventPattern = FilterPolicy.Parse(json, FilterPolicyScope.MessageBody, FilterDialect.EventBridge);
                Answers($"{json} on body {HostileText.Escape(System.Text.Encoding.UTF8.GetString(body))}", () => sns.Matches(body));
                Answers($"{json} on body text", () => eventPattern.Matches(System.Text.Encoding.UTF8.GetString(body)));
            }

            string[] attributePolicies =
            [
                """{"kind":["a",{"prefix":"x"}],"size":[{"numeric":[">",0,"<=",1e9]}]}""",
                """{"kind":[{"exists":true}],"$or":[{"x":[{"suffix":"a"}]},{"y":[{"cidr":"10.0.0.0/8"}]}]}""",
                """{"kind":[{"anything-but":{"prefix":"y"}}],"blob":[{"exists":false}]}""",
            ];
            foreach (var json in attributePolicies)
            {
                var policy = FilterPolicy.Parse(json);
                Answers($"{json} on attributes {attributes}", () => policy.Matches(attributes.ToDictionary()));
            }
        }), Cases);

    [Fact]
    public void Topic_names_are_created_when_valid_and_refused_with_InvalidParameter_otherwise() =>
        PropertyRun.Check(Prop.ForAll(HostileText.Arbitrary(), name =>
        {
            using var world = HostileWorld.Create();
            foreach (var fifo in new[] { false, true })
            {
                var verdict = name.IsValidTopicName(fifo) ? Verdict.MaySucceedOr(InvalidParameter) : Verdict.Fails(InvalidParameter);
                Expect.Outcome(world, $"CreateTopic({name}, fifo: {fifo})", verdict, () => world.Broker.CreateTopic(name.Value, new TopicOptions { FifoTopic = fifo }));
            }

            var missing = world.Broker.TryGetTopic(name.Value, out _) ? Verdict.MaySucceedOr() : Verdict.Fails(NotFound);
            Expect.Outcome(world, $"GetTopic({name})", missing, () => world.Broker.GetTopic(name.Value));

            // SNS's DeleteTopic is idempotent: a name with no topic is not an error, and must change nothing.
            Expect.Outcome(world, $"DeleteTopic({name})", Verdict.MaySucceedOr(NotFound, InvalidParameter), () => world.Broker.DeleteTopic(name.Value));
        }), Cases);

    [Fact]
    public void Publish_requests_with_hostile_text_are_accepted_or_refused_with_InvalidParameter() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(Gen.Choose(0, 4).SelectMany(field => HostileText.Arbitrary().Generator.Select(text => (field, text)))), input =>
        {
            using var world = HostileWorld.Create();
            var (field, text) = input;
            var value = text.Value;
            var (request, verdict) = field switch
            {
                0 => (new PublishRequest(value), value.Length == 0 ? Verdict.Fails(InvalidParameter) : Verdict.MaySucceedOr(InvalidParameter)),
                1 => (new PublishRequest("m") { Subject = value }, SubjectIsValid(value) ? Verdict.MaySucceedOr() : Verdict.Fails(InvalidParameter)),
                2 => (new PublishRequest(value) { MessageStructure = "json" }, Verdict.MaySucceedOr(InvalidParameter)),
                3 => (new PublishRequest("m") { MessageStructure = value }, value == "json" ? Verdict.MaySucceedOr(InvalidParameter) : Verdict.Fails(InvalidParameter)),
                _ => (new PublishRequest("m") { MessageGroupId = value }, text.IsValidGroupId ? Verdict.MaySucceedOr() : Verdict.Fails(InvalidParameter)),
            };
            Expect.Outcome(world, $"PublishAsync(field {field} = {text})", verdict, async () => await world.Events.PublishAsync(request));
            Expect.Outcome(world, $"PublishBatchAsync(field {field} = {text})", verdict, async () =>
            {
                var result = await world.Events.PublishBatchAsync([new PublishBatchEntry("e", request.Message) { Subject = request.Subject, MessageStructure = request.MessageStructure, MessageGroupId = request.MessageGroupId }]);
                QueueControlHostileTests.ThrowFirstFailure(result.Failed);
            });
        }), Cases);

    [Fact]
    public void Subscription_attributes_and_options_are_set_when_valid_and_refused_with_InvalidParameter_otherwise() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostileSubscription.Generator), input =>
        {
            using var world = HostileWorld.Create();
            Expect.Outcome(world, $"SetAttribute({input})", input.AttributeVerdict, () => world.FilteredSubscription.SetAttribute(input.Name, input.Value));
            Expect.Outcome(world, $"SetOptions({input.Options})", Verdict.MaySucceedOr(InvalidParameter), () => world.FilteredSubscription.SetOptions(input.Options));
            Expect.Outcome(world, $"Subscribe(queue, {input.Options})", Verdict.MaySucceedOr(InvalidParameter), () => world.Events.Subscribe(world.DeadLetters, input.Options));
            Expect.Outcome(world, $"Subscribe(handler, {input.Options})", Verdict.MaySucceedOr(InvalidParameter), () => world.Events.Subscribe((_, _) => ValueTask.CompletedTask, input.Options));

            // A delivery policy the broker accepts must give a delay in [0, max], or none, for any retry number.
            if (input.Options.DeliveryPolicy is { } policy
                && Expect.Run(() =>
                {
                    world.Events.Subscribe((_, _) => ValueTask.CompletedTask, new SubscriptionOptions { DeliveryPolicy = policy });
                    return ValueTask.CompletedTask;
                }) is null)
            {
                foreach (var retry in new[] { int.MinValue, -1, 0, 1, 2, 3, 4, 100, 100_015, 100_016, int.MaxValue })
                {
                    var delay = policy.DelayBeforeRetry(retry);
                    Assert.True(delay is null || (delay >= TimeSpan.Zero && delay <= policy.MaxDelayTarget), $"{policy}.DelayBeforeRetry({retry}) = {delay}");
                }
            }
        }), Cases);

    private static bool SubjectIsValid(string subject) =>
        subject.Length is > 0 and <= 100 && subject[0] != ' ' && subject.All(static c => c is >= ' ' and <= '~');

    private static void Answers(string what, Func<bool> match)
    {
        try
        {
            _ = match();
        }
        catch (Exception error)
        {
            throw new HostileOutcomeException($"Matches({what}) threw {error.GetType().Name}: {error.Message}", error);
        }
    }
}
