using System.Text;
using Broker.Filtering;
using Broker.Queues;
using Broker.Streams;
using FsCheck;
using FsCheck.Fluent;
using static Broker.BrokerErrorCodes;

namespace Broker.PropertyTests.Hostile;

/// <summary>
/// No input may exhaust memory or take work superlinear in its size. Wall time is not asserted (it flakes on a shared
/// machine); the proxy is the bytes the calling thread allocates (<see cref="GC.GetAllocatedBytesForCurrentThread"/>),
/// which is deterministic for these synchronous calls: the parsers and validators allocate per token they look at,
/// so an algorithm that revisits input per nesting level, expands $or alternatives or copies per element shows up as
/// allocation growing faster than the input. Each hostile input is measured at size n and at size k·n (k = 8 or 10),
/// and the larger may allocate at most 2·k times the smaller plus a fixed 64 KiB; each call must also still answer with
/// its AWS code (or succeed).
/// </summary>
public sealed class GrowthTests
{
    private const long FixedSlack = 64 * 1024;

    /// <summary>One hostile input family: how to build it at a size, what to call with it, and the code it must answer.</summary>
    internal sealed record Family(string Name, int Small, int Factor, Func<HostileWorld, int, Action> Call, string? Code)
    {
        public override string ToString() => $"{Name} at {Small} and {Small * Factor}";
    }

    private static readonly Family[] Families =
    [
        new("filter policy nested n deep", 1_000, 10, (_, n) => Parse(Repeat("{\"a\":", n) + "[1]" + new string('}', n), FilterDialect.Sns), InvalidParameter),
        new("event pattern nested n deep", 1_000, 10, (_, n) => Parse(Repeat("{\"a\":", n) + "[1]" + new string('}', n), FilterDialect.EventBridge), InvalidEventPatternException),
        new("filter policy with an n-value array", 1_000, 8, (_, n) => Parse("{\"a\":[" + string.Join(',', Enumerable.Range(0, n)) + "]}", FilterDialect.Sns), InvalidParameter),
        new("event pattern with an n-value array", 1_000, 8, (_, n) => Parse("{\"a\":[" + string.Join(',', Enumerable.Range(0, n)) + "]}", FilterDialect.EventBridge), null),
        new("filter policy with $or at n levels (2^n alternatives)", 10, 6, (_, n) => Parse(OrFanOut(n), FilterDialect.Sns), InvalidParameter),
        new("event pattern with $or at n levels (2^n alternatives)", 10, 6, (_, n) => Parse(OrFanOut(n), FilterDialect.EventBridge), InvalidEventPatternException),
        new("filter policy with an n-way $or", 200, 8, (_, n) => Parse("{\"$or\":[" + string.Join(',', Enumerable.Range(0, n).Select(static i => $"{{\"k\":[{i}]}}")) + "]}", FilterDialect.Sns), InvalidParameter),
        new("filter policy with two parents of n two-way $or keys (4^n alternatives)", 10, 8, (_, n) => Parse(HostilePolicies.OrProduct(n), FilterDialect.Sns), InvalidParameter),
        new("event pattern with two parents of n two-way $or keys (4^n alternatives)", 10, 8, (_, n) => Parse(HostilePolicies.OrProduct(n), FilterDialect.EventBridge), InvalidEventPatternException),
        new("body nested n deep, matched", 1_000, 10, (_, n) => Matching(Repeat("{\"a\":", n) + "1" + new string('}', n)), null),
        new("body with an n-element array, matched", 1_000, 8, (_, n) => Matching("{\"a\":[" + string.Join(',', Enumerable.Range(0, n)) + "]}"), null),
        new("queue name of n characters", 10_000, 8, (w, n) => With(new string('q', n), name => w.Broker.CreateQueue(name)), InvalidParameterValue),
        new("receipt handle of n characters", 10_000, 8, (w, n) => With(new string('A', n), handle => w.Jobs.DeleteAsync(handle).AsTask().GetAwaiter().GetResult()), ReceiptHandleIsInvalid),
        new("Number attribute of n digits", 1_000, 8, (w, n) => Send(w, new Dictionary<string, MessageAttributeValue> { ["n"] = MessageAttributeValue.FromNumber(new string('9', n)) }), InvalidParameterValue),
        new("attribute name of n characters", 10_000, 8, (w, n) => Send(w, new Dictionary<string, MessageAttributeValue> { [new string('a', n)] = MessageAttributeValue.FromString("v") }), InvalidParameterValue),
        new("body of n control characters", 10_000, 8, (w, n) => SendBody(w, new string('\u0001', n)), InvalidMessageContents),
        new("explicit hash key of n digits", 1_000, 8, (w, n) => With(new PutRecordRequest("k", new byte[] { 1 }) { ExplicitHashKey = new string('9', n) }, r => w.Clicks.PutRecordAsync(r).AsTask().GetAwaiter().GetResult()), InvalidArgumentException),
        new("RedrivePolicy attribute nested n deep", 1_000, 10, (w, n) => With(new Dictionary<string, string> { [QueueAttributeNames.RedrivePolicy] = Repeat("[", n) + new string(']', n) }, a => w.Jobs.SetAttributes(a)), InvalidParameterValue),
        new("message structure nested n deep", 1_000, 10, (w, n) => With(new Topics.PublishRequest(Repeat("[", n) + new string(']', n)) { MessageStructure = "json" }, r => w.Events.PublishAsync(r).AsTask().GetAwaiter().GetResult()), InvalidParameter),
    ];

