using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Broker.Filtering.Internal;

/// <summary>
/// The sub-rules anchored on one key's exact strings, by string: an open-addressing table whose slot holds the string's
/// hash, the string and its sub-rules, so that a probe reads a slot and, for a string longer than
/// <see cref="InlineLength"/> characters, the string's characters. A dictionary of arrays reads its bucket, then its
/// entry, then the key, then the array: with thousands of policies (a topic whose subscriptions each name their own
/// customer or tenant) each of those is a cache miss that waits for the one before. A string that anchors one sub-rule,
/// the usual case, keeps it in its slot without an array; a string of up to <see cref="InlineLength"/> characters (an
/// id, a code, a region, a status) keeps its characters in its slot too, so that finding it reads the slot alone.
/// Immutable once built.
/// </summary>
/// <typeparam name="T">The index's target type.</typeparam>
internal sealed class ExactStringAnchors<T>
    where T : class
{
    /// <summary>The longest string whose characters a slot holds (two 64-bit words of UTF-16).</summary>
    internal const int InlineLength = 8;

    private readonly Slot[] slots;
    private readonly int mask;

    /// <summary>All ones; zero in a table built for tests to give every string the same hash, so that every probe compares.</summary>
    private readonly int hashBits;

    /// <summary>Files each string's sub-rules (at least one each); strings compare by ordinal.</summary>
    /// <param name="byString">The sub-rules of each string.</param>
    /// <param name="sameHashForTests">Whether to file every string under one hash (tests: strings are then told apart
    /// by the comparisons alone, as strings whose hashes collide are).</param>
    public ExactStringAnchors(IReadOnlyDictionary<string, List<SubRuleRef<T>>> byString, bool sameHashForTests = false)
    {
        hashBits = sameHashForTests ? 0 : -1;
        // At most two thirds full, so that a probe for a missing string ends at an empty slot within a few steps.
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, (byString.Count * 3 / 2) + 1));
        slots = new Slot[size];
        mask = size - 1;
        foreach (var (text, references) in byString)
        {
            var hash = string.GetHashCode(text.AsSpan()) & hashBits;
            var index = hash & mask;
            while (slots[index].Text is not null)
            {
                index = (index + 1) & mask;
            }

            Pack(text, out var low, out var high);
            slots[index] = references.Count == 1
                ? new Slot(hash, text, low, high, references[0], null)
                : new Slot(hash, text, low, high, default, [.. references]);
        }

        Count = byString.Count;
    }

    /// <summary>How many distinct strings anchor sub-rules.</summary>
    public int Count { get; }

    /// <summary>The sub-rules anchored on <paramref name="text"/>; empty when none is.</summary>
    public ReadOnlySpan<SubRuleRef<T>> Find(ReadOnlySpan<char> text)
    {
        var hash = string.GetHashCode(text) & hashBits;
        var inline = Pack(text, out var low, out var high);

        // The index stays within the table (masked), so the slots are reached without bounds checks.
        ref var first = ref MemoryMarshal.GetArrayDataReference(slots);
        for (var index = hash & mask; ; index = (index + 1) & mask)
        {
            ref readonly var slot = ref Unsafe.Add(ref first, index);
            if (slot.Text is null)
            {
                return default;
            }

            if (slot.Hash == hash && slot.Length == text.Length
                && (inline ? slot.Low == low && slot.High == high : text.SequenceEqual(slot.Text)))
            {
                return slot.Many ?? new ReadOnlySpan<SubRuleRef<T>>(in slot.One);
            }
        }
    }

    /// <summary>
    /// The characters of <paramref name="text"/> as two words, zero-padded, when it has at most
    /// <see cref="InlineLength"/> (two strings of the same length are then equal exactly when their words are); false,
    /// with zeros, for a longer one.
    /// </summary>
    private static bool Pack(ReadOnlySpan<char> text, out ulong low, out ulong high)
    {
        if (text.Length > InlineLength)
        {
            low = high = 0;
            return false;
        }

        Span<ulong> words = stackalloc ulong[2];
        words.Clear();
        MemoryMarshal.AsBytes(text).CopyTo(MemoryMarshal.AsBytes(words));
        low = words[0];
        high = words[1];
        return true;
    }

    /// <summary>One string (its characters as well, when short) and its sub-rules: <see cref="One"/> alone, or <see cref="Many"/>.</summary>
    private readonly struct Slot(int hash, string text, ulong low, ulong high, SubRuleRef<T> one, SubRuleRef<T>[]? many)
    {
        /// <summary>The string; null marks an empty slot.</summary>
        public readonly string? Text = text;

        /// <summary>The first four characters of a string of at most <see cref="InlineLength"/>, zero-padded.</summary>
        public readonly ulong Low = low;

        /// <summary>Its next four characters, zero-padded.</summary>
        public readonly ulong High = high;

        public readonly int Hash = hash;

        /// <summary>The string's length, so that a short string's words are compared only with a string as long.</summary>
        public readonly int Length = text.Length;

        public readonly SubRuleRef<T>[]? Many = many;

        public readonly SubRuleRef<T> One = one;
    }
}
