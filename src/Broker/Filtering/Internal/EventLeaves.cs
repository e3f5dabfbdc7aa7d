using System.Text.Json;

namespace Broker.Filtering.Internal;

/// <summary>
/// A message body flattened once into the leaves some policy can look at: (path id, value, enclosing array elements).
/// Objects under paths no policy reaches are skipped without being read into values. One instance per thread is reused,
/// so flattening allocates nothing once the buffers have grown to the largest body seen.
/// </summary>
internal sealed partial class EventLeaves
{
    [ThreadStatic]
    private static EventLeaves? cached;

    private char[] chars = new char[1024];
    private char[] path = new char[256];
    private Leaf[] leaves = new Leaf[64];
    private ArrayPosition[] memberships = new ArrayPosition[64];
    private ArrayPosition[] arrayStack = new ArrayPosition[16];
    private int[] lastLeafByPath = new int[16];
    private PathTable table = PathTable.Empty;
    private int charCount;
    private int leafCount;
    private int membershipCount;
    private int arrayDepth;
    private int nextArrayId;

    /// <summary>Takes this thread's instance (or a new one when it is in use further up the stack).</summary>
    public static EventLeaves Rent()
    {
        var leaves = cached ?? new EventLeaves();
        cached = null;
        return leaves;
    }

    public static void Return(EventLeaves leaves) => cached = leaves;

    public int PathCount => table.Count;

    public int LeafCount => leafCount;

    /// <summary>Flattens <paramref name="utf8Json"/> against <paramref name="paths"/>; false if it is not a JSON object.</summary>
    public bool TryLoad(ReadOnlySpan<byte> utf8Json, PathTable paths)
    {
        table = paths;
        charCount = leafCount = membershipCount = arrayDepth = nextArrayId = 0;
        if (lastLeafByPath.Length < paths.Count)
        {
            lastLeafByPath = new int[Math.Max(paths.Count, lastLeafByPath.Length * 2)];
        }

        lastLeafByPath.AsSpan(0, paths.Count).Fill(-1);

        // Plain-text bodies are common on topics; rejecting them here spares a thrown and caught JsonException each.
        var trimmed = utf8Json.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{')
        {
            return false;
        }

        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            ReadObject(ref reader, 0);
            return !reader.Read(); // throws on trailing content, so this only confirms the end
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The index of the last leaf at a path (follow <see cref="Leaf.Previous"/> for the others), or -1.</summary>
    public int LastLeaf(int pathId) => lastLeafByPath[pathId];

    public ref readonly Leaf this[int index] => ref leaves[index];

    public LeafValue ValueOf(in Leaf leaf) =>
        new(leaf.Kind, chars.AsSpan(leaf.TextStart, leaf.TextLength), leaf.Number, leaf.IsComparable);

    public ReadOnlySpan<ArrayPosition> MembershipOf(in Leaf leaf) => memberships.AsSpan(leaf.MembershipStart, leaf.MembershipCount);

    /// <summary>Two leaves can serve one sub-rule unless they sit in different elements of the same array.</summary>
    public bool Consistent(int first, int second)
    {
        var a = MembershipOf(leaves[first]);
        var b = MembershipOf(leaves[second]);
        foreach (var x in a)
        {
            foreach (var y in b)
            {
                if (x.ArrayId == y.ArrayId && x.Index != y.Index)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private void ReadObject(ref Utf8JsonReader reader, int pathLength)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameLength = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
            var needed = pathLength + 1 + nameLength;
            if (path.Length < needed)
            {
                Array.Resize(ref path, Math.Max(needed, path.Length * 2));
            }

            var start = pathLength;
            if (pathLength > 0)
            {
                path[start++] = '.';
            }

            var childLength = start + reader.CopyString(path.AsSpan(start));
            reader.Read();
            ReadValue(ref reader, childLength);
        }
    }

    private void ReadValue(ref Utf8JsonReader reader, int pathLength)
    {
        var current = path.AsSpan(0, pathLength);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                if (table.IsPrefix(current))
                {
                    ReadObject(ref reader, pathLength);
                }
                else
                {
                    reader.Skip();
                }

                break;
            case JsonTokenType.StartArray:
                if (table.IsPrefix(current) || table.TryGetId(current, out _))
                {
                    ReadArray(ref reader, pathLength);
                }
                else
                {
                    reader.Skip();
                }

                break;
            default:
                if (table.TryGetId(current, out var id))
                {
                    AddLeaf(ref reader, id);
                }

                break;
        }
    }

    private void ReadArray(ref Utf8JsonReader reader, int pathLength)
    {
        if (arrayDepth == arrayStack.Length)
        {
            Array.Resize(ref arrayStack, arrayStack.Length * 2);
        }

        var slot = arrayDepth++;
        arrayStack[slot] = new ArrayPosition(nextArrayId++, 0);
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            arrayStack[slot] = arrayStack[slot] with { Index = index++ };
            ReadValue(ref reader, pathLength);
        }

        arrayDepth--;
    }
}
