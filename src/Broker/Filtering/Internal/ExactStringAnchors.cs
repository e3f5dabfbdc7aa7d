using System.Numerics;

namespace Broker.Filtering.Internal;

/// <summary>
/// The sub-rules anchored on one key's exact strings, by string: an open-addressing table whose slot holds the string's
/// hash, the string and its sub-rules, so that a probe reads a slot and the string's characters. A dictionary of
/// arrays reads its bucket, then its entry, then the key, then the array: with thousands of policies (a topic whose
/// subscriptions each name their own customer or tenant) each of those is a cache miss that waits for the one before.
/// A string that anchors one sub-rule, the usual case, keeps it in its slot without an array. Immutable once built.
/// </summary>
/// <typeparam name="T">The index's target type.</typeparam>
internal sealed class ExactStringAnchors<T>
    where T : class
{
    private readonly Slot[] slots;
    private readonly int mask;

    /// <summary>Files each string's sub-rules (at least one each); strings compare by ordinal.</summary>
    public ExactStringAnchors(IReadOnlyDictionary<string, List<SubRuleRef<T>>> byString)
    {
        // At most two thirds full, so that a probe for a missing string ends at an empty slot within a few steps.
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, (byString.Count * 3 / 2) + 1));
        slots = new Slot[size];
        mask = size - 1;
        foreach (var (text, references) in byString)
        {
            var hash = string.GetHashCode(text.AsSpan());
            var index = hash & mask;
            while (slots[index].Text is not null)
            {
                index = (index + 1) & mask;
            }

            slots[index] = references.Count == 1
                ? new Slot(hash, text, references[0], null)
                : new Slot(hash, text, default, [.. references]);
        }

        Count = byString.Count;
    }

    /// <summary>How many distinct strings anchor sub-rules.</summary>
    public int Count { get; }

    /// <summary>The sub-rules anchored on <paramref name="text"/>; empty when none is.</summary>
    public ReadOnlySpan<SubRuleRef<T>> Find(ReadOnlySpan<char> text)
    {
        var hash = string.GetHashCode(text);
        for (var index = hash & mask; ; index = (index + 1) & mask)
        {
            ref readonly var slot = ref slots[index];
            if (slot.Text is null)
            {
                return default;
            }

            if (slot.Hash == hash && text.SequenceEqual(slot.Text))
            {
                return slot.Many ?? new ReadOnlySpan<SubRuleRef<T>>(in slot.One);
            }
        }
    }

    /// <summary>One string and its sub-rules: <see cref="One"/> alone, or <see cref="Many"/>.</summary>
    private readonly struct Slot(int hash, string text, SubRuleRef<T> one, SubRuleRef<T>[]? many)
    {
        public readonly string? Text = text;

        public readonly SubRuleRef<T>[]? Many = many;

        public readonly SubRuleRef<T> One = one;

        public readonly int Hash = hash;
    }
}
