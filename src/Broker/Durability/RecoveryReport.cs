using System.Globalization;

namespace Broker.Durability;

/// <summary>
/// What a durable broker recovered from its journal when it was created: read it from <see cref="MessageBroker.Recovery"/>
/// (for example to log it at start-up; <see cref="ToString"/> gives one line). Recovery time grows with the live data the
/// journal holds, not with its history: compaction keeps the journal near the live state.
/// </summary>
public sealed class RecoveryReport
{
    internal RecoveryReport()
    {
    }

    /// <summary>How long recovery took, reading the journal and rebuilding the broker's state (real time, whatever the broker's clock).</summary>
    public TimeSpan Duration { get; internal init; }

    /// <summary>How many segment files were read, the streams' own journals included (0 for a new, empty directory).</summary>
    public int Segments { get; internal init; }

    /// <summary>How many journal records were read, the streams' own journals included.</summary>
    public long Records { get; internal init; }

    /// <summary>
    /// When the journal ended in a record the previous broker was writing when it stopped (a torn tail): what was cut
    /// off, naming the segment file and the offset. Such a record was never acknowledged under a flushing policy.
    /// <see langword="null"/> when the journal ended cleanly.
    /// </summary>
    public string? CutTail { get; internal init; }

    /// <summary>How many queues were restored.</summary>
    public int Queues { get; internal init; }

    /// <summary>How many messages the restored queues hold (visible, in flight and delayed), after dropping those whose retention ended while the broker was down.</summary>
    public long Messages { get; internal init; }

    /// <summary>How many topics were restored.</summary>
    public int Topics { get; internal init; }

    /// <summary>How many queue subscriptions of those topics were restored (handler subscriptions are code: the application subscribes them again).</summary>
    public int Subscriptions { get; internal init; }

    /// <summary>How many data streams were restored.</summary>
    public int Streams { get; internal init; }

    /// <summary>How many records the restored streams hold, after dropping those whose retention ended while the broker was down.</summary>
    public long StreamRecords { get; internal init; }

    /// <summary>One line for a log: what was restored, from how much journal, in how long, and any cut tail.</summary>
    /// <returns>The summary.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"Recovered {Queues} queues ({Messages} messages), {Topics} topics ({Subscriptions} subscriptions), {Streams} streams ({StreamRecords} records) from {Records} journal records in {Segments} segments in {Duration.TotalMilliseconds:0.#} ms{(CutTail is null ? string.Empty : "; cut a torn tail: " + CutTail)}.");
}
