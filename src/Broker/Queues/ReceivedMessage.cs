using System.Text;
using Broker.Queues.Internal;

namespace Broker.Queues;

/// <summary>
/// A message as a receive returns it. Identifiers, digests and attribute maps are computed when first read, so a
/// consumer that only needs the body and the receipt handle pays for nothing else.
/// </summary>
public sealed class ReceivedMessage
{
    // Kept to 72 bytes: a receive allocates one of these per message and nothing else per message.
    private readonly MessageQueue queue;
    private readonly QueueMessage message;
    private readonly AttributeSelection selection;
    private readonly long firstReceiveAtTicks;
    private readonly int slot;
    private readonly int receiveCount;
    private string? receiptHandle;
    private Details? details;

    internal ReceivedMessage(MessageQueue queue, QueueMessage message, int slot, int receiveCount, long firstReceiveAtTicks, AttributeSelection selection)
    {
        this.queue = queue;
        this.message = message;
        this.slot = slot;
        this.receiveCount = receiveCount;
        this.firstReceiveAtTicks = firstReceiveAtTicks;
        this.selection = selection;
    }

    /// <summary>The queue this message was received from.</summary>
    internal MessageQueue Queue => queue;

    /// <summary>The stored message (for Broker.Testing's record of what was received).</summary>
    internal QueueMessage Message => message;

    /// <summary>When the message was first received, UTC ticks (the journal records it).</summary>
    internal long FirstReceiveAtTicks => firstReceiveAtTicks;

    /// <summary>The receipt handle if <see cref="ReceiptHandle"/> has formatted it, else null.</summary>
    internal string? FormattedReceiptHandle => Volatile.Read(ref receiptHandle);

    /// <summary>What this message's receipt handle encodes.</summary>
    internal ReceiptHandleData Receipt => new(slot, receiveCount, (uint)message.Sequence);

    /// <summary>The message's id, the same on every receive.</summary>
    public string MessageId => (details ??= new Details()).MessageId ??= queue.MessageIdOf(message);

    /// <summary>The handle for deleting this message or changing its visibility; new on every receive.</summary>
    public string ReceiptHandle => receiptHandle ??= queue.FormatReceiptHandle(Receipt);

    /// <summary>The body, UTF-8. The bytes are the broker's and never change.</summary>
    public ReadOnlyMemory<byte> Body => message.Body;

    /// <summary>The body decoded from UTF-8.</summary>
    /// <returns>The body text.</returns>
    public string GetBodyAsString() => Encoding.UTF8.GetString(message.Body.Span);

    /// <summary>The MD5 digest of the body, as lowercase hex.</summary>
    public string MD5OfBody => MessageDigests.Md5Hex(message.Body.Span);

    /// <summary>
    /// The MD5 digest, by SQS's algorithm, of the message attributes this receive returned (see
    /// <see cref="MessageAttributes"/>), or <see langword="null"/> when it returned none.
    /// </summary>
    public string? MD5OfMessageAttributes => MessageAttributes.Count == 0 ? null : MessageDigests.Md5OfAttributes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(SelectedAttributes()));

    /// <summary>Times this message has been received, this receive included.</summary>
    public int ApproximateReceiveCount => receiveCount;

    /// <summary>When the message was sent.</summary>
    public DateTimeOffset SentTimestamp => new(message.SentAt, TimeSpan.Zero);

    /// <summary>When the message was first received.</summary>
    public DateTimeOffset ApproximateFirstReceiveTimestamp => new(firstReceiveAtTicks, TimeSpan.Zero);

    /// <summary>
    /// The system attributes the receive asked for in <see cref="ReceiveRequest.MessageSystemAttributeNames"/>, as SQS
    /// returns them (timestamps in epoch milliseconds). Empty when none were asked for.
    /// </summary>
    public IReadOnlyDictionary<string, string> Attributes =>
        (details ??= new Details()).SystemAttributes ??= selection.BuildSystemAttributes(queue, message, receiveCount, firstReceiveAtTicks);

    /// <summary>The message attributes the receive asked for in <see cref="ReceiveRequest.MessageAttributeNames"/>. Empty when none were asked for.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue> MessageAttributes =>
        message.Extras is null
            ? AttributeSelection.NoMessageAttributes // no attributes were sent: nothing to select, nothing to allocate
            : (details ??= new Details()).MessageAttributes ??= BuildMessageAttributes();

    private IReadOnlyDictionary<string, MessageAttributeValue> BuildMessageAttributes()
    {
        var selected = SelectedAttributes();
        if (selected.Count == 0)
        {
            return AttributeSelection.NoMessageAttributes;
        }

        var map = new Dictionary<string, MessageAttributeValue>(selected.Count, StringComparer.Ordinal);
        foreach (var (name, value) in selected)
        {
            map.Add(name, value);
        }

        return map;
    }

    private List<KeyValuePair<string, MessageAttributeValue>> SelectedAttributes() => selection.SelectMessageAttributes(message.Extras);

    /// <summary>What is computed on first read, kept apart so that a consumer who reads none of it allocates none of it.</summary>
    private sealed class Details
    {
        public string? MessageId;
        public IReadOnlyDictionary<string, string>? SystemAttributes;
        public IReadOnlyDictionary<string, MessageAttributeValue>? MessageAttributes;
    }
}
