using Broker.Queues;

namespace Broker.Filtering.Internal;

/// <summary>
/// The filter policies of many targets (a topic's subscriptions, a bus's rules), arranged so that matching a message
/// costs about the same with ten policies as with ten thousand: sub-rules are filed under an exact value they require
/// (see <see cref="IndexLevel{T}"/>), and a message looks up only its own values.
/// <para>
/// Concurrency: <see cref="Match"/> reads one immutable <see cref="IndexSnapshot{T}"/> and never blocks. Writers
/// serialise on <see cref="gate"/>, build a new snapshot and publish it with a volatile write; only writers touch the
/// fields below <see cref="snapshot"/>. To keep writes cheap the snapshot has a big base level, rebuilt only when the
/// changes since its build exceed max(64, √n), plus a small delta level (rebuilt on every change) and a set of removed
/// base entries, so n adds cost O(n √n) in all rather than O(n²).
/// </para>
/// </summary>
internal sealed partial class FilterPolicyIndex<T>
    where T : class
{
    private const int MinChangesBeforeRebuild = 64;

    private readonly Lock gate = new();

    /// <summary>The published state; replaced whole by writers, read once per <see cref="Match"/>.</summary>
    private IndexSnapshot<T> snapshot = IndexSnapshot<T>.Empty;

    private readonly Dictionary<T, IndexEntry<T>> entries = [];
    private readonly HashSet<IndexEntry<T>> baseEntries = [];
    private readonly List<IndexEntry<T>> deltaEntries = [];
    private readonly HashSet<IndexEntry<T>> removedFromBase = [];

    /// <summary>Live entries that do not take every message (see <see cref="IndexEntry{T}.TakesEverything"/>).</summary>
    private int filtered;

    /// <summary>Every body path any policy ever used, by id; only grows, so published remaps stay valid.</summary>
    private readonly List<string> bodyPaths = [];
    private readonly Dictionary<string, int> bodyPathIds = new(StringComparer.Ordinal);
    private IndexLevel<T> baseLevel = IndexLevel<T>.Empty;
    private PathTable bodyPathTable = PathTable.Empty;

    /// <summary>How many targets the index holds.</summary>
    public int Count => Volatile.Read(ref snapshot).Count;

    /// <summary>Adds a target, or replaces the policy of one already present. A null policy matches every message.</summary>
    public void Add(T target, FilterPolicy? policy)
    {
        ArgumentNullException.ThrowIfNull(target);

        // Writers only (a subscribe, an unsubscribe, a policy change: a cold path); Match never takes this lock.
        lock (gate)
        {
            var compiled = policy?.Compiled;
            var entry = new IndexEntry<T>(target, compiled, compiled?.Scope == FilterPolicyScope.MessageBody ? Register(compiled.Paths) : null);
            if (entries.Remove(target, out var old))
            {
                Forget(old);
            }

            filtered += entry.TakesEverything ? 0 : 1;
            entries.Add(target, entry);
            deltaEntries.Add(entry);
            Publish();
        }
    }

    /// <summary>Removes a target; false if it was not present.</summary>
    public bool Remove(T target)
    {
        ArgumentNullException.ThrowIfNull(target);

        // Writers only (a subscribe, an unsubscribe, a policy change: a cold path); Match never takes this lock.
        lock (gate)
        {
            if (!entries.Remove(target, out var old))
            {
                return false;
            }

            Forget(old);
            Publish();
            return true;
        }
    }

    private void Forget(IndexEntry<T> entry)
    {
        filtered -= entry.TakesEverything ? 0 : 1;
        if (!deltaEntries.Remove(entry) && baseEntries.Contains(entry))
        {
            removedFromBase.Add(entry);
        }
    }

    private int[] Register(PathTable paths)
    {
        var remap = new int[paths.Count];
        for (var i = 0; i < remap.Length; i++)
        {
            var path = paths.Paths[i];
            if (!bodyPathIds.TryGetValue(path, out var id))
            {
                id = bodyPaths.Count;
                bodyPaths.Add(path);
                bodyPathIds.Add(path, id);
            }

            remap[i] = id;
        }

        return remap;
    }

    private void Publish()
    {
        if (bodyPathTable.Count != bodyPaths.Count)
        {
            bodyPathTable = new PathTable([.. bodyPaths]);
        }

        var threshold = Math.Max(MinChangesBeforeRebuild, (int)Math.Sqrt(entries.Count));
        if (deltaEntries.Count + removedFromBase.Count > threshold)
        {
            baseEntries.Clear();
            baseEntries.UnionWith(entries.Values);
            baseLevel = new IndexLevel<T>(baseEntries, bodyPaths.Count);
            deltaEntries.Clear();
            removedFromBase.Clear();
        }

        var delta = deltaEntries.Count == 0 ? IndexLevel<T>.Empty : new IndexLevel<T>(deltaEntries, bodyPaths.Count);
        var removed = removedFromBase.Count == 0 ? null : new HashSet<IndexEntry<T>>(removedFromBase);
        Volatile.Write(ref snapshot, new IndexSnapshot<T>(baseLevel, delta, removed, bodyPathTable, entries.Count, unfiltered: filtered == 0));
    }

    /// <summary>
    /// Every target, when each takes every message (no policy, or an attribute-scope <c>{}</c>), in the order
    /// <see cref="Match"/> would add them; otherwise null. One consistent version of the index, made once per version
    /// (on its first read, in time proportional to the number of targets), so that writes stay as cheap as they were.
    /// Lock-free.
    /// </summary>
    public T[]? UnfilteredTargets => Volatile.Read(ref snapshot).UnfilteredTargets;

    /// <summary>
    /// Adds to <paramref name="matches"/> every target whose policy matches, each once, in no particular order.
    /// Attribute-scope policies see <paramref name="attributes"/>; body-scope policies see <paramref name="utf8Body"/>,
    /// which is flattened at most once and only if some body-scope policy exists. Lock-free.
    /// </summary>
    public void Match(IReadOnlyDictionary<string, MessageAttributeValue>? attributes, ReadOnlySpan<byte> utf8Body, List<T> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var current = Volatile.Read(ref snapshot);
        var sink = new MatchSink(matches, current.Removed);
        MatchAttributes(current.Base, attributes, ref sink);
        MatchAttributes(current.Delta, attributes, ref sink);
        if (!current.HasBodyPolicies)
        {
            return;
        }

        var leaves = EventLeaves.Rent();
        try
        {
            if (leaves.TryLoad(utf8Body, current.BodyPaths))
            {
                MatchBody(current.Base, leaves, ref sink);
                MatchBody(current.Delta, leaves, ref sink);
            }
        }
        finally
        {
            EventLeaves.Return(leaves);
        }
    }
}
