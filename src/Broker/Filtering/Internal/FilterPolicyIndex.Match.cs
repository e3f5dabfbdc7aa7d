using Broker.Queues;

namespace Broker.Filtering.Internal;

/// <summary>The read side of <see cref="FilterPolicyIndex{T}"/>: probing a level's anchors and verifying candidates.</summary>
internal sealed partial class FilterPolicyIndex<T>
{
    private static void MatchAttributes(IndexLevel<T> level, IReadOnlyDictionary<string, MessageAttributeValue>? attributes, ref MatchSink sink)
    {
        foreach (var entry in level.MatchAll)
        {
            sink.TryAdd(entry);
        }

        if (attributes is null || attributes.Count == 0)
        {
            return; // an attribute policy never matches a message without attributes
        }

        var anchors = level.AttributeAnchors;
        if (anchors.Count > 0)
        {
            // Walk whichever side is smaller: the message's attributes or the keys policies are anchored on.
            if (anchors.Count <= attributes.Count)
            {
                foreach (var (name, keyAnchors) in level.AttributeAnchorList)
                {
                    if (attributes.TryGetValue(name, out var value))
                    {
                        Probe(keyAnchors, value, attributes, ref sink);
                    }
                }
            }
            else if (attributes is Topics.Internal.SmallAttributeMap small)
            {
                foreach (var (name, value) in small.Entries)
                {
                    if (anchors.TryGetValue(name, out var keyAnchors))
                    {
                        Probe(keyAnchors, value, attributes, ref sink);
                    }
                }
            }
            else if (attributes is Dictionary<string, MessageAttributeValue> dictionary)
            {
                foreach (var (name, value) in dictionary)
                {
                    if (anchors.TryGetValue(name, out var keyAnchors))
                    {
                        Probe(keyAnchors, value, attributes, ref sink);
                    }
                }
            }
            else
            {
                foreach (var (name, value) in attributes)
                {
                    if (anchors.TryGetValue(name, out var keyAnchors))
                    {
                        Probe(keyAnchors, value, attributes, ref sink);
                    }
                }
            }
        }

        foreach (var reference in level.AttributeScan)
        {
            Verify(reference, attributes, ref sink);
        }
    }

    private static void Probe(KeyAnchors<T> anchors, MessageAttributeValue value, IReadOnlyDictionary<string, MessageAttributeValue> attributes, ref MatchSink sink)
    {
        if (value.StringValue is not { } text || CompiledPolicy.IsBinary(value.DataType))
        {
            return;
        }

        if (value.DataType == "String.Array")
        {
            using var elements = new StringArrayElements(text);
            while (elements.MoveNext(out var element))
            {
                foreach (var reference in anchors.Find(element))
                {
                    VerifyFound(reference, attributes, ref sink);
                }
            }

            return;
        }

        var leaf = CompiledPolicy.IsNumber(value.DataType) ? LeafValue.FromNumberText(text) : LeafValue.FromString(text);
        foreach (var reference in anchors.Find(leaf))
        {
            VerifyFound(reference, attributes, ref sink);
        }
    }

    /// <summary>
    /// <see cref="Verify"/> for a sub-rule found under its anchor by one of the message's values: when the anchor is the
    /// whole rule (<see cref="SubRuleRef{T}.AnchorDecides"/>), finding it was the match, as <see cref="KeyMatcher.Matches"/>
    /// would say for the same value (exact strings by ordinal equality, exact numbers by value, the same leaf either way).
    /// </summary>
    private static void VerifyFound(in SubRuleRef<T> reference, IReadOnlyDictionary<string, MessageAttributeValue> attributes, ref MatchSink sink)
    {
        if (reference.AnchorDecides)
        {
            sink.TryAdd(reference.Entry, reference.Target);
            return;
        }

        Verify(reference, attributes, ref sink);
    }

    private static void Verify(in SubRuleRef<T> reference, IReadOnlyDictionary<string, MessageAttributeValue> attributes, ref MatchSink sink)
    {
        if (sink.IsPending(reference.Entry) && CompiledPolicy.MatchesAttributes(reference.Rule, attributes))
        {
            sink.TryAdd(reference.Entry);
        }
    }

    private static void MatchBody(IndexLevel<T> level, EventLeaves leaves, ref MatchSink sink)
    {
        foreach (var entry in level.BodyMatchAll)
        {
            sink.TryAdd(entry);
        }

        var anchors = level.BodyAnchors;
        if (anchors.Length > 0)
        {
            for (var i = 0; i < leaves.LeafCount; i++)
            {
                ref readonly var leaf = ref leaves[i];
                if (leaf.PathId < anchors.Length && anchors[leaf.PathId] is { } keyAnchors)
                {
                    foreach (var reference in keyAnchors.Find(leaves.ValueOf(leaf)))
                    {
                        VerifyBody(reference, leaves, ref sink);
                    }
                }
            }
        }

        foreach (var reference in level.BodyScan)
        {
            VerifyBody(reference, leaves, ref sink);
        }
    }

    private static void VerifyBody(in SubRuleRef<T> reference, EventLeaves leaves, ref MatchSink sink)
    {
        if (sink.IsPending(reference.Entry) && CompiledPolicy.MatchesBody(reference.Rule, leaves, reference.Entry.BodyPathRemap))
        {
            sink.TryAdd(reference.Entry);
        }
    }

    /// <summary>
    /// Collects one match call's targets: skips entries removed since the base level was built and entries already
    /// added. Few targets match a typical message, so "already added" scans the call's part of the list; past 16 matches
    /// it switches to a set.
    /// </summary>
    private struct MatchSink(List<T> matches, HashSet<IndexEntry<T>>? removed)
    {
        private const int LinearLimit = 16;
        private readonly int start = matches.Count;
        private HashSet<T>? added;

        /// <summary>True if the entry is live and not yet added (so it is worth verifying).</summary>
        public readonly bool IsPending(IndexEntry<T> entry) => IsPending(entry, entry.Target);

        /// <summary>
        /// <see cref="IsPending(IndexEntry{T})"/> given the entry's target, so that the entry itself is read only when
        /// entries were removed since the base level was built.
        /// </summary>
        private readonly bool IsPending(IndexEntry<T> entry, T target)
        {
            if (removed is not null && removed.Contains(entry))
            {
                return false;
            }

            if (added is not null)
            {
                return !added.Contains(target);
            }

            for (var i = start; i < matches.Count; i++)
            {
                if (ReferenceEquals(matches[i], target))
                {
                    return false;
                }
            }

            return true;
        }

        public void TryAdd(IndexEntry<T> entry) => TryAdd(entry, entry.Target);

        /// <summary><see cref="TryAdd(IndexEntry{T})"/> given the entry's target.</summary>
        public void TryAdd(IndexEntry<T> entry, T target)
        {
            if (!IsPending(entry, target))
            {
                return;
            }

            matches.Add(target);
            if (added is not null)
            {
                added.Add(target);
            }
            else if (matches.Count - start > LinearLimit)
            {
                added = new HashSet<T>(ReferenceEqualityComparer.Instance);
                for (var i = start; i < matches.Count; i++)
                {
                    added.Add(matches[i]);
                }
            }
        }
    }
}
