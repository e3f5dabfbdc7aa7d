using System.Text.Json;

namespace Broker.Filtering.Internal;

/// <summary>One array a leaf sits in, and the element of it.</summary>
internal readonly record struct ArrayPosition(int ArrayId, int Index);

/// <summary>One scalar of the body at a path some policy uses.</summary>
internal struct Leaf
{
    public int PathId;
    public int TextStart;
    public int TextLength;
    public double Number;
    public int MembershipStart;
    public int MembershipCount;

    /// <summary>The previous leaf at the same path, or -1.</summary>
    public int Previous;
    public LeafKind Kind;
    public bool IsComparable;
}

/// <summary>Recording leaves.</summary>
internal sealed partial class EventLeaves
{
    private void AddLeaf(ref Utf8JsonReader reader, int pathId)
    {
        if (leafCount == leaves.Length)
        {
            Array.Resize(ref leaves, leaves.Length * 2);
        }

        ref var leaf = ref leaves[leafCount];
        leaf.PathId = pathId;
        leaf.Number = 0;
        leaf.IsComparable = false;
        var raw = reader.ValueSpan;
        EnsureChars(raw.Length);
        leaf.TextStart = charCount;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                leaf.Kind = LeafKind.String;
                leaf.TextLength = reader.CopyString(chars.AsSpan(charCount));
                break;
            case JsonTokenType.Number:
                leaf.Kind = LeafKind.Number;
                leaf.IsComparable = NumberText.TryParseComparable(raw, out leaf.Number);
                for (var i = 0; i < raw.Length; i++)
                {
                    chars[charCount + i] = (char)raw[i];
                }

                leaf.TextLength = raw.Length;
                break;
            default:
                leaf.Kind = reader.TokenType switch
                {
                    JsonTokenType.True => LeafKind.True,
                    JsonTokenType.False => LeafKind.False,
                    _ => LeafKind.Null,
                };
                leaf.TextLength = 0;
                break;
        }

        charCount += leaf.TextLength;
        if (membershipCount + arrayDepth > memberships.Length)
        {
            Array.Resize(ref memberships, Math.Max(memberships.Length * 2, membershipCount + arrayDepth));
        }

        arrayStack.AsSpan(0, arrayDepth).CopyTo(memberships.AsSpan(membershipCount));
        leaf.MembershipStart = membershipCount;
        leaf.MembershipCount = arrayDepth;
        membershipCount += arrayDepth;
        leaf.Previous = lastLeafByPath[pathId];
        lastLeafByPath[pathId] = leafCount++;
    }

    private void EnsureChars(int more)
    {
        if (charCount + more > chars.Length)
        {
            Array.Resize(ref chars, Math.Max(chars.Length * 2, charCount + more));
        }
    }
}
