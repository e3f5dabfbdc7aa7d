using System.Reflection;
using Broker.Queues;
using Broker.Queues.Internal;

namespace Broker.StressTests.Scenarios;

/// <summary>Diagnostics only: lists the live messages a queue still tracks (read through its internals, non-destructively).</summary>
internal static class QueueInspector
{
    public static IReadOnlyList<string> LiveMessages(IMessageQueue queue)
    {
        var found = new List<string>();
        if (queue is not MessageQueue internals
            || typeof(MessageQueue).GetField("slots", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(internals) is not SlotTable slots)
        {
            return found;
        }

        for (var i = 0; i < slots.HighWater; i++)
        {
            if (slots.Exists(i) && Volatile.Read(ref slots[i].Message) is { } message && MessageState.IsLive(Volatile.Read(ref message.State)))
            {
                var state = Volatile.Read(ref message.State);
                found.Add($"slot {i}: '{System.Text.Encoding.UTF8.GetString(message.Body.Span)}' {MessageState.Status(state)} receive count {MessageState.ReceiveCount(state)}, "
                    + $"slot in state {MessageState.Slot(state)}, group {message.Extras?.MessageGroupId}, sequence {message.Extras?.SequenceNumber}");
            }
        }

        return found;
    }
}
