namespace Broker.Filtering.Internal;

/// <summary>
/// The body paths some policy uses, each with a dense id, and every dot-boundary prefix of them, so that flattening a
/// body keeps only leaves a policy can look at and skips whole subtrees no policy reaches. Probed with spans, so a
/// message's keys never become strings. Immutable once built.
/// </summary>
internal sealed class PathTable
{
    public static readonly PathTable Empty = new([]);

    private readonly Dictionary<string, int> ids;
    private readonly HashSet<string> prefixes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> idLookup;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> prefixLookup;

    /// <summary>Builds a table; <paramref name="paths"/>[i] gets id i.</summary>
    public PathTable(IReadOnlyList<string> paths)
    {
        ids = new Dictionary<string, int>(paths.Count, StringComparer.Ordinal);
        for (var i = 0; i < paths.Count; i++)
        {
            ids[paths[i]] = i;
            for (var dot = paths[i].IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = paths[i].IndexOf('.', dot + 1))
            {
                prefixes.Add(paths[i][..dot]);
            }
        }

        Paths = paths;
        idLookup = ids.GetAlternateLookup<ReadOnlySpan<char>>();
        prefixLookup = prefixes.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public IReadOnlyList<string> Paths { get; }

    public int Count => Paths.Count;

    public bool TryGetId(ReadOnlySpan<char> path, out int id) => idLookup.TryGetValue(path, out id);

    /// <summary>True if some policy path continues below <paramref name="path"/> (so an object there must be read).</summary>
    public bool IsPrefix(ReadOnlySpan<char> path) => prefixLookup.Contains(path);
}