    [Fact]
    public void No_hostile_input_makes_a_call_allocate_superlinearly_in_its_size() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(Gen.Elements(Families)), family =>
        {
            using var world = HostileWorld.Create();
            var small = Measure(world, family, family.Small);
            var large = Measure(world, family, family.Small * family.Factor);
            Assert.True(
                large <= (2L * family.Factor * small) + FixedSlack,
                $"{family}: {small:N0} bytes, then {large:N0} bytes for {family.Factor}x the input");
        }), Families.Length * 2);

    /// <summary>
    /// Matching a MessageBody-scope policy whose conditions sit in the elements of several arrays of the event: a plain
    /// backtracking search tried every combination of elements (a 2.5 KB body took about a second, a 64 KB one would have
    /// taken hours, on the publisher's thread). <c>ArrayConsistencySearch</c> remembers failed sub-searches and indexes
    /// candidates by array element, so this is linear in the body. The hang guard (not a timing assertion) stands in for
    /// "does not hang"; the old search allocated nothing, so the allocation proxy could not see this one.
    /// </summary>
    [Fact]
    public void Matching_a_body_whose_array_elements_each_match_half_a_policy_does_not_hang() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(Gen.Elements(2_000, 4_000)), n =>
        {
            var policy = FilterPolicy.Parse("""{"x":{"p":{"v":[1]},"q":{"v":[1]},"z":{"a":[1],"b":[1]}}}""", FilterPolicyScope.MessageBody);
            var items = string.Join(',', Enumerable.Repeat("{\"v\":1}", n));
            var halves = string.Join(',', Enumerable.Repeat("{\"a\":1}", n).Concat(Enumerable.Repeat("{\"b\":1}", n)));
            var body = Encoding.UTF8.GetBytes($"{{\"x\":{{\"p\":[{items}],\"q\":[{items}],\"z\":[{halves}]}}}}");
            var matched = Task.Run(() => policy.Matches(body)).WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            Assert.False(matched);
        }), 2);

    private static long Measure(HostileWorld world, Family family, int size)
    {
        var call = family.Call(world, size);

        // Warm up once (JIT, pools, lazily built tables), so the measured run counts only the call's own work.
        Answer(family, size, call);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Answer(family, size, call);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static void Answer(Family family, int size, Action call)
    {
        try
        {
            call();
            Assert.True(family.Code is null, $"{family.Name} at {size}: accepted, but it must fail with {family.Code}");
        }
        catch (BrokerException error) when (family.Code is not null)
        {
            Assert.True(error.ErrorCode == family.Code, $"{family.Name} at {size}: {error.ErrorCode} ({error.Message}), but it must fail with {family.Code}");
        }
        catch (BrokerException error) when (family.Code is null && error.ErrorCode is QueueAlreadyExists)
        {
            // The same valid name created twice with the same settings is idempotent; only another code is wrong.
        }
    }

    private static Action Parse(string json, FilterDialect dialect) => () => FilterPolicy.Parse(json, FilterPolicyScope.MessageBody, dialect);

    private static Action SendBody(HostileWorld world, string body)
    {
        var request = new SendMessageRequest(body);
        return () => world.Jobs.SendAsync(request).AsTask().GetAwaiter().GetResult();
    }

    private static Action Matching(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var policy = FilterPolicy.Parse("""{"a":[{"numeric":[">",5]}],"b":[{"exists":false}]}""", FilterPolicyScope.MessageBody);
        return () => policy.Matches(bytes);
    }

    private static Action Send(HostileWorld world, Dictionary<string, MessageAttributeValue> attributes) =>
        With(new SendMessageRequest("b") { MessageAttributes = attributes }, request => world.Jobs.SendAsync(request).AsTask().GetAwaiter().GetResult());

    /// <summary>The input is built here, outside the measured call.</summary>
    private static Action With<T>(T input, Action<T> call) => () => call(input);

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    private static string OrFanOut(int levels)
    {
        var text = new StringBuilder();
        for (var i = 0; i < levels; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{{\"$or\":[{{\"l{i}a\":[1]}},{{\"l{i}b\":[2]}}],\"n{i}\":");
        }

        text.Append("[1]").Append('}', levels);
        return text.ToString();
    }
}
