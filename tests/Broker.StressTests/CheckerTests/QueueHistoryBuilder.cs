using Broker.StressTests.History;

namespace Broker.StressTests.CheckerTests;

/// <summary>Hand-made queue histories for the checkers' own tests: times in seconds, each call an instant unless given a span.</summary>
internal sealed class QueueHistoryBuilder(bool fifo = false)
{
    public const string Source = "src";
    public const string DeadLetter = "dlq";
    private readonly List<SendEvent> sends = [];
    private readonly List<ReceiveEvent> receives = [];
    private readonly List<DeleteEvent> deletes = [];
    private readonly List<VisibilityEvent> changes = [];
    private readonly List<PurgeEvent> purges = [];
    private long batches;

    public QueueHistoryBuilder Send(string id, double at, string? group = null, long sequence = 0) =>
        Add(sends, new SendEvent(Source, id, "body-" + id, group, group is null ? null : sequence.ToString("D20", System.Globalization.CultureInfo.InvariantCulture), Stamp.Seconds(at, at)));

    /// <summary>One receive call returning <paramref name="ids"/> (each with its receive count) in that order.</summary>
    public QueueHistoryBuilder Batch(double at, double visibility, params (string Id, int Count)[] ids) => Batch(Source, at, at, visibility, ids);

    public QueueHistoryBuilder Batch(string queue, double before, double after, double visibility, params (string Id, int Count)[] ids)
    {
        var batch = ++batches;
        for (var i = 0; i < ids.Length; i++)
        {
            receives.Add(new ReceiveEvent(queue, batch, i, ids[i].Id, "body-" + ids[i].Id, ids[i].Count, TimeSpan.FromSeconds(visibility), Stamp.Seconds(before, after)));
        }

        return this;
    }

    public QueueHistoryBuilder Receive(string id, int count, double at, double visibility = 30, string queue = Source) =>
        Batch(queue, at, at, visibility, (id, count));

    public QueueHistoryBuilder Delete(string id, int count, double at, bool ok = true, string queue = Source) =>
        Add(deletes, new DeleteEvent(queue, id, count, ok, ok ? null : "InvalidParameterValue: expired", Stamp.Seconds(at, at)));

    public QueueHistoryBuilder Change(string id, int count, double at, double timeout, string queue = Source) =>
        Add(changes, new VisibilityEvent(queue, id, count, TimeSpan.FromSeconds(timeout), true, null, Stamp.Seconds(at, at)));

    public QueueHistoryBuilder Purge(double before, double after, string queue = Source) =>
        Add(purges, new PurgeEvent(queue, true, Stamp.Seconds(before, after)));

    public QueueHistorySnapshot Build(double end = 1000) =>
        new(new QueueSetup(Source, DeadLetter, MaxReceiveCount: 3, fifo, TimeSpan.FromDays(4)), sends, receives, deletes, changes, purges, TimeSpan.FromSeconds(end));

    private QueueHistoryBuilder Add<T>(List<T> list, T item)
    {
        list.Add(item);
        return this;
    }
}
