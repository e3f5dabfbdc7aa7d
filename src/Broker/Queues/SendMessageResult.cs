using Broker.Queues.Internal;

namespace Broker.Queues;

/// <summary>What SQS's SendMessage returns. The digests are computed when first read.</summary>
public sealed class SendMessageResult
{
    private readonly QueueMessage message;
    private readonly MessageQueue queue;

    internal SendMessageResult(MessageQueue queue, QueueMessage message)
    {
        this.queue = queue;
        this.message = message;
    }

    /// <summary>The message's id, a UUID.</summary>
    public string MessageId => queue.FormatMessageId(message.Sequence);

    /// <summary>The MD5 digest of the body, as lowercase hex.</summary>
    public string MD5OfMessageBody => MessageDigests.Md5Hex(message.Body);

    /// <summary>The MD5 digest of the message attributes by SQS's algorithm, or <see langword="null"/> when there are none.</summary>
    public string? MD5OfMessageAttributes => message.Extras is { Attributes.Length: > 0 } extras ? MessageDigests.Md5OfAttributes(extras.Attributes) : null;

    /// <summary>FIFO queues only; always <see langword="null"/> on a standard queue, as in SQS.</summary>
#pragma warning disable CA1822 // Part of the shape FIFO queues fill in.
    public string? SequenceNumber => null;
#pragma warning restore CA1822
}
