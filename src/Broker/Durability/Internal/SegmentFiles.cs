using System.Globalization;

namespace Broker.Durability.Internal;

/// <summary>How journal segment files are named: <c>{id:D16}.journal</c>, so a directory listing sorts in id order.</summary>
internal static class SegmentFiles
{
    public const string Extension = ".journal";

    public static string Name(long segmentId) => segmentId.ToString("D16", CultureInfo.InvariantCulture) + Extension;

    public static string PathOf(string directory, long segmentId) => Path.Combine(directory, Name(segmentId));

    /// <summary>The segments in <paramref name="directory"/>, by id. Files that are not named like a segment are ignored.</summary>
    public static IReadOnlyList<(long Id, string Path)> List(string directory)
    {
        var segments = new List<(long, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, "*" + Extension))
        {
            var stem = Path.GetFileNameWithoutExtension(path);
            if (stem.Length == 16 && long.TryParse(stem, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                segments.Add((id, path));
            }
        }

        segments.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return segments;
    }
}
