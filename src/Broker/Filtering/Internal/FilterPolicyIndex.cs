// TEMPORARY STUB (not committed): replaced by the filter-engine branch.
using Broker.Queues;

namespace Broker.Filtering.Internal;

internal sealed class FilterPolicyIndex<T>
    where T : class
{
    private (T Target, FilterPolicy? Policy)[] entries = [];

    public int Count => entries.Length;

    public void Add(T target, FilterPolicy? policy)
    {
        Remove(target);
        entries = [.. entries, (target, policy)];
    }

    public bool Remove(T target)
    {
        var before = entries.Length;
        entries = [.. entries.Where(e => e.Target != target)];
        return entries.Length != before;
    }

    public void Match(IReadOnlyDictionary<string, MessageAttributeValue>? attributes, ReadOnlySpan<byte> utf8Body, List<T> matches)
    {
        foreach (var (target, policy) in Volatile.Read(ref entries))
        {
            if (policy is null || (policy.Scope == FilterPolicyScope.MessageAttributes ? policy.Matches(attributes) : policy.Matches(utf8Body)))
            {
                matches.Add(target);
            }
        }
    }
}
