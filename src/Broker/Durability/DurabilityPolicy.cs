namespace Broker.Durability;

/// <summary>
/// What an acknowledged call of a durable broker means: the completed task of a send, a delete, a visibility change, a
/// put or a checkpoint, and the return of a create, delete or settings change. Set it with
/// <see cref="DurableStorage.Policy"/>. Every policy writes a record to the operating system before the call returns, so
/// a process crash (a SIGKILL, an unhandled exception) loses nothing acknowledged under any of them; they differ in what
/// a power loss or an operating system crash may take.
/// </summary>
public enum DurabilityPolicy
{
    /// <summary>
    /// Written to the operating system and flushed to the disk before the call completes; calls that arrive together
    /// share one flush (group commit), so concurrent callers cost one flush per batch, not one each. Survives a process
    /// crash and a power loss. The default, and the slowest: a lone caller waits for a flush of the disk every call.
    /// </summary>
    Always,

    /// <summary>
    /// Written to the operating system before the call completes, flushed to the disk at least every
    /// <see cref="DurableStorage.FlushInterval"/>. Survives a process crash; a power loss may lose what was acknowledged
    /// in the last interval.
    /// </summary>
    Batched,

    /// <summary>
    /// Written to the operating system before the call completes, flushed to the disk only when a segment is full or the
    /// broker is disposed. Survives a process crash, not a power loss: anything not yet flushed may be lost.
    /// </summary>
    None,
}
