using Broker.Durability.Internal;
using Broker.Queues;

namespace Broker.Tests.Durability;

/// <summary>Crash simulation for durable-broker tests.</summary>
internal static class Crashes
{
    /// <summary>
    /// What a SIGKILL now would leave on disk: a copy of the journal's files as they are, taken while the broker still
    /// runs (under <c>Always</c>, everything acknowledged is in them). Returns <paramref name="copy"/>.
    /// </summary>
    public static string CopyJournal(string directory, string copy)
    {
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(directory).Where(f => Path.GetFileName(f) != DurableStore.LockFileName))
        {
            using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var target = File.Create(Path.Combine(copy, Path.GetFileName(file)));
            source.CopyTo(target);
        }

        foreach (var child in Directory.EnumerateDirectories(directory))
        {
            CopyJournal(child, Path.Combine(copy, Path.GetFileName(child))); // streams/{id}/: a stream's own journal
        }

        return copy;
    }

    /// <summary>
    /// What a power loss now would leave: a copy of the journal with every file cut to the length of its last flush to
    /// <paramref name="disk"/> (the <see cref="SegmentStream"/>s' disk). Returns <paramref name="copy"/>.
    /// </summary>
    public static string CopyJournalAsFlushed(string directory, string copy, SegmentDisk disk)
    {
        CopyJournal(directory, copy);
        lock (disk.DurableLengths)
        {
            foreach (var (path, length) in disk.DurableLengths)
            {
                var copied = copy + path[directory.Length..];
                if (File.Exists(copied) && new FileInfo(copied).Length > length)
                {
                    using var file = new FileStream(copied, FileMode.Open, FileAccess.Write);
                    file.SetLength(length);
                }
            }
        }

        return copy;
    }

    /// <summary>
    /// Waits until every record appended so far is written: records are written in order, so an awaited send behind
    /// them (to a queue of its own) covers the receive records nobody waits for.
    /// </summary>
    public static async Task Barrier(MessageBroker broker) => await broker.CreateQueue("barrier").SendAsync("barrier");
}
