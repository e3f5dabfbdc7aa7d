using System.Globalization;
using Broker.Queues;
using Microsoft.Extensions.Time.Testing;
using static Broker.PropertyTests.Models.Model;

namespace Broker.PropertyTests.Models;

/// <summary>
/// The reference for a standard queue with a dead-letter queue: every message sent, with its state worked out from the
/// clock (delayed, visible, in flight) or fixed (deleted, expired, purged, dead-lettered), its receive count and message id,
/// and every receipt handle handed out. The dead-letter queue is drained after each receive, so the model knows exactly
/// which messages moved.
/// </summary>
internal sealed class StandardQueueModel : IDisposable
{
    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan PurgeCooldown = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider time = new();
    private readonly MessageBroker broker;
    private readonly IMessageQueue queue;
    private readonly IMessageQueue deadLetters;
    private readonly int maxReceiveCount;
    private readonly List<Message> messages = [];
    private readonly Dictionary<string, Message> byBody = new(StringComparer.Ordinal);
    private readonly List<Handle> handles = [];
    private TimeSpan queueDelay = TimeSpan.Zero;
    private TimeSpan visibilityTimeout = TimeSpan.FromSeconds(30);
    private DateTimeOffset? lastPurge;
    private int step;

    public StandardQueueModel(int maxReceiveCount)
    {
        this.maxReceiveCount = maxReceiveCount;
        broker = new MessageBroker(new BrokerOptions(), time);
        deadLetters = broker.CreateQueue("dlq");
        queue = broker.CreateQueue("q", new QueueOptions
        {
            VisibilityTimeout = visibilityTimeout,
            MessageRetentionPeriod = Retention,
            RedrivePolicy = new RedrivePolicy("dlq", maxReceiveCount),
        });
    }

    private enum Fate
    {
        Live,
        Deleted,
        Expired,
        Purged,
        DeadLettered,
    }

    private DateTimeOffset Now => time.GetUtcNow();

    public void Run(IReadOnlyList<QueueOp> ops)
    {
        foreach (var op in ops)
        {
            step++;
            Step(op);
            Expire();
            CheckCounts(op);
        }
    }

    public void Dispose() => broker.Dispose();

    private void Step(QueueOp op)
    {
        switch (op)
        {
            case Send send:
                DoSend(send.Delay);
                break;
            case SendBatch batch:
                DoSendBatch(batch.Delays);
                break;
            case Receive receive:
                DoReceive(receive);
                break;
            case Delete delete when handles.Count > 0:
                DoDelete(handles[delete.Pick % handles.Count]);
                break;
            case DeleteBatch batch when handles.Count > 0:
                DoDeleteBatch([.. batch.Picks.Select(p => handles[p % handles.Count])]);
                break;
            case ChangeVisibility change when handles.Count > 0:
                DoChangeVisibility(handles[change.Pick % handles.Count], change.Seconds);
                break;
            case Purge:
                DoPurge();
                break;
            case SetDelay set:
                queueDelay = TimeSpan.FromSeconds(set.Seconds);
                queue.SetAttributes(queue.GetAttributes().Options with { Delay = queueDelay });
                break;
            case SetVisibility set:
                visibilityTimeout = TimeSpan.FromSeconds(set.Seconds);
                queue.SetAttributes(queue.GetAttributes().Options with { VisibilityTimeout = visibilityTimeout });
                break;
            case Advance advance:
                time.Advance(TimeSpan.FromSeconds(advance.Seconds));
                Expire();
                break;
        }
    }

    /// <summary>Retention counts from the send, whatever the state: delayed and in-flight messages expire too.</summary>
    private void Expire()
    {
        foreach (var message in messages.Where(m => m.Fate == Fate.Live && Now - m.SentAt >= Retention))
        {
            message.Fate = Fate.Expired;
        }
    }

    private Message Accept(string body, string messageId, int? delaySeconds)
    {
        Expect(!string.IsNullOrEmpty(messageId) && messages.All(m => m.MessageId != messageId), $"step {step}: {body} gets a new message id");
        var delay = delaySeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : queueDelay;
        var message = new Message(body, messageId, Now) { VisibleAt = Now + delay };
        messages.Add(message);
        byBody.Add(body, message);
        return message;
    }

