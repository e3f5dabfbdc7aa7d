using Broker.StressTests.History;

namespace Broker.StressTests.Checking;

/// <summary>
/// Indexes of a queue history shared by the checkers, and the two interval judgements they rest on: the earliest instant
/// a received message could be visible again, and whether a delete certainly removed the message.
/// </summary>
internal sealed class QueueFacts
{
    private static readonly IReadOnlyList<ReceiveEvent> NoReceives = [];
    private static readonly IReadOnlyList<DeleteEvent> NoDeletes = [];
    private readonly Dictionary<string, List<ReceiveEvent>> receivesById = [];
    private readonly Dictionary<(string Queue, string Id, int Count), List<DeleteEvent>> deletesByReceipt = [];
    private readonly Dictionary<(string Queue, string Id, int Count), List<VisibilityEvent>> changesByReceipt = [];

    public QueueFacts(QueueHistorySnapshot history)
    {
        History = history;
        SendById = history.Sends.GroupBy(s => s.MessageId).ToDictionary(g => g.Key, g => g.First());
        foreach (var r in history.Receives)
        {
            Add(receivesById, r.MessageId, r);
        }

        foreach (var list in receivesById.Values)
        {
            list.Sort((a, b) => a.ReceiveCount != b.ReceiveCount ? a.ReceiveCount.CompareTo(b.ReceiveCount) : a.At.Before.CompareTo(b.At.Before));
        }

        foreach (var d in history.Deletes)
        {
            Add(deletesByReceipt, (d.Queue, d.MessageId, d.ReceiveCount), d);
        }

        foreach (var c in history.Changes.Where(c => c.Ok))
        {
            Add(changesByReceipt, (c.Queue, c.MessageId, c.ReceiveCount), c);
        }
    }

    public QueueHistorySnapshot History { get; }

    public QueueSetup Setup => History.Setup;

    public IReadOnlyDictionary<string, SendEvent> SendById { get; }

    /// <summary>Every receive of the message, on any queue, by receive count.</summary>
    public IReadOnlyList<ReceiveEvent> ReceivesOf(string messageId) => receivesById.TryGetValue(messageId, out var list) ? list : NoReceives;

    public IReadOnlyList<DeleteEvent> DeletesOf(ReceiveEvent receipt) =>
        deletesByReceipt.TryGetValue((receipt.Queue, receipt.MessageId, receipt.ReceiveCount), out var list) ? list : NoDeletes;

    /// <summary>A successful purge of <paramref name="queue"/> that ended at or after <paramref name="from"/>: it may have removed a message there since then.</summary>
    public PurgeEvent? PurgeEndingAfter(string? queue, TimeSpan from) =>
        History.Purges.FirstOrDefault(p => p.Ok && p.Queue == queue && p.At.After >= from);

    /// <summary>Whether retention may have expired the message by <paramref name="time"/> (it counts from the send).</summary>
    public bool MayHaveExpired(string messageId, TimeSpan time) =>
        SendById.TryGetValue(messageId, out var send) && time >= send.At.Before + Setup.Retention;

    /// <summary>
    /// The earliest instant the message of <paramref name="receipt"/> could be visible again: the receive's own deadline
    /// counted from the earliest instant of the call, or the deadline of a visibility change on this receipt counted the
    /// same way, whichever is earlier (a change may shorten the timeout, down to 0). Whatever order the changes took
    /// effect in, the real deadline is one of these values or later, so this bound never raises a false alarm.
    /// </summary>
    public TimeSpan EarliestVisibleAgain(ReceiveEvent receipt)
    {
        var earliest = receipt.At.Before + receipt.Visibility;
        if (changesByReceipt.TryGetValue((receipt.Queue, receipt.MessageId, receipt.ReceiveCount), out var changes))
        {
            foreach (var change in changes)
            {
                var deadline = change.At.Before + change.Timeout;
                if (deadline < earliest)
                {
                    earliest = deadline;
                }
            }
        }

        return earliest;
    }

    /// <summary>
    /// Whether <paramref name="delete"/> certainly removed the message: it succeeded and completed before the receipt's
    /// visibility could have run out, no purge could have taken the message first and retention cannot have ended. Then
    /// the message was in flight under this receipt at the delete, and no later receive can legitimately return it.
    /// </summary>
    public bool CertainlyRemoved(DeleteEvent delete, ReceiveEvent receipt) =>
        delete.Ok
        && delete.At.After < EarliestVisibleAgain(receipt)
        && !MayHaveExpired(delete.MessageId, delete.At.After)
        && !History.Purges.Any(p => p.Ok && p.Queue == receipt.Queue && p.At.Before <= delete.At.After && p.At.After >= receipt.At.Before);

    public static string Describe(ReceiveEvent r) => $"receive #{r.ReceiveCount} from {r.Queue} at {r.At} (visibility {r.Visibility.TotalSeconds}s, batch {r.Batch})";

    private static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> map, TKey key, TValue value)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list))
        {
            list = [];
            map[key] = list;
        }

        list.Add(value);
    }
}
