using Broker.Queues;
using FsCheck;
using FsCheck.Fluent;
using static Broker.BrokerErrorCodes;

namespace Broker.PropertyTests.Hostile;

/// <summary>Hostile bodies, message attributes, ids and numbers at SendAsync/SendBatchAsync/ReceiveAsync (see <see cref="HostileInventory"/>).</summary>
public sealed class QueueMessageHostileTests
{
    private const int Cases = 100;

    [Fact]
    public void A_text_body_is_accepted_only_when_every_character_is_one_SQS_allows() =>
        PropertyRun.Check(Prop.ForAll(HostileText.Arbitrary(), body =>
        {
            using var world = HostileWorld.Create();
            var verdict = body.Value.Length == 0 ? Verdict.Fails(MissingParameter)
                : !body.IsAllowedMessageText ? Verdict.Fails(InvalidMessageContents)
                : Verdict.MaySucceedOr();
            Expect.Outcome(world, $"SendAsync(body {body})", verdict, async () => await world.Jobs.SendAsync(new SendMessageRequest(body.Value)));
            Expect.Outcome(world, $"SendBatchAsync(body {body})", verdict, async () =>
            {
                var result = await world.Orders.SendBatchAsync([new SendMessageBatchEntry("only", body.Value) { MessageGroupId = "g3" }]);
                if (result.Failed.Count > 0)
                {
                    throw new BrokerException(result.Failed[0].Code, result.Failed[0].Message ?? "");
                }
            });
        }), Cases);

