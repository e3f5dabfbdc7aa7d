using System.Collections.Frozen;
using System.Globalization;

namespace Broker.Queues.Internal;

/// <summary>
/// Which attributes a receive asked for, parsed once per receive and shared by the messages it returns.
/// Message attributes: names, <c>All</c>, <c>.*</c> or prefixes like <c>order.*</c>. System attributes: names or <c>All</c>.
/// </summary>
internal sealed class AttributeSelection
{
    public static readonly AttributeSelection None = new(false, [], [], SystemAttributes.None);

    /// <summary>Every message attribute and every system attribute (<c>All</c> and <c>All</c>).</summary>
    private static readonly AttributeSelection Everything = new(true, [], [], SystemAttributes.All);

    public static readonly IReadOnlyDictionary<string, MessageAttributeValue> NoMessageAttributes =
        FrozenDictionary<string, MessageAttributeValue>.Empty;

    private static readonly IReadOnlyDictionary<string, string> NoSystemAttributes = FrozenDictionary<string, string>.Empty;

    private readonly bool allMessageAttributes;
    private readonly string[] names;
    private readonly string[] prefixes;
    private readonly SystemAttributes system;

    private AttributeSelection(bool allMessageAttributes, string[] names, string[] prefixes, SystemAttributes system)
    {
        this.allMessageAttributes = allMessageAttributes;
        this.names = names;
        this.prefixes = prefixes;
        this.system = system;
    }

    [Flags]
    private enum SystemAttributes
    {
        None = 0,
        ApproximateReceiveCount = 1,
        ApproximateFirstReceiveTimestamp = 2,
        SentTimestamp = 4,
        SenderId = 8,
        MessageGroupId = 16,
        DeadLetterQueueSourceArn = 32,
        MessageDeduplicationId = 64,
        SequenceNumber = 128,
        All = ApproximateReceiveCount | ApproximateFirstReceiveTimestamp | SentTimestamp | SenderId | MessageGroupId | DeadLetterQueueSourceArn
            | MessageDeduplicationId | SequenceNumber,
    }

    private static bool IsOnly(IReadOnlyList<string>? names, string name) => names is { Count: 1 } && names[0] == name;

    public static AttributeSelection Parse(IReadOnlyList<string>? messageAttributeNames, IReadOnlyList<string>? systemAttributeNames)
    {
        if ((messageAttributeNames is null || messageAttributeNames.Count == 0) && (systemAttributeNames is null || systemAttributeNames.Count == 0))
        {
            return None;
        }

        if (IsOnly(messageAttributeNames, "All") && IsOnly(systemAttributeNames, MessageSystemAttributeNames.All))
        {
            return Everything; // what the hosted consumers ask on every receive: parsed once
        }

        var system = SystemAttributes.None;
        foreach (var name in systemAttributeNames ?? [])
        {
            system |= name switch
            {
                MessageSystemAttributeNames.All => SystemAttributes.All,
                MessageSystemAttributeNames.ApproximateReceiveCount => SystemAttributes.ApproximateReceiveCount,
                MessageSystemAttributeNames.ApproximateFirstReceiveTimestamp => SystemAttributes.ApproximateFirstReceiveTimestamp,
                MessageSystemAttributeNames.SentTimestamp => SystemAttributes.SentTimestamp,
                MessageSystemAttributeNames.SenderId => SystemAttributes.SenderId,
                MessageSystemAttributeNames.MessageGroupId => SystemAttributes.MessageGroupId,
                MessageSystemAttributeNames.DeadLetterQueueSourceArn => SystemAttributes.DeadLetterQueueSourceArn,
                MessageSystemAttributeNames.MessageDeduplicationId => SystemAttributes.MessageDeduplicationId,
                MessageSystemAttributeNames.SequenceNumber => SystemAttributes.SequenceNumber,
                _ => throw new BrokerException(
                    BrokerErrorCodes.InvalidAttributeName,
                    $"Unknown Attribute {name}. Ask for All or one of ApproximateReceiveCount, ApproximateFirstReceiveTimestamp, SentTimestamp, SenderId, MessageGroupId, DeadLetterQueueSourceArn, MessageDeduplicationId, SequenceNumber."),
            };
        }

        var all = false;
        var names = new List<string>();
        var prefixes = new List<string>();
        foreach (var name in messageAttributeNames ?? [])
        {
            if (name is "All" or ".*")
            {
                all = true;
            }
            else if (name is not null && name.EndsWith(".*", StringComparison.Ordinal))
            {
                var prefix = name[..^1];
                MessageValidation.ValidateAttributeName(prefix[..^1], "Message attribute name prefix");
                prefixes.Add(prefix);
            }
            else
            {
                MessageValidation.ValidateAttributeName(name, "Message attribute");
                names.Add(name!);
            }
        }

        return new AttributeSelection(all, [.. names], [.. prefixes], system);
    }

    public List<KeyValuePair<string, MessageAttributeValue>> SelectMessageAttributes(MessageExtras? extras)
    {
        var selected = new List<KeyValuePair<string, MessageAttributeValue>>();
        if (extras is null)
        {
            return selected;
        }

        foreach (var pair in extras.Attributes)
        {
            if (allMessageAttributes || Array.IndexOf(names, pair.Key) >= 0 || prefixes.Any(p => pair.Key.StartsWith(p, StringComparison.Ordinal)))
            {
                selected.Add(pair);
            }
        }

        return selected;
    }

    public IReadOnlyDictionary<string, string> BuildSystemAttributes(MessageQueue queue, QueueMessage message, int receiveCount, long firstReceiveAt)
    {
        if (system == SystemAttributes.None)
        {
            return NoSystemAttributes;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (system.HasFlag(SystemAttributes.ApproximateReceiveCount))
        {
            map[MessageSystemAttributeNames.ApproximateReceiveCount] = receiveCount.ToString(CultureInfo.InvariantCulture);
        }

        if (system.HasFlag(SystemAttributes.ApproximateFirstReceiveTimestamp))
        {
            map[MessageSystemAttributeNames.ApproximateFirstReceiveTimestamp] = EpochMilliseconds(firstReceiveAt);
        }

        if (system.HasFlag(SystemAttributes.SentTimestamp))
        {
            map[MessageSystemAttributeNames.SentTimestamp] = EpochMilliseconds(message.SentAt);
        }

        if (system.HasFlag(SystemAttributes.SenderId))
        {
            map[MessageSystemAttributeNames.SenderId] = queue.AccountId;
        }

        if (system.HasFlag(SystemAttributes.MessageGroupId) && message.Extras?.MessageGroupId is { } groupId)
        {
            map[MessageSystemAttributeNames.MessageGroupId] = groupId;
        }

        if (system.HasFlag(SystemAttributes.DeadLetterQueueSourceArn) && message.Extras?.DeadLetterSourceArn is { } sourceArn)
        {
            map[MessageSystemAttributeNames.DeadLetterQueueSourceArn] = sourceArn;
        }

        if (system.HasFlag(SystemAttributes.MessageDeduplicationId) && message.Extras?.DeduplicationId is { } deduplicationId)
        {
            map[MessageSystemAttributeNames.MessageDeduplicationId] = deduplicationId;
        }

        if (system.HasFlag(SystemAttributes.SequenceNumber) && queue.FormatSequenceNumber(message) is { } sequenceNumber)
        {
            map[MessageSystemAttributeNames.SequenceNumber] = sequenceNumber;
        }

        return map;
    }

    private static string EpochMilliseconds(long ticks) =>
        new DateTimeOffset(ticks, TimeSpan.Zero).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
