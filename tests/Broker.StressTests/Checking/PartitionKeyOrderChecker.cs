using Broker.StressTests.History;

namespace Broker.StressTests.Checking;

/// <summary>
/// Order per partition key across reshards: each key has one producer putting one record at a time, and each consumer
/// finishes a parent shard before it reads the children (the lineage rule every Kinesis consumer follows), so in each
/// consumer's reads a key's records must come in the order they were put, whichever shards they went through. A put
/// accepted by a parent after its children took over (or a lineage pointing the wrong way) shows up here.
/// </summary>
public static class PartitionKeyOrderChecker
{
    public static IReadOnlyList<string> Check(StreamHistorySnapshot history)
    {
        var violations = new List<string>();
        foreach (var consumer in history.Reads.GroupBy(r => r.Consumer))
        {
            var lastByKey = new Dictionary<string, (long Serial, string Where)>();
            foreach (var e in consumer.OrderBy(r => r.Order))
            {
                foreach (var record in e.Records)
                {
                    var serial = long.Parse(record.Data.AsSpan(record.Data.LastIndexOf('|') + 1), System.Globalization.CultureInfo.InvariantCulture);
                    var where = $"{record.Data} from {e.ShardId} ({record.SequenceNumber}) at {e.At}";
                    if (lastByKey.TryGetValue(record.Key, out var previous) && serial <= previous.Serial)
                    {
                        violations.Add($"key {record.Key}: consumer {consumer.Key} read {where} after {previous.Where}: out of put order");
                    }

                    lastByKey[record.Key] = (Math.Max(serial, previous.Serial), where);
                }
            }
        }

        return violations;
    }
}
