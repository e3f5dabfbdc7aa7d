using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Broker.Queues;

namespace Broker.Topics.Internal;

/// <summary>
/// An immutable copy of a publish's few message attributes: an array searched in order, which for a handful of entries
/// is as fast as a dictionary and a third of its size (one array and this object, against a dictionary's object,
/// buckets and entries). <see cref="PublishValidation"/> uses it up to <see cref="MaxCount"/> attributes.
/// </summary>
internal sealed class SmallAttributeMap : IReadOnlyDictionary<string, MessageAttributeValue>
{
    /// <summary>The most attributes this map holds; a larger set is copied into a dictionary.</summary>
    public const int MaxCount = 8;

    private readonly KeyValuePair<string, MessageAttributeValue>[] entries;

    /// <summary>Copies <paramref name="source"/>, in its enumeration order; it has at most <see cref="MaxCount"/> entries.</summary>
    public SmallAttributeMap(IReadOnlyDictionary<string, MessageAttributeValue> source) => entries = [.. source];

    /// <summary>The entries, in the order the publisher's dictionary enumerated them.</summary>
    public ReadOnlySpan<KeyValuePair<string, MessageAttributeValue>> Entries => entries;

    public int Count => entries.Length;

    /// <summary>
    /// The entries sorted by name, ordinal (what a queue's message keeps): this map's own array when the publisher's
    /// order already was, otherwise a sorted copy. Neither is ever written.
    /// </summary>
    public KeyValuePair<string, MessageAttributeValue>[] SortedByName()
    {
        for (var i = 1; i < entries.Length; i++)
        {
            if (string.CompareOrdinal(entries[i - 1].Key, entries[i].Key) > 0)
            {
                var sorted = entries.ToArray();
                Array.Sort(sorted, Queues.Internal.MessageValidation.ByName);
                return sorted;
            }
        }

        return entries;
    }

    public IEnumerable<string> Keys => entries.Select(static e => e.Key);

    public IEnumerable<MessageAttributeValue> Values => entries.Select(static e => e.Value);

    public MessageAttributeValue this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The message has no attribute '{key}'.");

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out MessageAttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var entry in entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.Ordinal))
            {
                value = entry.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, MessageAttributeValue>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, MessageAttributeValue>>)entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
