using Broker.Queues;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace Broker.PropertyTests.Models;

/// <summary>
/// Random sequences of send, receive, delete, change-visibility and clock advances against a FIFO queue, checked after
/// every step against a small reference model: order within groups, the group lock, deduplication, exact counters,
/// and (with a dead-letter queue) exactly one move past maxReceiveCount.
/// </summary>
public sealed partial class FifoQueueModelProperties
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);

    private static Gen<Op> Operation(int groups) => Gen.Frequency(
        (5, Gen.Choose(0, groups - 1).SelectMany(g => Gen.Choose(0, 7), (g, d) => (Op)new Send(g, d))),
        (4, Gen.Choose(1, 10).SelectMany(max => Gen.Elements(0, 5, 30), (max, vt) => (Op)new Receive(max, vt))),
        (3, Gen.Choose(0, 1000).Select(pick => (Op)new Delete(pick))),
        (1, Gen.Choose(0, 1000).SelectMany(pick => Gen.Elements(0, 10, 60), (pick, s) => (Op)new ChangeVisibility(pick, s))),
        (2, Gen.Elements(1, 5, 29, 30, 31, 120, 301).Select(s => (Op)new Advance(s))),
        (1, Gen.Constant((Op)new Purge())));

    [Fact]
    public void Several_groups_behave_as_the_model_says() =>
        PropertyRun.Check(
            Prop.ForAll(Scripts.Of(Operation(3)), script =>
            {
                using var harness = new Harness(deadLetterAfter: null);
                return harness.Run(script.Ops);
            }),
            cases: 500);

    [Fact]
    public void One_group_with_a_dead_letter_queue_behaves_as_the_model_says() =>
        PropertyRun.Check(
            Prop.ForAll(Scripts.Of(Operation(1)), script =>
            {
                using var harness = new Harness(deadLetterAfter: 2);
                return harness.Run(script.Ops);
            }),
            cases: 500);

    [Fact]
    public void Several_groups_with_a_dead_letter_queue_behave_as_the_model_says() =>
        PropertyRun.Check(
            Prop.ForAll(Scripts.Of(Gen.Choose(1, 3), Operation(3)), run =>
            {
                using var harness = new Harness(deadLetterAfter: run.Setting);
                return harness.Run(run.Script.Ops);
            }),
            cases: 1500);

    private abstract record Op;

    private sealed record Send(int Group, int DeduplicationId) : Op
    {
        public override string ToString() => $"Send(g{Group}, d{DeduplicationId})";
    }

    private sealed record Receive(int Max, int VisibilitySeconds) : Op
    {
        public override string ToString() => $"Receive(max: {Max}, visibility: {VisibilitySeconds}s)";
    }

    private sealed record Delete(int Pick) : Op
    {
        public override string ToString() => $"Delete(handle pick {Pick})";
    }

    private sealed record ChangeVisibility(int Pick, int Seconds) : Op
    {
        public override string ToString() => $"ChangeVisibility(handle pick {Pick}, {Seconds}s)";
    }

    /// <summary>Purge the queue: every message goes, and so does the deduplication history (SQS).</summary>
    private sealed record Purge : Op
    {
        public override string ToString() => "Purge";
    }

    private sealed record Advance(int Seconds) : Op
    {
        public override string ToString() => $"Advance({Seconds}s)";
    }

    private sealed class ModelMessage(string body, int group, string messageId)
    {
        public string Body { get; } = body;

        public int Group { get; } = group;

        public string MessageId { get; } = messageId;

        public int ReceiveCount { get; set; }

        public DateTimeOffset VisibleAt { get; set; }

        public bool Gone { get; set; }
    }

    private sealed partial class Harness : IDisposable
    {
        private readonly FakeTimeProvider time = new();
        private readonly MessageBroker broker;
        private readonly IMessageQueue queue;
        private readonly IMessageQueue? deadLetters;
        private readonly int? deadLetterAfter;
        private readonly List<ModelMessage>[] groups = [[], [], []];
        private readonly List<ModelMessage> movedToDeadLetters = [];
        private readonly Dictionary<string, (DateTimeOffset Until, string MessageId)> deduplication = [];
        private readonly List<(ReceivedMessage Received, ModelMessage Model, int Count)> held = [];
        private int sent;

        public Harness(int? deadLetterAfter)
        {
            this.deadLetterAfter = deadLetterAfter;
            broker = new MessageBroker(new BrokerOptions { PurgeCooldown = TimeSpan.Zero, QueueDeletionCooldown = TimeSpan.Zero }, time);
            if (deadLetterAfter is { } max)
            {
                deadLetters = broker.CreateQueue("dlq.fifo", new QueueOptions { FifoQueue = true });
                queue = broker.CreateQueue("q.fifo", new QueueOptions { FifoQueue = true, VisibilityTimeout = Visibility, RedrivePolicy = new RedrivePolicy("dlq.fifo", max) });
            }
            else
            {
                queue = broker.CreateQueue("q.fifo", new QueueOptions { FifoQueue = true, VisibilityTimeout = Visibility });
            }
        }

        private DateTimeOffset Now => time.GetUtcNow();

        public bool Run(IReadOnlyList<Op> ops)
        {
            foreach (var op in ops)
            {
                Step(op);
                CheckCounters(op);
            }

            return true;
        }

        public void Dispose() => broker.Dispose();

        private void Step(Op op)
        {
            switch (op)
            {
                case Send send:
                    DoSend(send);
                    break;
                case Receive receive:
                    DoReceive(receive);
                    break;
                case Delete delete when held.Count > 0:
                    DoDelete(held[delete.Pick % held.Count]);
                    break;
                case ChangeVisibility change when held.Count > 0:
                    DoChangeVisibility(held[change.Pick % held.Count], change.Seconds);
                    break;
                case Advance advance:
                    time.Advance(TimeSpan.FromSeconds(advance.Seconds));
                    break;
                case Purge:
                    Sync(queue.PurgeAsync());
                    foreach (var message in groups.SelectMany(g => g))
                    {
                        message.Gone = true;
                    }

                    Array.ForEach(groups, g => g.Clear());
                    deduplication.Clear();
                    break;
            }
        }

        private void DoSend(Send send)
        {
            var deduplicationId = $"d{send.DeduplicationId}";
            var body = $"m{sent++}";
            var result = Sync(queue.SendAsync(new SendMessageRequest(body) { MessageGroupId = $"g{send.Group}", MessageDeduplicationId = deduplicationId }));
            if (deduplication.TryGetValue(deduplicationId, out var seen) && seen.Until > Now)
            {
                Expect(result.MessageId == seen.MessageId, $"a duplicate of {deduplicationId} answers with the original message id");
                return;
            }

            deduplication[deduplicationId] = (Now + TimeSpan.FromMinutes(5), result.MessageId);
            groups[send.Group].Add(new ModelMessage(body, send.Group, result.MessageId));
        }

        private bool Locked(int group) => groups[group].Any(m => m.ReceiveCount > 0 && m.VisibleAt > Now);

        private void DoReceive(Receive receive)
        {
            var got = Sync(queue.ReceiveAsync(new ReceiveRequest
            {
                MaxNumberOfMessages = receive.Max,
                VisibilityTimeout = TimeSpan.FromSeconds(receive.VisibilitySeconds),
                WaitTime = TimeSpan.Zero,
            }));
            Expect(got.Count <= receive.Max, "no more than MaxNumberOfMessages");
            var drained = DrainDeadLetters();

            // Segments: each group's messages come contiguously, and are a prefix of what the group has to offer.
            var seenGroups = new HashSet<int>();
            var index = 0;
            var previousGroup = -1;
            foreach (var received in got)
            {
                var group = groups.Select((list, g) => (list, g)).Single(x => x.list.Any(m => m.Body == received.GetBodyAsString())).g;
                Expect(group == previousGroup || seenGroups.Add(group), "a group's messages come contiguously");
                previousGroup = group;
                index++;
            }

            foreach (var group in got.Select(r => Find(r).Group).Distinct())
            {
                Expect(!Locked(group), $"nothing from group g{group} while one of its messages is in flight");
                var mine = got.Where(r => Find(r).Group == group).Select(r => r.GetBodyAsString()).ToList();
                var offered = Offered(group, out var moved);
                Expect(offered.Take(mine.Count).Select(m => m.Body).SequenceEqual(mine), $"group g{group} delivers in send order");
                Move(moved);
            }

            if (got.Count < receive.Max)
            {
                // Room was left: every unlocked group with something to offer was emptied into this receive.
                foreach (var group in Enumerable.Range(0, groups.Length).Where(g => !Locked(g) && !got.Any(r => Find(r).Group == g)))
                {
                    var offered = Offered(group, out var moved);
                    Move(moved);
                    Expect(offered.Count == 0, $"group g{group} had messages to offer and was skipped");
                }
            }
            else
            {
                // Full: the receive may have stopped before or while it dead-lettered the head of a group it did not
                // deliver from. What reached the dead-letter queue says how far it got, and must be such a prefix.
                foreach (var group in Enumerable.Range(0, groups.Length).Where(g => !Locked(g) && !got.Any(r => Find(r).Group == g)))
                {
                    Offered(group, out var moved);
                    var arrived = drained.Where(r => r.Attributes.GetValueOrDefault("MessageGroupId") == $"g{group}").Select(r => r.GetBodyAsString()).ToList();
                    Expect(moved.Take(arrived.Count).Select(m => m.Body).SequenceEqual(arrived), $"g{group}: {string.Join(", ", arrived)} reached the DLQ, the head of the group was {string.Join(", ", moved.Select(m => m.Body))}");
                    Move(moved.Take(arrived.Count).ToList());
                }
            }

            CheckDeadLetters(drained, receive);

            foreach (var received in got)
            {
                var model = Find(received);
                model.ReceiveCount++;
                model.VisibleAt = Now + TimeSpan.FromSeconds(receive.VisibilitySeconds);
                Expect(received.ApproximateReceiveCount == model.ReceiveCount, "receive counts go up by one per receive");
                held.Add((received, model, model.ReceiveCount));
            }
        }

        /// <summary>The group's messages in order, after those the receive moves to the dead-letter queue from its head.</summary>
        private List<ModelMessage> Offered(int group, out List<ModelMessage> moved)
        {
            moved = [];
            var offered = groups[group].Where(m => !m.Gone).ToList();
            while (deadLetterAfter is { } max && offered.Count > 0 && offered[0].ReceiveCount >= max)
            {
                moved.Add(offered[0]);
                offered.RemoveAt(0);
            }

            return offered;
        }

        private void Move(List<ModelMessage> moved)
        {
            foreach (var message in moved)
            {
                message.Gone = true;
                groups[message.Group].Remove(message);
                movedToDeadLetters.Add(message);
            }
        }

        private ModelMessage Find(ReceivedMessage received) =>
            groups.SelectMany(g => g).Single(m => m.Body == received.GetBodyAsString());

        private void DoDelete((ReceivedMessage Received, ModelMessage Model, int Count) receipt)
        {
            var (received, model, count) = receipt;
            var current = !model.Gone && model.ReceiveCount == count;
            if (current && model.VisibleAt <= Now)
            {
                // FIFO: a handle whose visibility ran out is refused, and nothing changes.
                var error = Assert.Throws<BrokerException>(() => Sync(queue.DeleteAsync(received.ReceiptHandle)));
                Expect(error.ErrorCode == BrokerErrorCodes.InvalidParameterValue && error.Message.Contains("expired", StringComparison.Ordinal), "expired FIFO handle");
                return;
            }

            Sync(queue.DeleteAsync(received.ReceiptHandle));
            if (current)
            {
                model.Gone = true;
                groups[model.Group].Remove(model);
            }
        }

        private void DoChangeVisibility((ReceivedMessage Received, ModelMessage Model, int Count) receipt, int seconds)
        {
            var (received, model, count) = receipt;
            var current = !model.Gone && model.ReceiveCount == count;
            if (!current)
            {
                var error = Assert.Throws<BrokerException>(() => Sync(queue.ChangeVisibilityAsync(received.ReceiptHandle, TimeSpan.FromSeconds(seconds))));
                Expect(error.ErrorCode == BrokerErrorCodes.InvalidParameterValue, "visibility change of a gone or re-received message");
                return;
            }

            Sync(queue.ChangeVisibilityAsync(received.ReceiptHandle, TimeSpan.FromSeconds(seconds)));
            if (model.VisibleAt > Now)
            {
                model.VisibleAt = Now + TimeSpan.FromSeconds(seconds);
            }
        }

        private void CheckCounters(Op after)
        {
            var live = groups.SelectMany(g => g).Where(m => !m.Gone).ToList();
            var inFlight = live.Count(m => m.ReceiveCount > 0 && m.VisibleAt > Now);
            var attributes = queue.GetAttributes();
            Expect(attributes.ApproximateNumberOfMessagesNotVisible == inFlight, $"in-flight count after {after}");
            Expect(attributes.ApproximateNumberOfMessages == live.Count - inFlight, $"visible count after {after}");
            if (deadLetters is not null)
            {
                var dlq = deadLetters.GetAttributes();
                Expect(dlq.ApproximateNumberOfMessages + dlq.ApproximateNumberOfMessagesNotVisible == 0, $"only a receive moves messages to the dead-letter queue, after {after}");
            }
        }

        private static void Expect(bool condition, string what)
        {
            if (!condition)
            {
                throw new InvalidOperationException($"Model and engine disagree: {what}.");
            }
        }

        private static T Sync<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

        private static void Sync(ValueTask task)
        {
            if (!task.IsCompletedSuccessfully)
            {
                task.AsTask().GetAwaiter().GetResult();
            }
        }
    }
}
