namespace Broker.Streams.Processing.Internal;

/// <summary>What every part of one <see cref="StreamProcessor"/> shares.</summary>
/// <param name="Stream">The stream read.</param>
/// <param name="Time">The broker's clock; every wait uses it.</param>
/// <param name="Options">The validated options.</param>
/// <param name="ProcessorFactory">Creates a processor for a shard id.</param>
/// <param name="Activity">Counts running loops (see <see cref="ActivityTracker"/>).</param>
internal sealed record ProcessorContext(
    IDataStream Stream, TimeProvider Time, StreamProcessorOptions Options, Func<string, IRecordProcessor> ProcessorFactory, ActivityTracker Activity)
{
    /// <summary>The lease table.</summary>
    public ILeaseStore LeaseStore => Options.LeaseStore;

    /// <summary>The application the leases belong to.</summary>
    public string ApplicationName => Options.ApplicationName;

    /// <summary>This worker.</summary>
    public string WorkerId => Options.WorkerId;
}
