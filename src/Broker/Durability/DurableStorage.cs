using System.Globalization;

namespace Broker.Durability;

/// <summary>
/// Durable mode: where and how a broker keeps its journal on disk. Set as <see cref="BrokerOptions.Storage"/>; without it
/// (the default) everything lives in memory. A durable broker records every queue, message, topic, queue subscription,
/// data stream, stream record and lease it acknowledges in append-only journals of segment files, and a broker started on
/// the same directory after a crash or a <see cref="MessageBroker.Dispose"/> recovers them (see <see cref="MessageBroker.Recovery"/>).
/// </summary>
/// <remarks>
/// <para>
/// The directory belongs to one broker at a time: a broker holds its lock file (<c>broker.lock</c>) until it is disposed,
/// and a second broker on it, in this process or another, fails with <c>InvalidParameterValue</c> (the operating system
/// releases the lock when a process dies, even by SIGKILL). Nothing else should write in it. Copy it only while its
/// broker is stopped, or as a crash would find it (a torn last record is cut at the next start).
/// </para>
/// <para>
/// Settings are validated when the broker is created: a value out of range throws a <see cref="BrokerException"/> with
/// <c>InvalidParameterValue</c> naming the setting and its range. A queue or stream can opt out with
/// <see cref="Queues.QueueOptions.Durable"/> and <see cref="Streams.StreamOptions.Durable"/>.
/// </para>
/// </remarks>
public sealed record DurableStorage
{
    /// <summary>The smallest <see cref="SegmentSize"/>: 64 KiB.</summary>
    internal const long MinSegmentSize = 64L * 1024;

    /// <summary>The longest <see cref="FlushInterval"/>: 1 minute.</summary>
    internal static readonly TimeSpan MaxFlushInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The journal's directory, absolute or relative to the current directory; created (with its parents) when the broker
    /// starts if it does not exist. Required; it must not be empty. One broker at a time may use it.
    /// </summary>
    public required string Directory { get; init; }

    /// <summary>
    /// What an acknowledged call means. Default <see cref="DurabilityPolicy.Always"/>: flushed to the disk before the
    /// call returns (concurrent callers share one flush); <see cref="DurabilityPolicy.Batched"/> acknowledges before the
    /// write and writes and flushes at least every <see cref="FlushInterval"/>; <see cref="DurabilityPolicy.None"/> writes
    /// before it acknowledges and leaves flushing to segment ends and shutdown. <c>Always</c> and <c>None</c> survive a
    /// process crash; only <c>Always</c> survives a power loss with nothing acknowledged lost.
    /// </summary>
    public DurabilityPolicy Policy { get; init; } = DurabilityPolicy.Always;

    /// <summary>
    /// Under <see cref="DurabilityPolicy.Batched"/>: the longest time an acknowledged record waits to be written and
    /// flushed to the disk, which is about what a crash may lose. Default 100 ms; more than zero and at most 1 minute.
    /// Measured on the broker's <see cref="TimeProvider"/>. Ignored by the other policies (but still validated).
    /// </summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The size in bytes at which the journal closes a segment file (flushing it) and starts the next; a record larger
    /// than this gets a segment of its own. Default 64 MiB; at least 64 KiB. Smaller segments let compaction reclaim
    /// disk sooner and make more files. Each new segment file is created at this length (zeros, sparse where the file
    /// system allows), so that flushing records into it does not also grow the file, and trimmed when it is closed.
    /// </summary>
    public long SegmentSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Compaction rewrites the closed segments as one snapshot of the live state, in the background, once this many
    /// bytes were written since the last compaction (or as many as the last snapshot took, if that is more). Disk use
    /// stays near twice the live data plus this. Default 64 MiB; at least <see cref="SegmentSize"/>.
    /// </summary>
    public long CompactAfterBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Opens a new segment file (tests substitute a failing disk); null for a plain file.</summary>
    internal Func<string, Stream>? CreateSegment { get; init; }

    /// <summary>The smallest <see cref="SegmentSize"/> accepted: 64 KiB; tests lower it to roll segments with little data.</summary>
    internal long MinimumSegmentSize { get; init; } = MinSegmentSize;

    /// <summary>Checks every setting; called once, when the broker is created.</summary>
    /// <exception cref="ArgumentNullException"><see cref="Directory"/> is null.</exception>
    /// <exception cref="BrokerException">A setting is out of range (<c>InvalidParameterValue</c>).</exception>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Directory, "options.Storage.Directory");
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw Invalid(nameof(Directory), "is empty. Set it to the directory of this broker's journal (created if missing; one broker per directory)");
        }

        if (!Enum.IsDefined(Policy))
        {
            throw Invalid(nameof(Policy), $"is {(int)Policy}, which is not a DurabilityPolicy. Use Always, Batched or None");
        }

        if (FlushInterval <= TimeSpan.Zero || FlushInterval > MaxFlushInterval)
        {
            throw Invalid(nameof(FlushInterval), $"is {FlushInterval:c}. It must be more than zero and at most 1 minute (default 100 ms)");
        }

        if (SegmentSize < MinimumSegmentSize)
        {
            throw Invalid(nameof(SegmentSize), $"is {SegmentSize.ToString(CultureInfo.InvariantCulture)} bytes. It must be at least 65536 (64 KiB; default 64 MiB)");
        }

        if (CompactAfterBytes < SegmentSize)
        {
            throw Invalid(
                nameof(CompactAfterBytes),
                $"is {CompactAfterBytes.ToString(CultureInfo.InvariantCulture)} bytes, less than SegmentSize ({SegmentSize.ToString(CultureInfo.InvariantCulture)}). Set it to at least SegmentSize");
        }
    }

    private static BrokerException Invalid(string setting, string problem) =>
        new(BrokerErrorCodes.InvalidParameterValue, $"Invalid value for BrokerOptions.Storage.{setting}: it {problem}.");
}
