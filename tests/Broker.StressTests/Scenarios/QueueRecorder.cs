using Broker.Queues;
using Broker.StressTests.History;

namespace Broker.StressTests.Scenarios;

/// <summary>Calls a queue and records each call, stamped with the fake clock before and after, in the history.</summary>
internal sealed class QueueRecorder(QueueHistory history, StressClock clock)
{
    public QueueHistory History => history;

    public async ValueTask SendAsync(IMessageQueue queue, string body, string? group, int? delaySeconds)
    {
        var before = clock.Now;
        var request = new SendMessageRequest(body) { MessageGroupId = group, MessageDeduplicationId = group is null ? null : body, DelaySeconds = delaySeconds };
        var result = await queue.SendAsync(request);
        history.Sent(new SendEvent(queue.Name, result.MessageId, body, group, result.SequenceNumber, new Stamp(before, clock.Now)));
    }

    /// <summary>Sends a batch; only the entries the queue accepted enter the history.</summary>
    public async ValueTask SendBatchAsync(IMessageQueue queue, IReadOnlyList<string> bodies, string? group)
    {
        var entries = bodies.Select((body, i) => new SendMessageBatchEntry($"e{i}", body)
        {
            MessageGroupId = group,
            MessageDeduplicationId = group is null ? null : body,
        }).ToArray();
        var before = clock.Now;
        var result = await queue.SendBatchAsync(entries);
        var at = new Stamp(before, clock.Now);
        foreach (var ok in result.Successful)
        {
            var body = bodies[int.Parse(ok.Id.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)];
            history.Sent(new SendEvent(queue.Name, ok.MessageId, body, group, ok.Result.SequenceNumber, at));
        }
    }

    public async ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(IMessageQueue queue, int max, int visibilitySeconds)
    {
        var batch = history.NextBatch();
        var visibility = TimeSpan.FromSeconds(visibilitySeconds);
        var before = clock.Now;
        var received = await queue.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = max, VisibilityTimeout = visibility, WaitTime = TimeSpan.Zero });
        var at = new Stamp(before, clock.Now);
        for (var i = 0; i < received.Count; i++)
        {
            var m = received[i];
            history.Received(new ReceiveEvent(queue.Name, batch, i, m.MessageId, m.GetBodyAsString(), m.ApproximateReceiveCount, visibility, at));
        }

        return received;
    }

    public async ValueTask<bool> DeleteAsync(IMessageQueue queue, ReceivedMessage message)
    {
        var before = clock.Now;
        string? error = null;
        try
        {
            await queue.DeleteAsync(message.ReceiptHandle);
        }
        catch (BrokerException e)
        {
            error = $"{e.ErrorCode}: {e.Message}";
        }

        history.Deleted(new DeleteEvent(queue.Name, message.MessageId, message.ApproximateReceiveCount, error is null, error, new Stamp(before, clock.Now)));
        return error is null;
    }

    public async ValueTask ChangeVisibilityAsync(IMessageQueue queue, ReceivedMessage message, int seconds)
    {
        var timeout = TimeSpan.FromSeconds(seconds);
        var before = clock.Now;
        string? error = null;
        try
        {
            await queue.ChangeVisibilityAsync(message.ReceiptHandle, timeout);
        }
        catch (BrokerException e)
        {
            error = $"{e.ErrorCode}: {e.Message}";
        }

        history.VisibilityChanged(new VisibilityEvent(queue.Name, message.MessageId, message.ApproximateReceiveCount, timeout, error is null, error, new Stamp(before, clock.Now)));
    }

    public async ValueTask<bool> PurgeAsync(IMessageQueue queue)
    {
        var before = clock.Now;
        var ok = true;
        try
        {
            await queue.PurgeAsync();
        }
        catch (BrokerException e) when (e.ErrorCode == BrokerErrorCodes.PurgeQueueInProgress)
        {
            ok = false;
        }

        history.Purged(new PurgeEvent(queue.Name, ok, new Stamp(before, clock.Now)));
        return ok;
    }
}
