namespace Broker.Hosting.Internal;

/// <summary>The entry ids of a batch call (SQS's batch APIs take at most 10 entries): the index of the entry, preformatted.</summary>
internal static class BatchEntryIds
{
    public static readonly string[] Ids = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    public static int IndexOf(string id) => Array.IndexOf(Ids, id);
}