    private void DoSend(int? delay)
    {
        var body = $"m{messages.Count}";
        var result = Sync(queue.SendAsync(new SendMessageRequest(body)
        {
            DelaySeconds = delay,
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["n"] = MessageAttributeValue.FromString(body) },
        }));
        Accept(body, result.MessageId, delay);
    }

    private void DoSendBatch(int?[] delays)
    {
        var entries = delays.Select((d, i) => (Id: $"e{i}", Body: $"m{messages.Count + i}", Delay: d)).ToList();
        var result = Sync(queue.SendBatchAsync([.. entries.Select(e => new SendMessageBatchEntry(e.Id, e.Body)
        {
            DelaySeconds = e.Delay,
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["n"] = MessageAttributeValue.FromString(e.Body) },
        })]));
        Expect(result.Failed.Count == 0 && result.Successful.Count == entries.Count, $"step {step}: every entry of the batch is accepted");
        foreach (var entry in entries)
        {
            var answer = result.Successful.Single(s => s.Id == entry.Id);
            Accept(entry.Body, answer.MessageId, entry.Delay);
        }
    }

    private bool Visible(Message m) => m.Fate == Fate.Live && m.VisibleAt <= Now;

    private bool InFlight(Message m) => m.Fate == Fate.Live && m.VisibleAt > Now && m.ReceiveCount > 0;

    private bool Delayed(Message m) => m.Fate == Fate.Live && m.VisibleAt > Now && m.ReceiveCount == 0;

    private void DoReceive(Receive receive)
    {
        var visible = messages.Where(Visible).ToHashSet();
        var request = new ReceiveRequest
        {
            MaxNumberOfMessages = receive.Max,
            VisibilityTimeout = receive.Visibility is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            WaitTime = TimeSpan.Zero,
            MessageAttributeNames = ["All"],
        };
        var got = Sync(queue.ReceiveAsync(request));
        var moved = DrainDeadLetters();
        var what = $"step {step}: {receive} with {visible.Count} visible";
        Expect(got.Count <= receive.Max, $"{what}: {got.Count} messages, more than asked for");

        var returned = new HashSet<Message>();
        foreach (var received in got)
        {
            var body = received.GetBodyAsString();
            Expect(byBody.TryGetValue(body, out var message) && visible.Contains(message!), $"{what}: {body} came back but was not visible");
            Expect(returned.Add(message!), $"{what}: {body} came back twice");
            Expect(message!.ReceiveCount < maxReceiveCount, $"{what}: {body} was delivered again after {message.ReceiveCount} receives (maxReceiveCount {maxReceiveCount}) instead of moving to the DLQ");
            Expect(received.MessageId == message.MessageId, $"{what}: {body} keeps its message id");
            Expect(received.ApproximateReceiveCount == message.ReceiveCount + 1, $"{what}: {body} receive count {received.ApproximateReceiveCount}, the model says {message.ReceiveCount + 1}");
            Expect(
                received.SentTimestamp == message.SentAt && received.ApproximateFirstReceiveTimestamp == (message.FirstReceivedAt ?? Now),
                $"{what}: {body} sent at {received.SentTimestamp:HH:mm:ss}, first received at {received.ApproximateFirstReceiveTimestamp:HH:mm:ss}; the model says {message.SentAt:HH:mm:ss} and {message.FirstReceivedAt ?? Now:HH:mm:ss}");
            Expect(received.MessageAttributes.TryGetValue("n", out var n) && n.StringValue == body, $"{what}: {body} keeps its attributes");
        }

        foreach (var (message, _) in moved)
        {
            Expect(visible.Contains(message) && message.ReceiveCount >= maxReceiveCount, $"{what}: {message.Body} (received {message.ReceiveCount}×) moved to the DLQ");
        }

        if (got.Count < receive.Max)
        {
            // Room was left, so the receive went through every visible message: each was delivered or dead-lettered.
            var missed = visible.Where(m => !returned.Contains(m) && !moved.Any(x => x.Message == m)).Select(m => m.Body).ToList();
            Expect(missed.Count == 0, $"{what}: {got.Count} returned, {moved.Count} dead-lettered, but {string.Join(", ", missed)} stayed behind");
        }

        var deadline = Now + (receive.Visibility is { } own ? TimeSpan.FromSeconds(own) : visibilityTimeout);
        foreach (var received in got)
        {
            var message = byBody[received.GetBodyAsString()];
            message.ReceiveCount++;
            message.FirstReceivedAt ??= Now;
            message.VisibleAt = deadline;
            handles.Add(new Handle(received, message, message.ReceiveCount));
        }

        foreach (var (message, _) in moved)
        {
            message.Fate = Fate.DeadLettered;
        }
    }

    /// <summary>Takes everything out of the dead-letter queue, checking what a move keeps: id, body, attributes, sent time, count.</summary>
    private List<(Message Message, ReceivedMessage Received)> DrainDeadLetters()
    {
        var moved = new List<(Message, ReceivedMessage)>();
        var waiting = deadLetters.GetAttributes().ApproximateNumberOfMessages;
        while (true)
        {
            var got = Sync(deadLetters.ReceiveAsync(new ReceiveRequest
            {
                MaxNumberOfMessages = 10,
                WaitTime = TimeSpan.Zero,
                MessageAttributeNames = ["All"],
                MessageSystemAttributeNames = ["All"],
            }));
            if (got.Count == 0)
            {
                break;
            }

            foreach (var received in got)
            {
                var body = received.GetBodyAsString();
                Expect(byBody.TryGetValue(body, out var message) && message!.Fate == Fate.Live, $"step {step}: {body} arrived in the DLQ once, from the live messages");
                Expect(
                    received.MessageId == message!.MessageId && received.SentTimestamp == message.SentAt
                    && received.ApproximateReceiveCount == message.ReceiveCount + 1
                    && received.ApproximateFirstReceiveTimestamp == message.FirstReceivedAt
                    && received.Attributes.GetValueOrDefault("DeadLetterQueueSourceArn") == queue.Arn
                    && received.MessageAttributes.TryGetValue("n", out var n) && n.StringValue == body,
                    $"step {step}: {body} in the DLQ keeps its id, sent time, receive count ({received.ApproximateReceiveCount} after {message.ReceiveCount}) and attributes, and names its source");
                Expect(moved.All(x => x.Item1 != message), $"step {step}: {body} moved once");
                moved.Add((message, received));
                Sync(deadLetters.DeleteAsync(received));
            }
        }

        Expect(waiting == moved.Count, $"step {step}: the DLQ counted {waiting} visible, {moved.Count} came out");
        return moved;
    }

    /// <summary>True when the handle is the latest receipt of a live message: only then does it act.</summary>
    private static bool Current(Handle handle) => handle.Message.Fate == Fate.Live && handle.Message.ReceiveCount == handle.Count;

    private void DoDelete(Handle handle)
    {
        // Standard queues are lenient: a stale or used handle deletes nothing and is not an error.
        Sync(queue.DeleteAsync(handle.Received.ReceiptHandle));
        Deleted(handle);
    }

    private void Deleted(Handle handle)
    {
        if (Current(handle))
        {
            handle.Message.Fate = Fate.Deleted;
        }
    }

    private void DoDeleteBatch(List<Handle> picked)
    {
        var result = Sync(queue.DeleteBatchAsync([.. picked.Select((h, i) => new DeleteMessageBatchEntry($"d{i}", h.Received.ReceiptHandle))]));
        Expect(result.Failed.Count == 0 && result.Successful.Count == picked.Count, $"step {step}: every entry of a standard queue's delete batch succeeds");
        picked.ForEach(Deleted);
    }

    private void DoChangeVisibility(Handle handle, int seconds)
    {
        var message = handle.Message;
        var what = $"step {step}: ChangeVisibility({seconds}) of {message.Body} receipt #{handle.Count} (fate {message.Fate}, received {message.ReceiveCount}×)";
        if (!Current(handle))
        {
            ExpectError(BrokerErrorCodes.InvalidParameterValue, () => Sync(queue.ChangeVisibilityAsync(handle.Received.ReceiptHandle, TimeSpan.FromSeconds(seconds))), what);
            return;
        }

        Sync(queue.ChangeVisibilityAsync(handle.Received.ReceiptHandle, TimeSpan.FromSeconds(seconds)));
        if (InFlight(message))
        {
            // The new timeout counts from now; a message already visible again stays as it is.
            message.VisibleAt = Now + TimeSpan.FromSeconds(seconds);
        }
    }

    private void DoPurge()
    {
        if (lastPurge is { } last && Now - last < PurgeCooldown)
        {
            ExpectError(BrokerErrorCodes.PurgeQueueInProgress, () => Sync(queue.PurgeAsync()), $"step {step}: a purge {(Now - last).TotalSeconds} s after the last");
            return;
        }

        Sync(queue.PurgeAsync());
        lastPurge = Now;
        foreach (var message in messages.Where(m => m.Fate == Fate.Live))
        {
            message.Fate = Fate.Purged;
        }
    }

    private void CheckCounts(QueueOp after)
    {
        var attributes = queue.GetAttributes();
        var (visible, inFlight, delayed) = (messages.Count(Visible), messages.Count(InFlight), messages.Count(Delayed));
        Expect(
            attributes.ApproximateNumberOfMessages == visible && attributes.ApproximateNumberOfMessagesNotVisible == inFlight
            && attributes.ApproximateNumberOfMessagesDelayed == delayed,
            $"step {step}, after {after}: the queue counts {attributes.ApproximateNumberOfMessages} visible / {attributes.ApproximateNumberOfMessagesNotVisible} in flight / "
            + $"{attributes.ApproximateNumberOfMessagesDelayed} delayed, the model {visible} / {inFlight} / {delayed} ({Describe()})");
        var dlq = deadLetters.GetAttributes();
        Expect(dlq.ApproximateNumberOfMessages + dlq.ApproximateNumberOfMessagesNotVisible + dlq.ApproximateNumberOfMessagesDelayed == 0, $"step {step}: the DLQ was drained");
    }

    private string Describe() => string.Join(", ", messages.Where(m => m.Fate == Fate.Live).Select(m =>
        $"{m.Body}:{(Visible(m) ? "visible" : InFlight(m) ? "in flight" : "delayed")}{(m.VisibleAt > Now ? " until +" + (m.VisibleAt - Now).TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s" : string.Empty)} rc{m.ReceiveCount}"));

    private sealed class Message(string body, string messageId, DateTimeOffset sentAt)
    {
        public string Body { get; } = body;

        public string MessageId { get; } = messageId;

        public DateTimeOffset SentAt { get; } = sentAt;

        public DateTimeOffset VisibleAt { get; set; }

        public int ReceiveCount { get; set; }

        public DateTimeOffset? FirstReceivedAt { get; set; }

        public Fate Fate { get; set; }
    }

    /// <summary>A receipt handed out: which message, and its receive count then (a later receive makes it stale).</summary>
    private sealed record Handle(ReceivedMessage Received, Message Message, int Count);
}
