namespace Broker.Durability;

/// <summary>
/// What an acknowledged call of a durable broker means: the completed task of a send, a delete, a visibility change, a
/// put or a checkpoint, and the return of a create, delete or settings change. Set it with
/// <see cref="DurableStorage.Policy"/>. <see cref="Always"/> and <see cref="None"/> write the call's record to the
/// operating system before the call returns, so a process crash (a SIGKILL, an unhandled exception) loses nothing they
/// acknowledged; <see cref="Batched"/> returns once the record is queued for the journal and bounds what any crash may
/// take to about one <see cref="DurableStorage.FlushInterval"/>. Whatever a crash takes is always the most recent calls:
/// a journal (the broker's, or a stream's own) is written in order, so no call acknowledged by it is lost while one it
/// acknowledged later survives.
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
    /// Acknowledged as soon as the call's record is queued for the journal's writer, which writes records as they come
    /// and flushes them to the disk at least every <see cref="DurableStorage.FlushInterval"/>. Nearly as fast as memory;
    /// a crash of the process or of the machine may lose what was acknowledged in about the last interval (never more
    /// than about 4 MiB of records wait to be written: past that, calls wait for their write). The analogue of an
    /// asynchronous commit.
    /// </summary>
    Batched,

    /// <summary>
    /// Written to the operating system before the call completes, flushed to the disk only when a segment is full or the
    /// broker is disposed. Survives a process crash, not a power loss: anything not yet flushed may be lost.
    /// </summary>
    None,
}
