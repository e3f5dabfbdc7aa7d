namespace Broker.StressTests.Checking;

/// <summary>
/// Finds pairs that contradict real time: item A completed before item B started, yet A's key (a sequence number) is
/// greater than B's. One pass from the highest key down, keeping the earliest completion seen so far: O(n log n).
/// </summary>
internal static class RealTimeOrder
{
    public static IEnumerable<(T Higher, T Lower)> Inversions<T, TKey>(IEnumerable<T> items, Func<T, TKey> key, Func<T, History.Stamp> at)
        where TKey : IComparable<TKey>
    {
        var sorted = items.OrderByDescending(key).ToList();
        T? earliestHigher = default;
        var found = false;
        foreach (var item in sorted)
        {
            // `earliestHigher` has a greater key than `item` (or an equal one: equal keys are reported by their own checks).
            if (found && at(earliestHigher!).After < at(item).Before && key(earliestHigher!).CompareTo(key(item)) > 0)
            {
                yield return (earliestHigher!, item);
            }

            if (!found || at(item).After < at(earliestHigher!).After)
            {
                earliestHigher = item;
                found = true;
            }
        }
    }
}