    [Fact]
    public void A_byte_body_is_accepted_only_when_it_is_well_formed_UTF8_of_allowed_characters() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostileGen.Utf8Bytes), bytes =>
        {
            using var world = HostileWorld.Create();
            var text = System.Text.Encoding.UTF8.GetString(bytes);
            var wellFormed = System.Text.Unicode.Utf8.IsValid(bytes);
            var verdict = bytes.Length == 0 ? Verdict.Fails(MissingParameter)
                : !wellFormed || !HostileText.IsAllowedText(text) ? Verdict.Fails(InvalidMessageContents)
                : Verdict.MaySucceedOr();
            Expect.Outcome(world, $"SendAsync(bytes {Convert.ToHexString(bytes)})", verdict, async () => await world.Jobs.SendAsync(new SendMessageRequest(bytes)));
        }), Cases);

    [Fact]
    public void Bodies_at_and_over_the_size_limit_are_accepted_and_refused_by_the_byte() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(Gen.Elements(-1, 0, 1, 2, 4096, 1_048_576)), over =>
        {
            using var world = HostileWorld.Create();
            const int Limit = 1_048_576;
            var body = new byte[Limit + over];
            body.AsSpan().Fill((byte)'x');
            var verdict = over > 0 ? Verdict.Fails(InvalidParameterValue) : Verdict.MaySucceedOr();
            Expect.Outcome(world, $"SendAsync({body.Length} bytes)", verdict, async () => await world.Jobs.SendAsync(new SendMessageRequest(body)));
        }), 12);

    [Fact]
    public void Message_attributes_are_accepted_only_when_names_types_and_values_follow_SQS_rules() =>
        PropertyRun.Check(Prop.ForAll(HostileAttributes.Arbitrary(), attributes =>
        {
            using var world = HostileWorld.Create();
            Expect.Outcome(world, $"SendAsync(attributes {attributes})", attributes.Verdict, async () =>
                await world.Jobs.SendAsync(new SendMessageRequest("body") { MessageAttributes = attributes.ToDictionary() }));

            // SNS's attribute rules are its own (String.Array, other limits): it may accept what SQS refuses, but it must
            // answer with an SNS code and leave nothing behind when it refuses.
            Expect.Outcome(world, $"PublishAsync(attributes {attributes})", Verdict.MaySucceedOr(ParameterValueInvalid, InvalidParameter), async () =>
                await world.Events.PublishAsync(new Topics.PublishRequest("body") { MessageAttributes = attributes.ToDictionary() }));
        }), Cases);

    [Fact]
    public void Group_and_deduplication_ids_are_accepted_only_as_1_to_128_ASCII_letters_digits_and_punctuation() =>
        PropertyRun.Check(Prop.ForAll(HostileText.Arbitrary(), id =>
        {
            using var world = HostileWorld.Create();
            var verdict = id.IsValidGroupId ? Verdict.MaySucceedOr() : Verdict.Fails(InvalidParameterValue);
            Expect.Outcome(world, $"SendAsync(group {id})", verdict, async () =>
                await world.Orders.SendAsync(new SendMessageRequest("body") { MessageGroupId = id.Value }));
            Expect.Outcome(world, $"SendAsync(deduplication {id})", verdict, async () =>
                await world.Orders.SendAsync(new SendMessageRequest("body") { MessageGroupId = "g1", MessageDeduplicationId = id.Value }));
            Expect.Outcome(world, $"ReceiveAsync(attempt {id})", verdict, async () =>
                await world.Orders.ReceiveAsync(new ReceiveRequest { ReceiveRequestAttemptId = id.Value }));
        }), Cases);

    [Fact]
    public void Send_delays_outside_0_to_900_seconds_are_refused_and_FIFO_takes_none() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostileGen.Int), delay =>
        {
            using var world = HostileWorld.Create();
            Expect.Outcome(world, $"SendAsync(DelaySeconds {delay})", delay is >= 0 and <= 900 ? Verdict.MaySucceedOr() : Verdict.Fails(InvalidParameterValue),
                async () => await world.Jobs.SendAsync(new SendMessageRequest("body") { DelaySeconds = delay }));
            Expect.Outcome(world, $"FIFO SendAsync(DelaySeconds {delay})", delay == 0 ? Verdict.MaySucceedOr() : Verdict.Fails(InvalidParameterValue),
                async () => await world.Orders.SendAsync(new SendMessageRequest("body") { DelaySeconds = delay, MessageGroupId = "g9" }));
        }), Cases);

    [Fact]
    public void Receive_settings_out_of_range_are_refused_with_InvalidParameterValue() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostileReceive.Generator), request =>
        {
            using var world = HostileWorld.Create();

            // The seeded queue has visible messages, so a valid long poll returns at once instead of waiting on the fake clock.
            Expect.Outcome(world, $"ReceiveAsync({request})", request.Verdict, async () => await world.Jobs.ReceiveAsync(request.ToRequest()));
        }), Cases);

    [Fact]
    public void Batches_that_are_empty_too_large_or_have_bad_or_repeated_ids_are_refused_whole() =>
        PropertyRun.Check(Prop.ForAll(HostileBatch.Arbitrary(), batch =>
        {
            using var world = HostileWorld.Create();
            var verdict = batch.ExpectedCodes.Length > 0 ? Verdict.FailsWithOneOf(batch.ExpectedCodes) : Verdict.MaySucceedOr();
            Expect.Outcome(world, $"SendBatchAsync({batch})", verdict, async () =>
                await world.Jobs.SendBatchAsync([.. batch.Ids.Select(id => new SendMessageBatchEntry(id, "body"))]));
            Expect.Outcome(world, $"DeleteBatchAsync({batch})", verdict, async () =>
                await world.Jobs.DeleteBatchAsync([.. batch.Ids.Select(id => new DeleteMessageBatchEntry(id, world.JobReceipts[0]))]));
            Expect.Outcome(world, $"ChangeVisibilityBatchAsync({batch})", verdict, async () =>
                await world.Jobs.ChangeVisibilityBatchAsync([.. batch.Ids.Select(id => new ChangeVisibilityBatchEntry(id, world.JobReceipts[1], TimeSpan.FromSeconds(5)))]));
            Expect.Outcome(world, $"PublishBatchAsync({batch})", SnsVerdict(batch), async () =>
                await world.Events.PublishBatchAsync([.. batch.Ids.Select(id => new Topics.PublishBatchEntry(id, "body"))]));
        }), Cases);

    /// <summary>SNS checks a batch's ids and size in its own order, so a bad batch may fail with any batch code.</summary>
    private static Verdict SnsVerdict(HostileBatch batch) =>
        batch.ExpectedCodes.Length == 0
            ? Verdict.MaySucceedOr()
            : Verdict.FailsWithOneOf(EmptyBatchRequest, TooManyEntriesInBatchRequest, InvalidBatchEntryId, BatchEntryIdsNotDistinct);

    [Fact]
    public void Calls_with_an_already_cancelled_token_either_complete_or_cancel_without_a_trace() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(Gen.Choose(0, 5)), which =>
        {
            using var world = HostileWorld.Create();
            var cancelled = new CancellationToken(canceled: true);
            var verdict = new Verdict(false, [], Cancelled: true);
            Func<ValueTask> call = which switch
            {
                0 => async () => await world.Jobs.SendAsync(new SendMessageRequest("body"), cancelled),
                1 => async () => await world.Jobs.ReceiveAsync(new ReceiveRequest { WaitTime = TimeSpan.FromSeconds(20) }, cancelled),
                2 => async () => await world.Jobs.DeleteAsync(world.JobReceipts[0], cancelled),
                3 => async () => await world.Events.PublishAsync(new Topics.PublishRequest("body"), cancelled),
                4 => async () => await world.Clicks.PutRecordAsync(new Streams.PutRecordRequest("k", new byte[] { 1 }), cancelled),
                _ => async () => await world.Clicks.GetRecordsAsync(world.ClickIterators[0], 10, cancelled),
            };
            Expect.Outcome(world, $"call {which} with a cancelled token", verdict, call);
        }), 30);
}
