namespace Broker.Durability.Internal;

/// <summary>What an acknowledged append means (the engine's side of the public durability policy).</summary>
internal enum JournalFlushPolicy
{
    /// <summary>Written to the operating system and flushed to the disk before the append completes; appends that arrive
    /// together share one flush (group commit). Survives a process crash and a power loss.</summary>
    Always,

    /// <summary>Written to the operating system before the append completes, flushed to the disk at least every
    /// flush interval. Survives a process crash; a power loss may lose the last interval.</summary>
    Batched,

    /// <summary>Written to the operating system before the append completes, flushed only when a segment is full or the
    /// journal closes. Survives a process crash, not a power loss.</summary>
    None,
}
