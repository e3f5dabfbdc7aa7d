using Broker.Queues;
using FsCheck;
using FsCheck.Fluent;
using static Broker.BrokerErrorCodes;

namespace Broker.PropertyTests.Hostile;

/// <summary>Hostile receipt handles, queue names, queue attributes and options, list and move-task arguments (see <see cref="HostileInventory"/>).</summary>
public sealed class QueueControlHostileTests
{
    private const int Cases = 100;

    [Fact]
    public void Forged_receipt_handles_are_refused_with_ReceiptHandleIsInvalid_and_change_nothing() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostileGen.Recipes), forgery =>
        {
            using var world = HostileWorld.Create();
            var genuine = world.JobReceipts[forgery.Which];

            // The expired kind has no meaning for receipts; a receipt from the FIFO queue stands in as another foreign one.
            var (token, stillGenuine) = HostileGen.Forge(forgery, genuine, world.ForeignReceipt, world.GhostReceipt, world.OrderReceipt);
            var verdict = stillGenuine ? Verdict.MaySucceedOr() : Verdict.Fails(ReceiptHandleIsInvalid);
            var shown = $"{forgery.Kind} \"{HostileText.Escape(token)}\"";
            Expect.Outcome(world, $"ChangeVisibilityAsync({shown})", verdict, async () => await world.Jobs.ChangeVisibilityAsync(token, TimeSpan.FromSeconds(7)));
            Expect.Outcome(world, $"DeleteAsync({shown})", verdict, async () => await world.Jobs.DeleteAsync(token));
            Expect.Outcome(world, $"FIFO DeleteAsync({shown})", token == world.OrderReceipt ? Verdict.MaySucceedOr() : Verdict.Fails(ReceiptHandleIsInvalid),
                async () => await world.Orders.DeleteAsync(token));
            if (forgery.Kind == HostileGen.Forgery.FromDeletedAndRecreated)
            {
                // The handle names slot 0 of a queue called "ghost"; the queue of that name now is a new one with a message in flight in slot 0.
                Expect.Outcome(world, $"ghost DeleteAsync({shown})", Verdict.Fails(ReceiptHandleIsInvalid), async () => await world.Broker.GetQueue("ghost").DeleteAsync(token));
            }

            Expect.Outcome(world, $"DeleteBatchAsync({shown})", verdict, async () =>
            {
                var result = await world.Jobs.DeleteBatchAsync([new DeleteMessageBatchEntry("e", token)]);
                ThrowFirstFailure(result.Failed);
            });
        }), Cases);

    [Fact]
    public void Visibility_timeouts_outside_0_to_12_hours_are_refused_with_InvalidParameterValue() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostileGen.Duration), timeout =>
        {
            using var world = HostileWorld.Create();
            // SQS takes whole seconds: a fraction in range may be refused too (InvalidParameterValue) but whole seconds may not.
            var verdict = timeout < TimeSpan.Zero || timeout > TimeSpan.FromHours(12) ? Verdict.Fails(InvalidParameterValue)
                : timeout.Ticks % TimeSpan.TicksPerSecond != 0 ? Verdict.MaySucceedOr(InvalidParameterValue)
                : Verdict.MaySucceedOr();
            Expect.Outcome(world, $"ChangeVisibilityAsync({timeout})", verdict, async () => await world.Jobs.ChangeVisibilityAsync(world.JobReceipts[0], timeout));
            Expect.Outcome(world, $"ChangeVisibilityBatchAsync({timeout})", verdict, async () =>
                ThrowFirstFailure((await world.Jobs.ChangeVisibilityBatchAsync([new ChangeVisibilityBatchEntry("e", world.JobReceipts[1], timeout)])).Failed));
        }), 60);

    [Fact]
    public void Queue_names_are_created_when_valid_and_refused_with_InvalidParameterValue_otherwise() =>
        PropertyRun.Check(Prop.ForAll(HostileText.Arbitrary(), name =>
        {
            using var world = HostileWorld.Create();
            foreach (var fifo in new[] { false, true })
            {
                var verdict = name.IsValidQueueName(fifo) ? Verdict.MaySucceedOr(QueueAlreadyExists) : Verdict.Fails(InvalidParameterValue);
                Expect.Outcome(world, $"CreateQueue({name}, fifo: {fifo})", verdict, () => world.Broker.CreateQueue(name.Value, new QueueOptions { FifoQueue = fifo }));
            }

            var exists = world.Broker.TryGetQueue(name.Value, out _);
            var missing = exists ? Verdict.MaySucceedOr() : Verdict.Fails(QueueDoesNotExist);
            Expect.Outcome(world, $"GetQueue({name})", missing, () => world.Broker.GetQueue(name.Value));
            Expect.Outcome(world, $"ListDeadLetterSourceQueues({name})", missing, () => world.Broker.ListDeadLetterSourceQueues(name.Value));
            Expect.Outcome(world, $"ListQueues(prefix {name})", Verdict.MaySucceedOr(), () => world.Broker.ListQueues(new ListQueuesRequest { QueueNamePrefix = name.Value }));
            Expect.Outcome(world, $"DeleteQueue({name})", missing, () => world.Broker.DeleteQueue(name.Value));
        }), Cases);

    [Fact]
    public void Queue_attributes_by_SQS_name_are_refused_with_InvalidAttributeName_or_InvalidAttributeValue_when_wrong() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostileQueueAttributes.Generator), attributes =>
        {
            using var world = HostileWorld.Create();
            var verdict = attributes.Verdict;
            Expect.Outcome(world, $"SetAttributes({attributes})", verdict, () => world.Jobs.SetAttributes(attributes.Map));
            Expect.Outcome(world, $"CreateQueue(fresh, {attributes})", verdict, () => world.Broker.CreateQueue("fresh", attributes.Map));
            Expect.Outcome(world, $"GetAttributes({attributes} names)", Verdict.MaySucceedOr(InvalidAttributeName), () => world.Jobs.GetAttributes(attributes.Map.Keys));
        }), Cases);

    [Fact]
    public void Queue_options_out_of_range_are_refused_with_InvalidAttributeValue() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostileQueueOptions.Generator), options =>
        {
            using var world = HostileWorld.Create();
            Expect.Outcome(world, $"CreateQueue(fresh, {options})", options.Verdict, () => world.Broker.CreateQueue("fresh", options.Options));
            Expect.Outcome(world, $"SetAttributes({options})", options.Verdict with { Allowed = [.. options.Verdict.Allowed, InvalidAttributeName] },
                () => world.Jobs.SetAttributes(options.Options));
        }), Cases);

    [Fact]
    public void Listing_and_move_task_arguments_that_are_forged_or_out_of_range_are_refused_with_AWS_codes() =>
        PropertyRun.Check(Prop.ForAll(Arb.From(HostileGen.Int.SelectMany(n => HostileText.Arbitrary().Generator.Select(text => (n, text)))), input =>
        {
            using var world = HostileWorld.Create();
            var (number, text) = input;
            var maxVerdict = number is < 1 or > 1000 ? Verdict.Fails(InvalidParameterValue) : Verdict.MaySucceedOr();
            Expect.Outcome(world, $"ListQueues(MaxResults {number})", maxVerdict, () => world.Broker.ListQueues(new ListQueuesRequest { MaxResults = number }));
            Expect.Outcome(world, $"ListQueues(NextToken {text})", text.Value.Length == 0 ? Verdict.MaySucceedOr(InvalidParameterValue) : Verdict.Fails(InvalidParameterValue),
                () => world.Broker.ListQueues(new ListQueuesRequest { NextToken = text.Value }));
            Expect.Outcome(world, $"ListDeadLetterSourceQueues(jobs-dlq, {number}, {text})", Verdict.MaySucceedOr(InvalidParameterValue),
                () => world.Broker.ListDeadLetterSourceQueues("jobs-dlq", number, text.Value));
            Expect.Outcome(world, $"CancelMessageMoveTask({text})", Verdict.FailsWithOneOf(InvalidParameterValue, ResourceNotFoundException),
                () => world.Broker.CancelMessageMoveTask(text.Value));
            Expect.Outcome(world, $"ListMessageMoveTasks({text}, {number})", Verdict.FailsWithOneOf(InvalidParameterValue, ResourceNotFoundException),
                () => world.Broker.ListMessageMoveTasks(text.Value, number));
            Expect.Outcome(world, $"StartMessageMoveTask({text}, {number}/s)", Verdict.FailsWithOneOf(InvalidParameterValue, ResourceNotFoundException),
                () => world.Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = text.Value, MaxNumberOfMessagesPerSecond = number }));
            var rateVerdict = number is < 1 or > 500 ? Verdict.Fails(InvalidParameterValue) : Verdict.MaySucceedOr(ResourceNotFoundException);
            Expect.Outcome(world, $"StartMessageMoveTask(jobs-dlq → {text}, {number}/s)", rateVerdict,
                () => world.Broker.StartMessageMoveTask(new StartMessageMoveTaskRequest { SourceArn = "jobs-dlq", DestinationArn = text.Value, MaxNumberOfMessagesPerSecond = number }));
        }), Cases);

    [Fact]
    public void Nulls_where_the_API_is_annotated_non_null_are_refused_with_ArgumentNullException_and_change_nothing()
    {
        using var world = HostileWorld.Create();
        var verdict = new Verdict(false, [], NullGiven: true) { MustFail = true };
        Expect.Outcome(world, "CreateQueue(null)", verdict, () => world.Broker.CreateQueue(null!));
        Expect.Outcome(world, "CreateQueue(q, null options)", verdict, () => world.Broker.CreateQueue("q", (QueueOptions)null!));
        Expect.Outcome(world, "CreateQueue(q, null attributes)", verdict, () => world.Broker.CreateQueue("q", (IReadOnlyDictionary<string, string>)null!));
        Expect.Outcome(world, "GetQueue(null)", verdict, () => world.Broker.GetQueue(null!));
        Expect.Outcome(world, "DeleteQueue(null)", verdict, () => world.Broker.DeleteQueue(null!));
        Expect.Outcome(world, "SendAsync(null)", verdict, async () => await world.Jobs.SendAsync((SendMessageRequest)null!));
        Expect.Outcome(world, "SendBatchAsync(null)", verdict, async () => await world.Jobs.SendBatchAsync(null!));
        Expect.Outcome(world, "DeleteAsync(null handle)", verdict with { Allowed = [ReceiptHandleIsInvalid] }, async () => await world.Jobs.DeleteAsync((string)null!));
        Expect.Outcome(world, "DeleteAsync(null message)", verdict, async () => await world.Jobs.DeleteAsync((ReceivedMessage)null!));
        Expect.Outcome(world, "ChangeVisibilityAsync(null handle)", verdict with { Allowed = [ReceiptHandleIsInvalid] }, async () => await world.Jobs.ChangeVisibilityAsync((string)null!, TimeSpan.Zero));
        Expect.Outcome(world, "DeleteBatchAsync(null)", verdict, async () => await world.Jobs.DeleteBatchAsync(null!));
        Expect.Outcome(world, "ChangeVisibilityBatchAsync(null)", verdict, async () => await world.Jobs.ChangeVisibilityBatchAsync(null!));
        Expect.Outcome(world, "SetAttributes(null options)", verdict, () => world.Jobs.SetAttributes((QueueOptions)null!));
        Expect.Outcome(world, "SetAttributes(null map)", verdict, () => world.Jobs.SetAttributes((IReadOnlyDictionary<string, string>)null!));
        Expect.Outcome(world, "GetAttributes(null)", verdict, () => world.Jobs.GetAttributes(null!));
        Expect.Outcome(world, "StartMessageMoveTask(null)", verdict, () => world.Broker.StartMessageMoveTask(null!));
        Expect.Outcome(world, "ListMessageMoveTasks(null)", verdict, () => world.Broker.ListMessageMoveTasks(null!));
        Expect.Outcome(world, "CancelMessageMoveTask(null)", verdict with { Allowed = [InvalidParameterValue] }, () => world.Broker.CancelMessageMoveTask(null!));
        Expect.Outcome(world, "new MessageBroker(null)", verdict, () => new MessageBroker(null!).Dispose());
        Expect.Outcome(world, "Subscribe(null queue)", verdict, () => world.Events.Subscribe((IMessageQueue)null!));
        Expect.Outcome(world, "Subscribe(null handler)", verdict, () => world.Events.Subscribe((Func<Topics.Notification, CancellationToken, ValueTask>)null!));
        Expect.Outcome(world, "PublishAsync(null)", verdict, async () => await world.Events.PublishAsync(null!));
        Expect.Outcome(world, "PublishBatchAsync(null)", verdict, async () => await world.Events.PublishBatchAsync(null!));
        Expect.Outcome(world, "SetAttribute(null, null)", verdict, () => world.FilteredSubscription.SetAttribute(null!, null!));
        Expect.Outcome(world, "FilterPolicy.Parse(null)", verdict, () => Filtering.FilterPolicy.Parse(null!));
        Expect.Outcome(world, "PutRecordAsync(null)", verdict, async () => await world.Clicks.PutRecordAsync(null!));
        Expect.Outcome(world, "PutRecordsAsync(null)", verdict, async () => await world.Clicks.PutRecordsAsync(null!));
        Expect.Outcome(world, "GetRecordsAsync(null)", verdict with { Allowed = [InvalidArgumentException] }, async () => await world.Clicks.GetRecordsAsync(null!));
        Expect.Outcome(world, "GetShardIterator(null)", verdict with { Allowed = [ResourceNotFoundException] }, () => world.Clicks.GetShardIterator(null!, Streams.ShardIteratorType.Latest));
        Expect.Outcome(world, "SplitShard(null, null)", verdict, () => world.Clicks.SplitShard(null!, null!));
        Expect.Outcome(world, "RegisterConsumer(null)", verdict, () => world.Clicks.RegisterConsumer(null!));
        Expect.Outcome(world, "DeleteStream(null)", verdict, () => world.Broker.DeleteStream(null!));
        Expect.Outcome(world, "DeleteTopic(null)", verdict, () => world.Broker.DeleteTopic(null!));
        Expect.Outcome(world, "SendAsync(null attribute value)", verdict with { Allowed = [InvalidParameterValue] }, async () =>
            await world.Jobs.SendAsync(new SendMessageRequest("b") { MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["a"] = null! } }));
    }

    internal static void ThrowFirstFailure(IReadOnlyList<BatchResultErrorEntry> failed)
    {
        if (failed.Count > 0)
        {
            throw new BrokerException(failed[0].Code, failed[0].Message);
        }
    }
}
