namespace Broker.StressTests.Checking;

/// <summary>What a checker found; the scenario fails with the first few, each naming the message or shard and the times.</summary>
public static class Violations
{
    public static void AssertNone(string checker, IReadOnlyList<string> violations, int show = 15)
    {
        if (violations.Count > 0)
        {
            Assert.Fail($"{checker}: {violations.Count} violation(s), the first {Math.Min(show, violations.Count)}:{Environment.NewLine}"
                + string.Join(Environment.NewLine, violations.Take(show)));
        }
    }
}
